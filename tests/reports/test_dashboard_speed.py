"""The read side of the dashboards kept fast without changing a figure (issues 11 and 16, "Speed").

- Money due in a period starts from the money open at its start, read from each account's running balance
  (``DistributorMonth.balance``); every writer of the rollups (full rebuild, nightly range, one account's
  refresh) must leave the same figures as a full rebuild — checked through the API, for this month and the
  months after it (money becoming collectible later carries a change on).
- A dashboard runs a fixed number of queries whatever the number of accounts and reps (timings are in bench/).
"""

from datetime import datetime, time, timedelta
from decimal import Decimal
from itertools import count

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from receivables import services as money
from reports import tasks
from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.models import CollectionAhead, DistributorDay, DistributorMonth
from reports.analytics.rollups import services as rollups
from reports.models import Order, Visit
from tests import factories as f
from tests.plans import factories as pf

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)
NUMBERS = count()


def _months_ahead(count: int) -> list:
    months, month = [], MONTH
    for _ in range(count):
        months.append(month)
        month = (month + timedelta(days=32)).replace(day=1)
    return months


def _due(api, org) -> list[str]:
    """The company's and team A1's collection due and collected for this month and the two after it."""
    found = []
    for month in _months_ahead(3):
        for query in ("level=company", f"level=team&id={org.team_a1.pk}"):
            body = api.get(f"/api/dashboard/?{query}&period=month&date={month.isoformat()}").json()
            found.append((body["figures"]["collection_due"], body["figures"]["collected"]))
    return found


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    history=st.lists(
        st.tuples(st.integers(-400, 60), st.integers(0, 90), st.integers(1, 9000)), min_size=1, max_size=5
    ),
    paid=st.integers(0, 12000),
    late_amount=st.integers(1, 9000),
    # collectible yesterday, today or in the coming weeks: after the nightly's days too
    late_terms=st.integers(0, 70),
    writer=st.sampled_from(["nightly", "refresh", "range"]),
)
# An invoice issued yesterday that becomes collectible in 40 days: its money due lies after the nightly's days.
@example(history=[(0, 0, 100)], paid=0, late_amount=500, late_terms=40, writer="nightly")
# Today's payment settles, after the late invoice, one collectible in 45 days: collected then, not today.
@example(history=[(0, 45, 1000)], paid=0, late_amount=100, late_terms=0, writer="range")
@example(history=[(-10, 20, 700), (0, 60, 300)], paid=0, late_amount=50, late_terms=30, writer="nightly")
def test_every_rollup_writer_leaves_the_money_due_of_a_full_rebuild(
    org, cards, api_for, history, paid, late_amount, late_terms, writer
):
    """Invoices over the past year and the coming months, a payment; then, without the incremental task, an
    invoice and a payment dated yesterday and today (the payment settles old invoices, some of them before they
    become collectible: every later month's opening money changes), caught up by one writer: the dashboards read
    what a full rebuild gives. Each example has an account of its own, so examples do not depend on each other."""
    finance, api = org.finance, api_for(org.admin)
    account = f.DistributorFactory(owner=cards.a1.owner)
    with rollups.suspended():
        for issued, terms, amount in history:
            money.record_invoice(
                distributor=account,
                number=f"H-{next(NUMBERS)}",
                issue_date=min(TODAY, TODAY + timedelta(days=issued)),
                payment_terms_days=terms + max(issued, 0),
                amount=Decimal(amount),
                by=finance,
            )
        money.record_payment(
            distributor=account,
            amount=Decimal(paid) + Decimal("0.01"),
            paid_on=TODAY - timedelta(days=30),
            method="bank_transfer",
            by=finance,
        )
    rollups.rebuild()
    with rollups.suspended():
        money.record_invoice(
            distributor=account,
            number=f"L-{next(NUMBERS)}",
            issue_date=TODAY - timedelta(days=1),
            payment_terms_days=late_terms,
            amount=Decimal(late_amount),
            by=finance,
        )
        money.record_payment(
            distributor=account, amount=Decimal("250.00"), paid_on=TODAY, method="bank_transfer", by=finance
        )
    if writer == "nightly":
        tasks.rebuild_recent_rollups.delay()
    elif writer == "refresh":
        tasks.refresh_rollups.delay([account.pk])
    else:
        rollups.rebuild(start=TODAY - timedelta(days=1), end=TODAY + timedelta(days=1))
    caught_up = _due(api, org)
    rollups.rebuild()
    assert caught_up == _due(api, org)


def _queries(api, url) -> int:
    api.get(url)  # warm-up (content types, sessions)
    with CaptureQueriesContext(connection) as queries:
        assert api.get(url).status_code == 200
    return len(queries)


def test_a_dashboard_runs_the_same_queries_however_many_accounts_and_reps(org, cards, api_for):
    api = api_for(org.admin)
    url = f"/api/dashboard/?level=team&id={org.team_a1.pk}&period=month"
    region_url = f"/api/dashboard/?level=region&id={org.team_a1.region_id}&period=year"
    few, few_region = _queries(api, url), _queries(api, region_url)
    for _ in range(3):
        rep = f.RepFactory(team=org.team_a1)
        for _ in range(2):
            f.DistributorFactory(owner=rep)
    rollups.rebuild()
    assert _queries(api, url) == few
    assert _queries(api, region_url) == few_region


def _rollup_rows() -> dict:
    """Every day and month rollup row (without ids), to compare two writers' results row by row."""
    return {
        model.__name__: sorted(
            (tuple(v for k, v in row.items() if k != "id") for row in model.objects.values()), key=repr
        )
        for model in (DistributorDay, DistributorMonth, CollectionAhead)
    }


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.lists(
        st.tuples(st.sampled_from(["visit", "drop_visit", "order", "payment", "invoice"]), st.integers(-1, 0)),
        min_size=0,
        max_size=6,
    ),
    writer=st.sampled_from(["nightly", "range"]),
)
@example(changes=[], writer="nightly")  # nothing changed: nothing rewritten, the same rows
@example(changes=[("drop_visit", -1), ("drop_visit", 0)], writer="nightly")  # a day row that must go
def test_a_rebuild_of_every_account_leaves_the_rows_of_a_full_rebuild(org, cards, changes, writer):
    """The nightly run (and any rebuild of every account over a range) rewrites only the day rows that changed:
    rows changed, added and gone since the last rebuild, on days that already had rows, all come out as a full
    rebuild gives them, and so do their months."""
    finance = org.finance
    account = f.DistributorFactory(owner=cards.a1.owner)
    with rollups.suspended():
        for offset in (-1, 0):  # yesterday and today have rows already
            day = TODAY + timedelta(days=offset)
            Visit.objects.create(
                distributor=account, rep=account.owner, started_at=timezone.make_aware(datetime.combine(day, time(9))),
                visit_date=day,
            )  # fmt: skip
        money.record_invoice(
            distributor=account, number=f"N-{next(NUMBERS)}", issue_date=TODAY - timedelta(days=1),
            amount=Decimal("80.00"), by=finance,
        )  # fmt: skip
    rollups.rebuild()
    with rollups.suspended():
        for kind, offset in changes:
            day = TODAY + timedelta(days=offset)
            if kind == "visit":
                Visit.objects.create(
                    distributor=account, rep=account.owner, visit_date=day,
                    started_at=timezone.make_aware(datetime.combine(day, time(11))),
                )  # fmt: skip
            elif kind == "drop_visit":
                Visit.objects.filter(distributor=account, visit_date=day).delete()
            elif kind == "order":
                Order.objects.create(
                    distributor=account, rep=account.owner, created_by=account.owner, order_date=day,
                    status="confirmed", amount=Decimal("120.00"), gross_profit=Decimal("30.00"),
                )  # fmt: skip
            elif kind == "payment":
                money.record_payment(
                    distributor=account, amount=Decimal("30.00"), paid_on=day, method="bank_transfer", by=finance
                )
            else:
                money.record_invoice(
                    distributor=account, number=f"N-{next(NUMBERS)}", issue_date=day, payment_terms_days=0,
                    amount=Decimal("45.50"), by=finance,
                )  # fmt: skip
    if writer == "nightly":
        tasks.rebuild_recent_rollups.delay()
    else:
        rollups.rebuild(start=TODAY - timedelta(days=1), end=TODAY)
    caught_up = _rollup_rows()
    rollups.rebuild()
    assert caught_up == _rollup_rows()


def test_sales_count_as_planned_from_the_plans_approval_whenever_their_month_row_was_written(
    org, cards, django_capture_on_commit_callbacks
):
    """The month rows carry their planned flag: sales already rolled up when a plan is approved turn planned, and
    so do sales of a month first sold in after the approval; the incremental writers leave what a full rebuild
    gives."""
    account = f.DistributorFactory(owner=org.rep_a1)
    first = MONTH.replace(month=(MONTH.month - 1) // 3 * 3 + 1)
    months = [first, (first + timedelta(days=32)).replace(day=1)]

    def sell(month, amount):
        with django_capture_on_commit_callbacks(execute=True):
            Order.objects.create(
                distributor=account, rep=account.owner, created_by=account.owner, order_date=month + timedelta(days=3),
                status="confirmed", amount=Decimal(amount), gross_profit=Decimal("1.00"),
            )  # fmt: skip

    def planned(month) -> tuple[Decimal, Decimal]:
        period = dashboard.period_containing("month", month)
        found = dashboard.compute(scope=dashboard.Scope("company", None), periods=[period], group="distributor")
        figures = found[(account.pk, 0)]
        return figures.planned_sales_amount, figures.sales_amount

    sell(months[0], "100.00")
    assert planned(months[0]) == (Decimal("0.00"), Decimal("100.00"))  # no plan yet: unplanned
    with django_capture_on_commit_callbacks(execute=True):
        pf.approved_plan(
            kam=org.kam_a1, manager=org.rm_a, distributor=account, year=first.year, quarter=(first.month - 1) // 3 + 1
        )
    assert planned(months[0]) == (Decimal("100.00"), Decimal("100.00"))  # the approval turned it planned
    sell(months[1], "40.00")  # a month row written after the approval
    assert planned(months[1]) == (Decimal("40.00"), Decimal("40.00"))
    written = sorted(DistributorMonth.objects.filter(distributor=account).values_list("month", "planned"))
    rollups.rebuild()
    assert sorted(DistributorMonth.objects.filter(distributor=account).values_list("month", "planned")) == written
    assert [p for _m, p in written] == [True, True]
