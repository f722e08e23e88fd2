"""Dashboard speed benchmark (issues 7, 11 and 16, "Speed"): not a test, CI never runs it.

    runuser -u postgres -- createdb -O kamcrm kamcrm_bench
    export DATABASE_URL=postgres://kamcrm:kamcrm@127.0.0.1:5432/kamcrm_bench
    .venv/bin/python bench/dashboards.py all          # seed if needed, rebuild, analyze, run (one command)

or step by step:

    .venv/bin/python manage.py seed_bench --reps 2000 --distributors 20000 --visits 5000000 --orders 2000000
    .venv/bin/python bench/dashboards.py rebuild      # full rebuild of the rollups, timed, then VACUUM ANALYZE
    .venv/bin/python bench/dashboards.py run          # endpoints beside the raw-SQL floor, the nightly run
    .venv/bin/python bench/dashboards.py profile      # where one team's and one region's dashboard spend time

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
os.environ.setdefault("DJANGO_DEBUG", "False")  # settings.local turns DEBUG on: no query log in a timing

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


ROLLUP_TABLES = (
    "distributorday",
    "distributormonth",
    "collectionahead",
    "targetmonth",
    "outletchange",
    "rollupstate",
    "ownermonth",
)


def _load() -> str:
    """The machine's load average (1, 5, 15 min): the machine is shared, so every measurement notes it."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def seed_if_needed() -> None:
    from django.core.management import call_command

    from accounts.models import User

    _check_database()
    call_command("migrate", verbosity=0)
    if User.objects.filter(username="bench_admin").exists():
        print("Benchmark company found: not seeding again.", flush=True)
        return
    call_command("seed_bench", reps=2000, distributors=20000, visits=5_000_000, orders=2_000_000)


def analyze() -> None:
    """VACUUM ANALYZE of each rollup table, outside a transaction (autovacuum is off on these machines)."""
    started = time.monotonic()
    with connection.cursor() as cursor:
        for table in ROLLUP_TABLES:
            cursor.execute(f"VACUUM ANALYZE reports_{table}")
    print(f"  VACUUM ANALYZE of the rollup tables: {time.monotonic() - started:.1f} s", flush=True)


def rebuild() -> None:
    from reports.analytics.rollups import services as rollups

    _check_database()
    print(f"Full rebuild ({_load()})", flush=True)
    started = time.monotonic()
    rollups.rebuild()
    print(f"  full rebuild of the rollups: {time.monotonic() - started:.1f} s", flush=True)
    analyze()
    with connection.cursor() as cursor:
        for table in ROLLUP_TABLES:
            cursor.execute(f"SELECT count(*) FROM reports_{table}")
            print(f"  reports_{table}: {cursor.fetchone()[0]:,} rows")


def run(samples: int, nightly: bool = True, only: str = "") -> None:
    from django.conf import settings
    from rest_framework.test import APIClient

    from accounts.models import Region, Team, User
    from reports.analytics.rollups import generations
    from reports.analytics.rollups import services as rollups

    _check_database()
    admin = User.objects.filter(username="bench_admin").first() or User.objects.filter(is_superuser=True).first()
    if admin is None:
        sys.exit("No bench_admin: run manage.py seed_bench first.")
    api = APIClient()
    api.force_authenticate(admin)
    rng = random.Random(11)
    teams = list(Team.objects.filter(name__startswith="bench").values_list("pk", flat=True))
    regions = list(Region.objects.filter(name__startswith="bench").values_list("pk", flat=True))
    reps = list(User.objects.filter(username__startswith="bench_rep").values_list("pk", flat=True))
    today = timezone.localdate()
    month_start, year_start = today.replace(day=1), today.replace(month=1, day=1)
    print(f"{len(teams)} teams, {len(regions)} regions; today {today}", flush=True)

    def get(url):
        response = api.get(url)
        assert response.status_code == 200, (url, response.status_code, response.content[:300])

    def url(level, pk, period, path="/api/dashboard/"):
        scope = f"level={level}" + (f"&id={pk}" if pk is not None else "")
        return f"{path}?{scope}&period={period}&date={today}"

    def endpoint(level: str, pks: list, period: str, n: int, path: str = "/api/dashboard/") -> list[float]:
        """A first view: every sample computes its figures (the kept dashboards' generations replaced before)."""
        get(url(level, pks[0], period, path))  # warm-up

        def computed(pk):
            generations.renew_everything()
            return _timed(lambda: get(url(level, pk, period, path)))

        return [computed(pk) for pk in (rng.choice(pks) for _ in range(n))]

    def kept(level: str, pks: list, period: str, n: int, path: str = "/api/dashboard/") -> list[float]:
        """A view of a dashboard already viewed and unchanged since: read from the cache."""
        samples = []
        for pk in (rng.choice(pks) for _ in range(n)):
            get(url(level, pk, period, path))
            samples.append(_timed(lambda pk=pk: get(url(level, pk, period, path))))
        return samples

    def raw(scope: str, pks: list, start, end, n: int) -> list[float]:
        sql = RAW_SQL.format(scope=scope)

        def once(pk):
            with connection.cursor() as cursor:
                cursor.execute(sql, {"pk": pk, "start": start, "end": end})
                cursor.fetchall()

        once(pks[0])
        return [_timed(lambda pk=pk: once(pk)) for pk in (rng.choice(pks) for _ in range(n))]

    week_start = today - timedelta(days=today.weekday())
    cases = [  # label, level, ids, period, floor scope, floor start, samples
        # A rep's own dashboard (the rep's accounts and splits; the floor: the accounts the rep owns).
        ("rep, this month", "rep", reps, "month", "u.id = %(pk)s", month_start, samples),
        ("rep, this year", "rep", reps, "year", "u.id = %(pk)s", year_start, samples),
        ("team, this month", "team", teams, "month", "t.id = %(pk)s", month_start, samples),
        ("region, this month", "region", regions, "month", "t.region_id = %(pk)s", month_start, samples),
        ("team, this year", "team", teams, "year", "t.id = %(pk)s", year_start, samples),
        ("region, this year", "region", regions, "year", "t.region_id = %(pk)s", year_start, samples),
        ("team, this week", "team", teams, "week", "t.id = %(pk)s", week_start, samples),
        # The company's floor re-aggregates every base row (~30 s): three samples.
        ("company, this month (20,000 accounts)", "company", [None], "month", "TRUE", month_start, 7),
    ]
    print(f"Dashboard endpoint (GET /api/dashboard/ through DRF) beside the raw-SQL floor ({_load()}):", flush=True)
    parallel = getattr(settings, "PARALLEL_READS", 0)
    print(f"  PARALLEL_READS={parallel} (a dashboard's independent reads side by side; 0: one by one)")
    print("  computed: a first view (or the first after a change); kept: a view of an unchanged dashboard")
    print(
        f"  {'figure':<40} {'computed p50':>12} {'p95':>8} {'kept p50':>9} {'p95':>6} "
        f"{'floor p50':>10} {'p95':>8} {'computed p95 ÷ floor p95':>25}"
    )
    wanted = [name.strip() for name in only.split(",") if name.strip()]
    for label, level, pks, period, scope, start, n in cases:
        if wanted and not any(label.startswith(name) for name in wanted):
            continue
        got = _percentiles(endpoint(level, pks, period, n))
        hit = _percentiles(kept(level, pks, period, n))
        floor = _percentiles(raw(scope, pks, start, today, n if level != "company" else 3))
        print(
            f"  {label:<40} {got[0] * 1000:9.1f} ms {got[1] * 1000:5.1f} ms {hit[0] * 1000:6.1f} ms "
            f"{hit[1] * 1000:4.1f} ms {floor[0] * 1000:7.1f} ms {floor[1] * 1000:5.1f} ms {got[1] / floor[1]:24.2f}x",
            flush=True,
        )
    print(f"  ({_load()})", flush=True)

    # The charts beside each dashboard: the last 12 months and the same 12 a year earlier.
    trends = [
        ("rep", reps, samples // 2),
        ("team", teams, samples // 2),
        ("region", regions, samples // 2),
        ("company", [None], 3),
    ]
    trends = [
        (level, pks, n)
        for level, pks, n in trends
        if not wanted or any(w == "trend" or f"{level} trend".startswith(w) for w in wanted)
    ]
    if trends:
        print(f"Trend endpoint (GET /api/dashboard/trend/?period=month through DRF; {_load()}):", flush=True)
        print(f"  {'trend':<40} {'computed p50':>12} {'p95':>8} {'kept p50':>9} {'p95':>6}")
    for level, pks, n in trends:
        got = _percentiles(endpoint(level, pks, "month", n, "/api/dashboard/trend/"))
        hit = _percentiles(kept(level, pks, "month", n, "/api/dashboard/trend/"))
        print(
            f"  {level + ' trend, by month':<40} {got[0] * 1000:9.1f} ms {got[1] * 1000:5.1f} ms "
            f"{hit[0] * 1000:6.1f} ms {hit[1] * 1000:4.1f} ms",
            flush=True,
        )

    if not nightly:
        return
    print("Nightly rollup (every account; rolled back):")
    for label, start in (("one day (yesterday)", today - timedelta(days=1)), ("yesterday and today", None)):
        times = []
        for _ in range(3):
            with transaction.atomic():
                began = time.perf_counter()
                if start is None:
                    rollups.rebuild_recent(today=today)
                else:  # the nightly's parts (flows, early allocations, outlets) for one day
                    rollups.rebuild_recent(today=start, days=1)
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


def profile(period: str) -> None:
    """cProfile and the SQL of one team's and one region's dashboard (after a warm-up), slowest first."""
    import cProfile
    import pstats

    from django.test.utils import CaptureQueriesContext

    from accounts.models import Region, Team
    from reports.analytics.dashboards import selectors as dashboard

    _check_database()
    print(f"Profile ({_load()})")
    for level, model in (("team", Team), ("region", Region)):
        obj = model.objects.filter(name__startswith="bench").order_by("pk").first()
        scope = dashboard.Scope(level, obj)
        kind = dashboard.period_containing(period, timezone.localdate())
        dashboard.dashboard_json(dashboard.dashboard(scope=scope, period=kind))  # warm-up
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            dashboard.dashboard_json(dashboard.dashboard(scope=scope, period=kind))
            elapsed = time.perf_counter() - started
        sql_time = sum(float(q["time"]) for q in queries.captured_queries)
        print(f"{level} {period}: {elapsed * 1000:.1f} ms, {len(queries)} queries, {sql_time * 1000:.1f} ms in SQL")
        for q in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:8]:
            print(f"  {float(q['time']) * 1000:7.1f} ms  {q['sql'][:150]}")
        profiler = cProfile.Profile()
        profiler.enable()
        dashboard.dashboard_json(dashboard.dashboard(scope=scope, period=kind))
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("rebuild")
    sub.add_parser("analyze")
    for name in ("run", "all"):
        run_parser = sub.add_parser(name)
        run_parser.add_argument("--samples", type=int, default=40)
        run_parser.add_argument("--no-nightly", action="store_true", help="skip the nightly rollup timings")
        run_parser.add_argument(
            "--only", default="", help='figures whose label starts with these, e.g. "team, this" ("trend": the trends)'
        )
    profile_parser = sub.add_parser("profile")
    profile_parser.add_argument("--period", default="month", choices=["day", "week", "month", "quarter", "year"])
    args = parser.parse_args()
    if args.command == "all":
        seed_if_needed()
        rebuild()
    if args.command == "rebuild":
        rebuild()
    elif args.command == "analyze":
        analyze()
    elif args.command == "profile":
        profile(args.period)
    elif args.command in ("run", "all"):
        run(args.samples, nightly=not args.no_nightly, only=args.only)


if __name__ == "__main__":
    main()
