"""Dashboard speed benchmark (issue 7, "Speed"): not a test, CI never runs it.

    runuser -u postgres -- createdb -O kamcrm kamcrm_bench
    export DATABASE_URL=postgres://kamcrm:kamcrm@127.0.0.1:5432/kamcrm_bench
    .venv/bin/python manage.py seed_bench --reps 2000 --distributors 20000 --visits 5000000 --orders 2000000
    .venv/bin/python bench/dashboards.py rebuild      # full rebuild of the rollups, timed
    .venv/bin/python bench/dashboards.py run          # endpoints, the raw-SQL floor, the nightly run

``run`` times, through the real API views (authentication, serialisation and JSON included):
``GET /api/dashboard/`` for many teams and regions (this month and year to date), the same team and region
figures computed by one hand-written SQL aggregate over the base tables (the floor PostgreSQL alone gives), and
the nightly rollup (yesterday and today for every account) inside a transaction that is rolled back.
"""

import argparse
import os
import random
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

# One aggregate over the base tables: a team's (or region's) sales, gross profit, visits, planned visits,
# payments received, money due and collected in [start, end], for its accounts by current owner.
RAW_SQL = """
WITH d AS (
    SELECT dist.id FROM distributors_distributor dist
    JOIN accounts_user u ON u.id = dist.owner_id JOIN accounts_team t ON t.id = u.team_id
    WHERE {scope}
),
inv AS (
    SELECT i.id, i.amount, i.issue_date FROM receivables_invoice i
    WHERE i.distributor_id IN (SELECT id FROM d) AND i.issue_date <= %(end)s AND i.due_date <= %(end)s
)
SELECT
  (SELECT coalesce(sum(o.amount), 0) FROM reports_order o WHERE o.distributor_id IN (SELECT id FROM d)
     AND o.order_date BETWEEN %(start)s AND %(end)s AND o.status IN ('confirmed', 'shipped')) AS sales,
  (SELECT coalesce(sum(o.gross_profit), 0) FROM reports_order o WHERE o.distributor_id IN (SELECT id FROM d)
     AND o.order_date BETWEEN %(start)s AND %(end)s AND o.status IN ('confirmed', 'shipped')) AS gross_profit,
  (SELECT count(*) FROM reports_visit v WHERE v.distributor_id IN (SELECT id FROM d)
     AND v.visit_date BETWEEN %(start)s AND %(end)s) AS visits,
  (SELECT count(*) FROM reports_scheduleentry e WHERE e.distributor_id IN (SELECT id FROM d)
     AND e.day BETWEEN %(start)s AND %(end)s) AS planned,
  (SELECT coalesce(sum(p.amount), 0) FROM receivables_payment p WHERE p.distributor_id IN (SELECT id FROM d)
     AND p.paid_on BETWEEN %(start)s AND %(end)s) AS received,
  (SELECT coalesce(sum(inv.amount), 0) - coalesce((SELECT sum(a.amount) FROM receivables_allocation a
     JOIN inv i2 ON i2.id = a.invoice_id WHERE a.paid_on < %(start)s), 0) FROM inv) AS due,
  (SELECT coalesce(sum(a.amount), 0) FROM receivables_allocation a JOIN inv ON inv.id = a.invoice_id
     WHERE a.payment_id IS NOT NULL AND a.paid_on BETWEEN %(start)s AND %(end)s) AS collected
"""


def _check_database() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def _report(label: str, samples: list[float]) -> None:
    p50, p95 = _percentiles(samples)
    print(f"  {label:<62} p50 {p50 * 1000:8.1f} ms   p95 {p95 * 1000:8.1f} ms   (n={len(samples)})", flush=True)


def _timed(function) -> float:
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def rebuild() -> None:
    from reports import rollups

    _check_database()
    started = time.monotonic()
    rollups.rebuild()
    print(f"  full rebuild of the rollups: {time.monotonic() - started:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE reports_distributorday, reports_distributormonth, reports_collectionahead")
        for table in ("distributorday", "distributormonth", "collectionahead", "targetmonth", "outletchange"):
            cursor.execute(f"SELECT count(*) FROM reports_{table}")
            print(f"  reports_{table}: {cursor.fetchone()[0]:,} rows")


def run(samples: int) -> None:
    from rest_framework.test import APIClient

    from accounts.models import Region, Team, User
    from reports import rollups

    _check_database()
    admin = User.objects.filter(username="bench_admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        sys.exit("No bench_admin: run manage.py seed_bench first.")
    api = APIClient()
    api.force_authenticate(admin)
    rng = random.Random(11)
    teams = list(Team.objects.filter(name__startswith="bench").values_list("pk", flat=True))
    regions = list(Region.objects.filter(name__startswith="bench").values_list("pk", flat=True))
    today = timezone.localdate()
    month_start, year_start = today.replace(day=1), today.replace(month=1, day=1)
    print(f"{len(teams)} teams, {len(regions)} regions; today {today}", flush=True)

    def get(url):
        response = api.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])

    def endpoint(level: str, pks: list[int], period: str) -> list[float]:
        get(f"/api/dashboard/?level={level}&id={pks[0]}&period={period}")  # warm-up
        return [
            _timed(lambda pk=pk: get(f"/api/dashboard/?level={level}&id={pk}&period={period}&date={today}"))
            for pk in (rng.choice(pks) for _ in range(samples))
        ]

    def raw(scope: str, pks: list[int], start, end) -> list[float]:
        sql = RAW_SQL.format(scope=scope)

        def once(pk):
            with connection.cursor() as cursor:
                cursor.execute(sql, {"pk": pk, "start": start, "end": end})
                cursor.fetchall()

        once(pks[0])
        return [_timed(lambda pk=pk: once(pk)) for pk in (rng.choice(pks) for _ in range(samples))]

    print("Dashboard endpoint (GET /api/dashboard/, through DRF):")
    _report("team, this month", endpoint("team", teams, "month"))
    _report("region, this month", endpoint("region", regions, "month"))
    _report("team, this year", endpoint("team", teams, "year"))
    _report("region, this year", endpoint("region", regions, "year"))
    _report("team, this week", endpoint("team", teams, "week"))
    company = [_timed(lambda: get(f"/api/dashboard/?level=company&period=month&date={today}")) for _ in range(5)]
    _report("company, this month (20,000 accounts)", company)
    print("One raw SQL aggregate over the base tables (the same figures, no targets/outlets):")
    _report("team, this month", raw("t.id = %(pk)s", teams, month_start, today))
    _report("region, this month", raw("t.region_id = %(pk)s", regions, month_start, today))
    _report("team, this year", raw("t.id = %(pk)s", teams, year_start, today))
    _report("region, this year", raw("t.region_id = %(pk)s", regions, year_start, today))

    print("Nightly rollup (every account; rolled back):")
    for label, start in (("one day (yesterday)", today - timedelta(days=1)), ("yesterday and today", None)):
        times = []
        for _ in range(3):
            with transaction.atomic():
                began = time.perf_counter()
                if start is None:
                    rollups.rebuild_recent(today=today)
                else:
                    rollups.rebuild(start=start, end=start)
                times.append(time.perf_counter() - began)
                transaction.set_rollback(True)
        print(f"  {label:<62} {statistics.median(times):8.2f} s (median of 3)", flush=True)
    with transaction.atomic():
        account = rng.choice(list(User.objects.filter(username__startswith="bench_rep").values_list("pk", flat=True)))
        ids = list(User.objects.get(pk=account).distributors.values_list("pk", flat=True))
        began = time.perf_counter()
        rollups.refresh(distributor_ids=ids)
        print(
            f"  incremental refresh of one rep's {len(ids)} accounts (all history): "
            f"{(time.perf_counter() - began) * 1000:.0f} ms"
        )
        transaction.set_rollback(True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rebuild")
    run_parser = sub.add_parser("run")
    run_parser.add_argument("--samples", type=int, default=40)
    args = parser.parse_args()
    if args.command == "rebuild":
        rebuild()
    else:
        run(args.samples)


if __name__ == "__main__":
    main()
