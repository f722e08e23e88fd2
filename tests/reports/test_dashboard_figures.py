"""Every dashboard figure equals a direct recomputation from the source rows (issue 7, "Numbers must be right").

``direct()`` below is deliberately naive: it walks the visits, orders and their lines, schedule entries,
invoices, allocations, payments, plans and card changes one by one in Python, following API.md's
definitions, and knows nothing of the rollup tables. Hypothesis picks scopes and periods.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Region, Team, User
from distributors import services as card_services
from distributors.models import Distributor, MonthlyPlan, RepSplit
from distributors.plan_selectors import OUTLET_FIELDS
from distributors.plan_services import SplitInput
from kamcrm.audit.models import AuditEvent
from receivables import services as money
from receivables.models import Allocation, Invoice, Payment
from reports import dashboard, rollups
from reports.models import Order, OrderLine, ScheduleEntry, Visit, WeeklySchedule
from tests import factories as f
from tests.plans import factories as pf

CENT = Decimal("0.01")
TZ = timezone.get_current_timezone


def _cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- The direct recomputation -------------------------------------------------------------------------------------


def in_scope(distributor: Distributor, level: str, pk) -> bool:
    owner = distributor.owner
    if level == "company":
        return True
    if level == "rep":
        return owner.pk == pk
    if level == "team":
        return owner.team_id == pk
    return owner.team_id is not None and owner.team.region_id == pk


def month_days(month: date) -> int:
    following = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return (following - month).days


def direct(level: str, pk, start: date, end: date) -> dict:
    accounts = [d for d in Distributor.objects.select_related("owner__team") if in_scope(d, level, pk)]
    ids = {d.pk for d in accounts}
    result = dict.fromkeys(
        ["sales_amount", "gross_profit", "collection_due", "collected", "payments_received"], Decimal(0)
    )
    result.update(visits=0, visits_planned=0, orders=0)
    for order in Order.objects.filter(distributor__in=ids).prefetch_related("lines"):
        if start <= order.order_date <= end and order.status in ("confirmed", "shipped"):
            result["orders"] += 1
            for line in order.lines.all():
                result["sales_amount"] += line.amount
                result["gross_profit"] += line.amount - line.quantity * line.unit_cost
    for visit in Visit.objects.filter(distributor__in=ids):
        if start <= timezone.localtime(visit.started_at).date() <= end:
            result["visits"] += 1
    for entry in ScheduleEntry.objects.filter(distributor__in=ids):
        if start <= entry.day <= end:
            result["visits_planned"] += 1
    for invoice in Invoice.objects.filter(distributor__in=ids):
        if invoice.issue_date > end or invoice.due_date > end:
            continue
        allocations = list(Allocation.objects.filter(invoice=invoice))
        if invoice.issue_date >= start:
            result["collection_due"] += invoice.amount
        else:
            result["collection_due"] += invoice.amount - sum(
                (a.amount for a in allocations if a.paid_on < start), Decimal(0)
            )
        for a in allocations:
            if a.payment_id and start <= a.paid_on <= end:
                result["collected"] += a.amount
    for payment in Payment.objects.filter(distributor__in=ids):
        if start <= payment.paid_on <= end:
            result["payments_received"] += payment.amount

    # Targets: approved monthly plans (at rep level the rep's splits), in proportion to the days covered.
    sales, profit, new_outlets, coverage = Fraction(0), Fraction(0), Fraction(0), 0
    if level == "rep":
        rows = [
            s
            for s in RepSplit.objects.filter(rep_id=pk, monthly_plan__plan__status="approved").select_related(
                "monthly_plan__plan"
            )
            if s.monthly_plan.plan.distributor_id in ids
        ]
        months = [(s.monthly_plan.month, s) for s in rows]
    else:
        months = [
            (m.month, m)
            for m in MonthlyPlan.objects.filter(plan__status="approved").select_related("plan")
            if m.plan.distributor_id in ids
        ]
    for month, target in months:
        month_end = month + timedelta(days=month_days(month) - 1)
        overlap = (min(end, month_end) - max(start, month)).days + 1
        if overlap <= 0:
            continue
        share = Fraction(overlap, month_days(month))
        sales += Fraction(target.sales_amount) * share
        profit += Fraction(target.gross_profit) * share
        new_outlets += target.new_outlets * share
        if month == end.replace(day=1):
            coverage += target.outlet_coverage
    result["sales_target"] = _cents(Decimal(sales.numerator) / Decimal(sales.denominator))
    result["gross_profit_target"] = _cents(Decimal(profit.numerator) / Decimal(profit.denominator))
    result["new_outlet_target"] = int((new_outlets * 2 + 1) // 2)
    result["outlet_target"] = coverage

    # Outlets: today's card numbers minus the audited changes made after the period's end (and since its start).
    active = new = 0
    after_end = datetime.combine(end + timedelta(days=1), time.min, tzinfo=TZ())
    at_start = datetime.combine(start, time.min, tzinfo=TZ())
    for d in accounts:
        today_total = d.outlets_city + d.outlets_county + d.outlets_town
        later = since_start = 0
        for event in AuditEvent.objects.filter(content_type__model="distributor", object_id=str(d.pk)):
            delta = sum(int((event.after or {}).get(n) or 0) for n in OUTLET_FIELDS) - sum(
                int((event.before or {}).get(n) or 0) for n in OUTLET_FIELDS
            )
            if event.at >= after_end:
                later += delta
            if event.at >= at_start:
                since_start += delta
        at_end_total = max(today_total - later, 0)
        active += at_end_total
        new += max(at_end_total - (today_total - since_start), 0)
    result["active_outlets"], result["new_outlets"] = active, new
    return {k: _cents(v) if isinstance(v, Decimal) else v for k, v in result.items()}


def board(level: str, pk, period) -> dashboard.Dashboard:
    scope = dashboard.Scope(level, None if level == "company" else _object(level, pk))
    return dashboard.dashboard(scope=scope, period=period)


def pick(figures) -> dict:
    return {name: getattr(figures, name) for name in FIGURES}


FIGURES = (
    "sales_amount",
    "gross_profit",
    "collection_due",
    "collected",
    "payments_received",
    "visits",
    "visits_planned",
    "orders",
    "sales_target",
    "gross_profit_target",
    "outlet_target",
    "new_outlet_target",
    "active_outlets",
    "new_outlets",
)


def _object(level: str, pk):
    return {"rep": User, "team": Team, "region": Region}[level].objects.get(pk=pk)


# --- Two years of a small company's history -----------------------------------------------------------------------


TODAY = timezone.localdate()


def _order(distributor, rep, day, status, rng):
    order = Order.objects.create(distributor=distributor, rep=rep, order_date=day, status=status, created_by=rep)
    amount = profit = Decimal(0)
    product = f.ProductFactory()
    for _ in range(rng.randint(1, 3)):
        quantity = Decimal(rng.randint(1, 40))
        price = Decimal(rng.randint(100, 99999)) / 100
        cost = (price * Decimal(rng.choice(["0.55", "0.7", "0.93", "1.05"]))).quantize(CENT)
        line_amount = (quantity * price).quantize(CENT)
        OrderLine.objects.create(
            order=order, product=product, quantity=quantity, unit_price=price, unit_cost=cost, amount=line_amount
        )
        amount += line_amount
        profit += line_amount - quantity * cost
    Order.objects.filter(pk=order.pk).update(amount=amount, gross_profit=_cents(profit))


@pytest.fixture
def history(org, cards, django_capture_on_commit_callbacks):
    """Orders, visits, scheduled visits, invoices, payments (some early, one reversed), credit notes, approved
    plans with splits and a change of outlets, spread over the last 14 months, for accounts of every team."""
    rng = random.Random(7)
    finance = org.finance
    accounts = [cards.a1, cards.a1_second, cards.a1b, cards.a2, cards.b1]
    kam_account = f.DistributorFactory(code="A1-900", name="KAM's own", owner=org.kam_a1)
    accounts.append(kam_account)
    start = TODAY - timedelta(days=420)
    with django_capture_on_commit_callbacks(execute=True):
        for d in accounts:
            d.payment_terms_days = rng.choice([0, 30, 45, 60])
            d.save(update_fields=["payment_terms_days"])
            for _ in range(14):
                day = start + timedelta(days=rng.randint(0, 420))
                status = rng.choice(["taken", "confirmed", "shipped", "shipped", "cancelled"])
                _order(d, d.owner, day, status, rng)
            for _ in range(12):
                day = start + timedelta(days=rng.randint(0, 420))
                at = datetime.combine(day, time(rng.choice([0, 7, 12, 23]), rng.randint(0, 59)), tzinfo=TZ())
                Visit.objects.create(distributor=d, rep=d.owner, started_at=at, visit_date=timezone.localdate(at))
            for week in range(0, 420, 35):
                monday = start + timedelta(days=week)
                monday -= timedelta(days=monday.weekday())
                schedule, _ = WeeklySchedule.objects.get_or_create(rep=d.owner, week_start=monday)
                ScheduleEntry.objects.create(
                    schedule=schedule, day=monday + timedelta(days=rng.randint(0, 6)), distributor=d
                )
            for n in range(7):
                day = start + timedelta(days=rng.randint(0, 400))
                money.record_invoice(
                    distributor=d,
                    number=f"{d.code}-{n}",
                    issue_date=day,
                    amount=Decimal(rng.randint(10000, 500000)) / 100,
                    by=finance,
                )
            for n in range(6):
                day = start + timedelta(days=rng.randint(0, 420))
                payment = money.record_payment(
                    distributor=d,
                    amount=Decimal(rng.randint(5000, 300000)) / 100,
                    paid_on=day,
                    method="bank_transfer",
                    by=finance,
                    reference=f"{d.code}-P{n}",
                )
                if n == 0:
                    money.reverse_payment(
                        payment=payment, reason="Bounced", by=finance, reversed_on=min(day + timedelta(days=9), TODAY)
                    )
            credited = Invoice.objects.filter(distributor=d, open_amount__gte=Decimal("75.50")).first()
            if credited is not None:
                money.record_credit_note(
                    distributor=d,
                    number=f"{d.code}-CN",
                    issue_date=min(credited.issue_date + timedelta(days=rng.randint(0, 50)), TODAY),
                    amount=Decimal("75.50"),
                    invoice=credited,
                    by=finance,
                )
        # Approved plans this quarter and the last, split between the team's reps.
        for quarter_start in (TODAY.replace(day=1), (TODAY.replace(day=1) - timedelta(days=95)).replace(day=1)):
            year, quarter = quarter_start.year, (quarter_start.month - 1) // 3 + 1
            for d, kam, manager, splits in (
                (cards.a1, org.kam_a1, org.rm_a, [(org.rep_a1, "70"), (org.rep_a1b, "30")]),
                (cards.a2, org.kam_a2, org.rm_a, [(org.rep_a2, "100")]),
                (cards.b1, org.kam_b1, org.rm_b, [(org.rep_b1, "100")]),
            ):
                pf.approved_plan(
                    kam=kam,
                    manager=manager,
                    distributor=d,
                    year=year,
                    quarter=quarter,
                    splits=[SplitInput(rep=r, share_pct=Decimal(p)) for r, p in splits],
                )
        card = Distributor.objects.get(pk=cards.a1.pk)
        card.outlets_city, card.outlets_town = 12, 5
        card_services.save_distributor(distributor=card, by=org.rep_a1)
    rollups.rebuild()
    return accounts


def test_direct_recomputation_sees_the_history(org, history):
    """The generated history is rich enough for the comparison to mean something."""
    figures = direct("company", None, TODAY - timedelta(days=420), TODAY)
    assert figures["sales_amount"] > 0 and figures["collected"] > 0 and figures["visits"] > 0
    assert Allocation.objects.filter(amount__lt=0).exists()  # the reversal
    assert Allocation.objects.filter(credit_note__isnull=False).exists()


LEVELS = st.sampled_from(["rep", "team", "region", "company"])
KINDS = st.sampled_from(dashboard.PERIODS)
OFFSETS = st.integers(min_value=-430, max_value=45)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    level=LEVELS,
    kind=KINDS,
    offset=OFFSETS,
    which=st.integers(min_value=0, max_value=10),
    pick_child=st.integers(min_value=0, max_value=10),
)
def test_dashboard_figures_equal_a_direct_recomputation(org, history, level, kind, offset, which, pick_child):
    choices = {
        "rep": [org.rep_a1, org.rep_a1b, org.rep_a2, org.rep_b1, org.kam_a1],
        "team": [org.team_a1, org.team_a2, org.team_b1],
        "region": [org.region_a, org.region_b],
        "company": [None],
    }[level]
    obj = choices[which % len(choices)]
    pk = getattr(obj, "pk", None)
    period = dashboard.period_containing(kind, TODAY + timedelta(days=offset))
    found = board(level, pk, period)
    assert pick(found.figures) == {name: direct(level, pk, period.start, period.end)[name] for name in FIGURES}
    # One of its children (a rep's account, a team's rep, a region's team, the company's region) as well.
    child = found.children[pick_child % len(found.children)]
    if child.level != "distributor" and child.id is not None:
        expected = direct(child.level, child.id, period.start, period.end)
        assert pick(child.figures) == {name: expected[name] for name in FIGURES}
