"""Receivables speed benchmark (issue 5, "Speed"): not a test, CI never runs it.

    DATABASE_URL=postgres://kamcrm:kamcrm@127.0.0.1:5432/kamcrm_recv \
        .venv/bin/python bench/receivables.py seed --distributors 20000 --invoices 1000000
    DATABASE_URL=... .venv/bin/python bench/receivables.py run

``seed`` migrates the database in DATABASE_URL (PostgreSQL only: it refuses to touch anything else) and writes
a synthetic company the shape of ../shared/PERF-NOTES.md: 20 regions, 200 teams of 10 reps, the distributors
(one primary contact each) and five years of invoices with their payments and allocations, generated in SQL
with ``generate_series`` (a fixed ``setseed``). Open amounts, ``last_applied_on`` and unallocated amounts are
written exactly as the services keep them, and the reminder levels that fell before today are recorded as
already sent, so the next daily run is the steady-state one. It deletes earlier benchmark rows first
(everything with the ``bench`` prefix).

``run`` times, through the real selectors and API views: company aging as of today and as of the last month
end (by region and by distributor), one KAM's aging, the worklist, and the daily reminder run (claim and
send with the in-memory e-mail backend, inside a transaction that is rolled back so it can be run again).

``worklist`` times the company worklist's first page through the API (issue 14: under 100 ms), unfiltered, each
filter and sort, and one KAM's, printing p50/p95 and the load average (``--samples N``, 20 by default).
"""

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kamcrm.settings.test")
os.environ.setdefault("DJANGO_ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")

import django  # noqa: E402

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402


def _check_database() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")


def seed(distributors: int, invoices: int) -> None:
    """The benchmark company of ``kamcrm.demo.reports_bench`` (also ``manage.py seed_bench``) without visits and
    orders."""
    from kamcrm.demo import reports_bench as bench_data

    _check_database()
    bench_data.build(
        bench_data.Size(reps=2_000, distributors=distributors, visits=0, orders=0, invoices=invoices),
        say=lambda line: print(line, flush=True),
    )


def _time(label: str, function, repeat: int = 7) -> float:
    function()  # warm the caches and the connection
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        runs.append((time.perf_counter() - started) * 1000)
    median = statistics.median(runs)
    print(f"  {label:<62} p50 {median:8.1f} ms   max {max(runs):8.1f} ms", flush=True)
    return median


def run() -> None:
    from rest_framework.test import APIClient

    from accounts.models import User
    from receivables import reminders, selectors

    _check_database()
    today = timezone.localdate()
    month_end = today.replace(day=1) - timedelta(days=1)
    finance = User.objects.get(username="bench_finance")
    kam = User.objects.get(username="bench_kam_042")
    api = APIClient()
    print(f"as of {today}; last month end {month_end}")

    def api_get(user, url):
        api.force_authenticate(user)
        response = api.get(url)
        assert response.status_code == 200, response.content[:300]
        return response

    _time(
        "company aging today, by region (selector)",
        lambda: selectors.aging(for_user=finance, as_of=today, group_by="region"),
    )
    _time("company aging today, by region (API)", lambda: api_get(finance, "/api/receivables/aging/?group_by=region"))
    _time("company aging today, by team (API)", lambda: api_get(finance, "/api/receivables/aging/?group_by=team"))
    _time(
        "company aging today, by distributor (API, every account)",
        lambda: api_get(finance, "/api/receivables/aging/?group_by=distributor"),
        repeat=3,
    )
    _time(
        "company aging as of last month end, by region (API)",
        lambda: api_get(finance, f"/api/receivables/aging/?group_by=region&as_of={month_end}"),
    )
    _time("one KAM's aging today, by distributor (API)", lambda: api_get(kam, "/api/receivables/aging/"))
    _time(
        "one KAM's aging today, by rep (selector)", lambda: selectors.aging(for_user=kam, as_of=today, group_by="rep")
    )
    _time(
        "one KAM's aging as of last month end (API)",
        lambda: api_get(kam, f"/api/receivables/aging/?as_of={month_end}"),
    )
    _time("company worklist, first page (API)", lambda: api_get(finance, "/api/receivables/worklist/"), repeat=3)
    _time("one KAM's worklist (API)", lambda: api_get(kam, "/api/receivables/worklist/"))
    # Issue 14: the finance desk's worklist with filters, sorts and the credit state of each row.
    _time(
        "company worklist, first page, 61–90 days, sorted by overdue (API)",
        lambda: api_get(finance, "/api/receivables/worklist/?bucket=61_90&sort=overdue"),
        repeat=3,
    )
    _time(
        "company worklist, first page, on hold or warned (API)",
        lambda: api_get(finance, "/api/receivables/worklist/?hold=warn"),
        repeat=3,
    )
    _time(
        "company worklist, first page, promises not kept (API)",
        lambda: api_get(finance, "/api/receivables/worklist/?promise=broken"),
        repeat=3,
    )

    class Rollback(Exception):
        pass

    def daily_run():
        try:
            with transaction.atomic():
                run = reminders.send_overdue_reminders(run_date=today)
                print(
                    f"    ({run.claimed} reminders, {run.skipped} skipped, {run.paused} paused, {run.tasks} tasks, "
                    f"{run.messages} messages, {run.sent} e-mails)"
                )
                raise Rollback
        except Rollback:
            pass

    _time("daily reminder run (claim + send), rolled back after", daily_run, repeat=2)


def _percentiles(label: str, function, samples: int) -> tuple[float, float]:
    function()  # warm the caches and the connection
    runs = []
    for _ in range(samples):
        started = time.perf_counter()
        function()
        runs.append((time.perf_counter() - started) * 1000)
    runs.sort()
    p50 = statistics.median(runs)
    p95 = runs[min(len(runs) - 1, round(0.95 * (len(runs) - 1)))]
    print(f"  {label:<58} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms", flush=True)
    return p50, p95


def worklist(samples: int) -> None:
    """The company worklist's first page through the API (finance, 25 rows, every extra of a row), unfiltered and
    with each filter, and one KAM's; p50 and p95 of ``samples`` requests, the load average before and after."""
    from rest_framework.test import APIClient

    from accounts.models import Region, Team, User

    _check_database()
    finance = User.objects.get(username="bench_finance")
    kam = User.objects.get(username="bench_kam_042")
    region = Region.objects.order_by("pk").first()
    team = Team.objects.order_by("pk").first()
    rep = User.objects.filter(username__startswith="bench_rep_").order_by("pk").first()
    api = APIClient()

    def get(user, query=""):
        def call():
            api.force_authenticate(user)
            response = api.get(f"/api/receivables/worklist/{query}")
            assert response.status_code == 200, response.content[:300]

        return call

    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}; {samples} samples each")
    cases = [
        ("company, first page", finance, ""),
        ("company, page 2", finance, "?page=2"),
        ("company, sorted by overdue amount", finance, "?sort=overdue"),
        ("company, oldest first", finance, "?sort=days"),
        ("company, by name", finance, "?sort=name"),
        ("company, one region", finance, f"?region={region.pk}"),
        ("company, one team", finance, f"?team={team.pk}"),
        ("company, one rep", finance, f"?rep={rep.pk}"),
        ("company, 61–90 days, sorted by overdue", finance, "?bucket=61_90&sort=overdue"),
        ("company, over 180 days", finance, "?bucket=over_180"),
        ("company, on hold or warned", finance, "?hold=warn"),
        ("company, promises not kept", finance, "?promise=broken"),
        ("company, in dispute", finance, "?dispute=yes"),
        ("one KAM's worklist", kam, ""),
    ]
    for label, user, query in cases:
        _percentiles(label, get(user, query), samples)
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    seed_parser = sub.add_parser("seed")
    seed_parser.add_argument("--distributors", type=int, default=20_000)
    seed_parser.add_argument("--invoices", type=int, default=1_000_000)
    sub.add_parser("run")
    worklist_parser = sub.add_parser("worklist")
    worklist_parser.add_argument("--samples", type=int, default=20)
    args = parser.parse_args()
    if args.command == "seed":
        seed(args.distributors, args.invoices)
    elif args.command == "worklist":
        worklist(args.samples)
    else:
        run()


if __name__ == "__main__":
    main()
