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

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

PREFIX = "bench"


def _check_database() -> None:
    if connection.vendor != "postgresql":
        sys.exit("The benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")


def _sql(statement: str, params=None) -> int:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])
        return cursor.rowcount


def _say(message: str, started: float) -> None:
    print(f"  {message:<60} {time.monotonic() - started:7.1f} s", flush=True)


def seed(distributors: int, invoices: int) -> None:
    from accounts.models import Region, Role, Team, User
    from distributors.models import Contact, Distributor
    from receivables import defaults

    _check_database()
    started = time.monotonic()
    call_command("migrate", verbosity=0)
    defaults.ensure()
    _say("migrate", started)
    with transaction.atomic():
        for table in ("remindersent_messages", "remindersent", "remindermessage", "collectiontask_invoices"):
            _sql(f"DELETE FROM receivables_{table} WHERE true")
        _sql(
            "DELETE FROM receivables_collectiontask WHERE distributor_id IN "
            "(SELECT id FROM distributors_distributor WHERE code LIKE 'bench%%')"
        )
        _sql(
            "DELETE FROM receivables_allocation WHERE invoice_id IN "
            "(SELECT id FROM receivables_invoice WHERE number LIKE 'bench%%')"
        )
        _sql("DELETE FROM receivables_payment WHERE reference LIKE 'bench%%'")
        _sql("DELETE FROM receivables_invoice WHERE number LIKE 'bench%%'")
        _sql(
            "DELETE FROM distributors_contact WHERE distributor_id IN "
            "(SELECT id FROM distributors_distributor WHERE code LIKE 'bench%%')"
        )
        _sql("DELETE FROM distributors_distributor WHERE code LIKE 'bench%%'")
        _sql("UPDATE accounts_team SET kam_id = NULL WHERE name LIKE 'bench%%'")
        _sql("DELETE FROM accounts_user WHERE username LIKE 'bench%%'")
        _sql("DELETE FROM accounts_team WHERE name LIKE 'bench%%'")
        _sql("DELETE FROM accounts_region WHERE name LIKE 'bench%%'")
    _say("old benchmark rows deleted", started)

    regions = Region.objects.bulk_create(Region(name=f"bench region {r:02d}") for r in range(20))
    teams = Team.objects.bulk_create(
        Team(name=f"bench team {r:02d}-{t:02d}", region=region) for r, region in enumerate(regions) for t in range(10)
    )
    kams = User.objects.bulk_create(
        User(username=f"bench_kam_{i:03d}", role=Role.KAM, team=team, password="!", email=f"bench_kam_{i}@bench.local")
        for i, team in enumerate(teams)
    )
    for team, kam in zip(teams, kams, strict=True):
        team.kam = kam
    Team.objects.bulk_update(teams, ["kam"])
    reps = User.objects.bulk_create(
        User(
            username=f"bench_rep_{i:04d}",
            role=Role.REP,
            team=teams[i // 10],
            password="!",
            email=f"bench_rep_{i}@bench.local",
        )
        for i in range(len(teams) * 10)
    )
    User.objects.bulk_create(
        [
            User(username="bench_finance", role=Role.FINANCE, password="!", email="bench_finance@bench.local"),
            *(
                User(
                    username=f"bench_rm_{r:02d}",
                    role=Role.REGIONAL_MANAGER,
                    region=region,
                    password="!",
                    email=f"bench_rm_{r}@bench.local",
                )
                for r, region in enumerate(regions)
            ),
        ]
    )
    _say(f"org: {len(regions)} regions, {len(teams)} teams, {len(reps)} reps", started)
    cards = Distributor.objects.bulk_create(
        (
            Distributor(
                code=f"bench{i:06d}",
                name=f"Bench Trading {i:06d} Co., Ltd.",
                owner=reps[i % len(reps)],
                status="qualified",
                tier="ABCCC"[i % 5],
                payment_terms_days=30,
                credit_limit=500_000,
            )
            for i in range(distributors)
        ),
        batch_size=5000,
    )
    Contact.objects.bulk_create(
        (Contact(distributor=card, name="经理", is_primary=True, email=f"ap{card.code}@bench.local") for card in cards),
        batch_size=5000,
    )
    _say(f"{len(cards)} distributors with a primary contact", started)
    first_card = min(c.pk for c in cards)
    finance = User.objects.get(username="bench_finance")
    today = timezone.localdate()
    params = {"n": invoices, "d": distributors, "first": first_card, "today": today, "by": finance.pk}
    with transaction.atomic():
        _sql("SELECT setseed(0.2026)")
        # The plan of every invoice: its dates and amount, and how it was paid (one or two payments, or not yet).
        _sql(
            """
            CREATE TEMP TABLE bench_plan ON COMMIT DROP AS
            SELECT g AS n,
                   %(first)s + (g %% %(d)s) AS distributor_id,
                   %(today)s::date - (1826 - (g::bigint * 1826 / %(n)s))::int AS issue_date,
                   round((500 + random() * 99500)::numeric, 2) AS amount,
                   random() AS r, random() AS r2, (random() * 50)::int - 10 AS late
            FROM generate_series(1, %(n)s) AS g
            """,
            params,
        )
        _sql(
            """
            ALTER TABLE bench_plan ADD COLUMN due_date date, ADD COLUMN state text,
                ADD COLUMN pay1 numeric(14, 2), ADD COLUMN pay1_on date, ADD COLUMN pay2 numeric(14, 2),
                ADD COLUMN pay2_on date
            """
        )
        # Recent invoices are mostly open; older ones mostly paid, a few late payers partly or not at all.
        _sql(
            """
            UPDATE bench_plan SET due_date = issue_date + 30,
                state = CASE WHEN %(today)s::date - issue_date < 45 THEN (CASE WHEN r < 0.8 THEN 'open' ELSE 'paid' END)
                             WHEN r < 0.95 THEN 'paid' WHEN r < 0.98 THEN 'partial' ELSE 'open' END
            """,
            params,
        )
        _sql(
            """
            UPDATE bench_plan SET
                pay1_on = LEAST(%(today)s::date, GREATEST(issue_date, due_date + late)),
                pay1 = CASE WHEN state = 'paid' AND r2 < 0.25 THEN round(amount * 0.6, 2)
                            WHEN state = 'paid' THEN amount
                            WHEN state = 'partial' THEN round(amount * 0.5, 2) END
            WHERE state <> 'open'
            """,
            params,
        )
        _sql(
            """
            UPDATE bench_plan SET pay2 = amount - pay1,
                pay2_on = LEAST(%(today)s::date, pay1_on + 20)
            WHERE state = 'paid' AND pay1 < amount
            """,
            params,
        )
        _say("plan of the invoices", started)
        _sql(
            """
            INSERT INTO receivables_invoice (number, distributor_id, issue_date, payment_terms_days, due_date, currency,
                amount, open_amount, last_applied_on, status, order_refs, notes, created_by_id, created_at, updated_at)
            SELECT 'bench' || lpad(n::text, 8, '0'), distributor_id, issue_date, 30, due_date, 'CNY', amount,
                   amount - coalesce(pay1, 0) - coalesce(pay2, 0), coalesce(pay2_on, pay1_on),
                   CASE WHEN state = 'paid' THEN 'paid'
                        WHEN %(today)s::date - due_date > 180 THEN 'doubtful'
                        WHEN state = 'partial' THEN 'partially_paid' ELSE 'open' END,
                   '', '', %(by)s, now(), now()
            FROM bench_plan ORDER BY n
            """,
            params,
        )
        _say(f"{invoices} invoices", started)
        for which in ("1", "2"):
            _sql(
                f"""
                INSERT INTO receivables_payment (distributor_id, paid_on, amount, currency, method, reference, notes,
                    unallocated_amount, reverses_id, created_by_id, created_at, updated_at)
                SELECT distributor_id, pay{which}_on, pay{which}, 'CNY', 'bank_transfer',
                       'bench' || lpad(n::text, 8, '0') || '-{which}', '', 0, NULL, %(by)s, now(), now()
                FROM bench_plan WHERE pay{which} IS NOT NULL ORDER BY pay{which}_on
                """,
                params,
            )
            _sql(
                f"""
                INSERT INTO receivables_allocation (invoice_id, payment_id, credit_note_id, write_off_id, amount,
                    paid_on, created_by_id, created_at)
                SELECT i.id, p.id, NULL, NULL, p.amount, p.paid_on, %(by)s, now()
                FROM receivables_payment p
                JOIN receivables_invoice i ON i.number = left(p.reference, 13)
                WHERE p.reference LIKE 'bench%%-{which}'
                """,
                params,
            )
        # Some money paid in advance and not yet applied (the "unapplied" column).
        _sql(
            """
            INSERT INTO receivables_payment (distributor_id, paid_on, amount, currency, method, reference, notes,
                unallocated_amount, reverses_id, created_by_id, created_at, updated_at)
            SELECT %(first)s + g * 7, %(today)s::date - (g %% 90), 5000, 'CNY', 'cash', 'bench-advance-' || g, '', 5000,
                   NULL, %(by)s, now(), now()
            FROM generate_series(0, %(d)s / 7 - 1) AS g
            """,
            params,
        )
        _say("payments and allocations", started)
        # Steady state of the reminders: every level whose day came before today was already dealt with.
        _sql(
            """
            INSERT INTO receivables_remindersent (invoice_id, level_id, run_date, outcome, claim, created_at)
            SELECT i.id, l.id, i.due_date + l.days_from_due, 'sent', 'bench', now()
            FROM receivables_invoice i JOIN receivables_reminderlevel l ON l.is_active
            WHERE i.number LIKE 'bench%%' AND i.open_amount > 0 AND i.due_date + l.days_from_due < %(today)s::date
            """,
            params,
        )
        _say("reminders already sent before today", started)
    _sql("VACUUM ANALYZE")
    counts = {}
    for table in ("invoice", "payment", "allocation", "remindersent"):
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT count(*) FROM receivables_{table}")
            counts[table] = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM receivables_invoice WHERE open_amount > 0")
        counts["open invoices"] = cursor.fetchone()[0]
    _say(f"vacuum analyze — {counts}", started)


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    seed_parser = sub.add_parser("seed")
    seed_parser.add_argument("--distributors", type=int, default=20_000)
    seed_parser.add_argument("--invoices", type=int, default=1_000_000)
    sub.add_parser("run")
    args = parser.parse_args()
    if args.command == "seed":
        seed(args.distributors, args.invoices)
    else:
        run()


if __name__ == "__main__":
    main()
