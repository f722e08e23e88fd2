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
from django.db.models import F
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import Region, Team, User
from distributors.cards import services as card_services
from distributors.models import Distributor, MonthlyPlan, QuarterlyPlan, RepSplit
from distributors.plans import selectors as plan_selectors
from distributors.plans import services as plan_services
from distributors.plans.arithmetic import TARGET_FIELDS, Targets, over_months
from distributors.plans.selectors import OUTLET_FIELDS
from distributors.plans.services import SplitInput
from kamcrm.audit.models import AuditEvent
from receivables import services as money
from receivables.models import Allocation, Invoice, Payment
from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.models import PeriodReport
from reports.analytics.period_reports import services as period_reports
from reports.analytics.rollups import services as rollups
from reports.models import Order, OrderLine, ScheduleEntry, Visit, WeeklySchedule
from reports.visits.selectors import next_visit_due
from tests import factories as f
from tests.plans import factories as pf

CENT = Decimal("0.01")
TZ = timezone.get_current_timezone


def _cents(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


# --- The direct recomputation -------------------------------------------------------------------------------------


def in_scope(distributor: Distributor, level: str, pk) -> bool:
    owner = distributor.owner
    if level == "distributor":
        return distributor.pk == pk
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


def apportion(amount: Decimal, weights: list) -> list[Decimal]:
    """``amount`` in cents over ``weights``: floors, then the cents left to the largest remainders, ties to the
    earlier weight (the reps come lower user id first)."""
    cents = int(abs(amount) * 100)
    total = sum(Fraction(w) for w in weights)
    exact = [Fraction(cents) * Fraction(w) / total for w in weights]
    parts = [int(e) for e in exact]
    order = sorted(range(len(parts)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[: cents - sum(parts)]:
        parts[i] += 1
    sign = -1 if amount < 0 else 1
    return [Decimal(sign * p) / 100 for p in parts]


def approved_months() -> dict:
    """{(account id, month): (month's sales target, [(rep id, split sales target)] by rep id)} of approved plans."""
    found = {}
    for month in MonthlyPlan.objects.filter(plan__status="approved").prefetch_related("rep_splits"):
        splits = sorted((s.rep_id, s.sales_amount) for s in month.rep_splits.all())
        found[(month.plan.distributor_id, month.month)] = (month.sales_amount, splits)
    return found


def owners_of(account_id, month, plans, owner_id) -> list[tuple[int, Decimal]]:
    plan = plans.get((account_id, month))
    if plan and plan[0] > 0 and any(w > 0 for _rep, w in plan[1]):
        return plan[1]
    return [(owner_id, Decimal(1))]


def direct(level: str, pk, start: date, end: date, rep: int | None = None) -> dict:
    """API.md's figures for a rep, team, region or the company, walking the source rows one by one.

    Every amount is noted against its account and the month it falls in; an account's month is then shared among
    the reps of its approved plan (by their split of the month's sales target) or given whole to the owner.
    With ``rep``, one account (``level="distributor"``) as that rep's share of it.
    """
    everyone = list(Distributor.objects.select_related("owner__team"))
    accounts = [d for d in everyone if in_scope(d, level, pk)]
    owner = {d.pk: d.owner_id for d in everyone}
    plans = approved_months()
    # {(account, month): {figure: amount}} for every account (a rep may have a split on any account).
    noted: dict = {}

    def note(account_id, day, name, amount):
        cell = noted.setdefault((account_id, day.replace(day=1)), {})
        cell[name] = cell.get(name, Decimal(0)) + amount

    for order in Order.objects.prefetch_related("lines"):
        if start <= order.order_date <= end and order.status in ("confirmed", "shipped"):
            for line in order.lines.all():
                note(order.distributor_id, order.order_date, "sales_amount", line.amount)
                note(
                    order.distributor_id, order.order_date, "gross_profit", line.amount - line.quantity * line.unit_cost
                )
    for invoice in Invoice.objects.all():
        if invoice.issue_date > end or invoice.due_date > end:
            continue
        allocations = list(Allocation.objects.filter(invoice=invoice))
        collectible = max(invoice.issue_date, invoice.due_date)
        if invoice.issue_date >= start:
            due = invoice.amount
        else:
            due = invoice.amount - sum((a.amount for a in allocations if a.paid_on < start), Decimal(0))
        note(invoice.distributor_id, max(collectible, start), "collection_due", due)
        for a in allocations:
            if start <= a.paid_on <= end:
                # A payment is collected; a credit note or write-off only takes off what was due.
                name, amount = ("collected", a.amount) if a.payment_id else ("collection_due", -a.amount)
                note(invoice.distributor_id, a.paid_on, name, amount)
    for payment in Payment.objects.all():
        if start <= payment.paid_on <= end:
            note(payment.distributor_id, payment.paid_on, "payments_received", payment.amount)

    money = ["sales_amount", "gross_profit", "collection_due", "collected", "payments_received"]
    result = dict.fromkeys([*money, "planned_sales_amount", "planned_gross_profit"], Decimal(0))
    ids = {d.pk for d in accounts}
    for (account_id, month), cell in noted.items():
        planned = (account_id, month) in plans
        if rep is not None and account_id not in ids:
            continue
        if level == "rep" or rep is not None:
            who = pk if rep is None else rep
            reps = owners_of(account_id, month, plans, owner[account_id])
            position = next((i for i, (r, _w) in enumerate(reps) if r == who), None)
            if position is None:
                continue
            share = {n: apportion(cell.get(n, Decimal(0)), [w for _r, w in reps])[position] for n in money}
        elif account_id in ids:
            share = {n: cell.get(n, Decimal(0)) for n in money}
        else:
            continue
        for n in money:
            result[n] += share[n]
        if planned:
            result["planned_sales_amount"] += share["sales_amount"]
            result["planned_gross_profit"] += share["gross_profit"]

    result.update(visits=0, visits_planned=0, orders=0)
    for order in Order.objects.filter(distributor__in=ids):
        if start <= order.order_date <= end and order.status in ("confirmed", "shipped"):
            result["orders"] += 1
    for visit in Visit.objects.filter(distributor__in=ids):
        if start <= timezone.localtime(visit.started_at).date() <= end:
            result["visits"] += 1
    for entry in ScheduleEntry.objects.filter(distributor__in=ids):
        if start <= entry.day <= end:
            result["visits_planned"] += 1

    # Targets: approved monthly plans (a rep: every split of the rep), in proportion to the days covered; outlet
    # coverage is a level: the target of the period's last month.
    sales, profit, new_outlets, coverage = Fraction(0), Fraction(0), Fraction(0), 0
    if level == "rep":
        rows = RepSplit.objects.filter(rep_id=pk, monthly_plan__plan__status="approved").select_related("monthly_plan")
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

    # Outlets (the owner's): today's card numbers minus the audited changes made after the period's end (and since
    # its start); those of accounts planned for the period's last month count for the market rate.
    active = new = planned_active = 0
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
        if (d.pk, end.replace(day=1)) in plans:
            planned_active += at_end_total
    result["active_outlets"], result["new_outlets"], result["planned_active_outlets"] = active, new, planned_active
    result = {k: _cents(v) if isinstance(v, Decimal) else v for k, v in result.items()}
    result["sales_rate"] = _rate(result["planned_sales_amount"], result["sales_target"])
    result["gross_profit_rate"] = _rate(result["planned_gross_profit"], result["gross_profit_target"])
    result["collection_rate"] = _rate(result["collected"], result["collection_due"])
    result["market_rate"] = _rate(result["planned_active_outlets"], result["outlet_target"])
    return result


def _rate(actual, target):
    if not target:
        return None
    return (Decimal(actual) / Decimal(target)).quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def board(level: str, pk, period) -> dashboard.Dashboard:
    scope = dashboard.Scope(level, None if level == "company" else _object(level, pk))
    return dashboard.dashboard(scope=scope, period=period)


def pick(figures) -> dict:
    return {name: getattr(figures, name) for name in FIGURES}


FIGURES = (
    "sales_amount",
    "planned_sales_amount",
    "unplanned_sales_amount",
    "gross_profit",
    "planned_gross_profit",
    "unplanned_gross_profit",
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
    "planned_active_outlets",
    "new_outlets",
    "sales_rate",
    "gross_profit_rate",
    "collection_rate",
    "market_rate",
)


def expected(level, pk, period) -> dict:
    found = direct(level, pk, period.start, period.end)
    found["unplanned_sales_amount"] = found["sales_amount"] - found["planned_sales_amount"]
    found["unplanned_gross_profit"] = found["gross_profit"] - found["planned_gross_profit"]
    return {name: found[name] for name in FIGURES}


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
        # A plan split by amount, most of it to a rep who does not own the account.
        month = Targets(
            volume=900,
            sales_amount=Decimal("9000.00"),
            gross_profit=Decimal("1800.00"),
            collection_amount=Decimal("8000.00"),
            outlet_coverage=12,
            new_outlets=3,
        )
        helper = Targets(
            volume=500,
            sales_amount=Decimal("5400.01"),
            gross_profit=Decimal("1000.00"),
            collection_amount=Decimal("4000.00"),
            outlet_coverage=7,
            new_outlets=2,
        )
        owner_part = Targets(**{n: getattr(month, n) - getattr(helper, n) for n in TARGET_FIELDS})
        this_quarter = (TODAY.year, (TODAY.month - 1) // 3 + 1)
        pf.approved_plan(
            kam=org.kam_a1,
            manager=org.rm_a,
            distributor=cards.a1_second,
            year=this_quarter[0],
            quarter=this_quarter[1],
            targets=over_months([month] * 3),
            distribution="manual",
            months=[month] * 3,
            split_method="amount",
            month_splits=[[SplitInput(rep=org.rep_a1b, targets=helper), SplitInput(rep=org.rep_a1, targets=owner_part)]]
            * 3,
        )
        # A revision of last quarter's Acme plan: the 70/30 version is superseded by a 45/55 one.
        last = QuarterlyPlan.objects.filter(distributor=cards.a1, status="approved").order_by("year", "quarter").first()
        revision = plan_services.revise_plan(plan=last, by=org.kam_a1, reason="re-split")
        plan_services.change_draft(
            by=org.kam_a1,
            plan=revision,
            content=plan_services.PlanContent(
                targets=Targets.of(revision),
                splits=[
                    SplitInput(rep=org.rep_a1, share_pct=Decimal("45")),
                    SplitInput(rep=org.rep_a1b, share_pct=Decimal("55")),
                ],
            ),
        )
        plan_services.submit_plan(plan=revision, by=org.kam_a1)
        plan_services.approve_plan(plan=revision, by=org.rm_a)
        # An approved write-off (dated today).
        bad = Invoice.objects.filter(distributor=cards.a2, open_amount__gt=Decimal("10.00")).first()
        if bad is not None:
            proposal = money.propose_write_off(invoice=bad, reason="Gone", by=finance, amount=Decimal("10.00"))
            money.approve_write_off(write_off=proposal, by=org.admin)
        card = Distributor.objects.get(pk=cards.a1.pk)
        card.outlets_city, card.outlets_town = 12, 5
        card_services.save_distributor(distributor=card, by=org.rep_a1)
    # Accounts that changed owner inside the team: their history follows the new owner where no plan splits it.
    Distributor.objects.filter(pk=cards.a1.pk).update(owner=org.rep_a1b)
    Distributor.objects.filter(pk=cards.a1b.pk).update(owner=org.rep_a1)
    rollups.rebuild()
    return accounts


def test_direct_recomputation_sees_the_history(org, history):
    """The generated history is rich enough for the comparison to mean something."""
    figures = direct("company", None, TODAY - timedelta(days=420), TODAY)
    assert figures["sales_amount"] > 0 and figures["collected"] > 0 and figures["visits"] > 0
    assert figures["sales_amount"] > figures["planned_sales_amount"] > 0  # planned and unplanned sales
    assert Allocation.objects.filter(amount__lt=0).exists()  # the reversal
    assert Allocation.objects.filter(credit_note__isnull=False).exists()
    assert Allocation.objects.filter(write_off__isnull=False).exists()
    assert QuarterlyPlan.objects.filter(status="superseded").exists()
    assert QuarterlyPlan.objects.filter(split_method="amount", status="approved").exists()


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
    assert pick(found.figures) == expected(level, pk, period)
    # One of its children (a rep's account, a team's rep, a region's team, the company's region) as well.
    child = found.children[pick_child % len(found.children)]
    if child.id is not None:
        if child.level == "distributor":
            rep = pk if level == "rep" else None
            want = direct("distributor", child.id, period.start, period.end, rep=rep)
            assert {n: getattr(child.figures, n) for n in MONEY} == {n: want[n] for n in MONEY}
        else:
            assert pick(child.figures) == expected(child.level, child.id, period)
    if level == "team":
        # The reps of a team add up to the team, to the cent.
        for name in (*MONEY, "planned_sales_amount", "planned_gross_profit"):
            assert sum((getattr(c.figures, name) for c in found.children), Decimal(0)) == getattr(found.figures, name)
        if period.month_aligned:
            for name in ("sales_target", "gross_profit_target", "outlet_target"):
                assert sum(getattr(c.figures, name) for c in found.children) == getattr(found.figures, name)


MONEY = ("sales_amount", "gross_profit", "collection_due", "collected", "payments_received")


def test_a_teams_reps_carry_the_overdue_money_and_visits_of_the_accounts_they_own(org, history):
    """Overdue money and visits are status figures: a team's rep shows those of the accounts the rep owns today,
    not a share of them (recomputed here from the open invoices and the cards), in every running period."""
    # One account of each team not visited for over a year: overdue for a visit, whatever its tier.
    for team in (org.team_a1, org.team_a2, org.team_b1):
        card = Distributor.objects.filter(owner__team=team).exclude(status="terminated").order_by("pk").first()
        Distributor.objects.filter(pk=card.pk).update(last_visited_on=TODAY - timedelta(days=400))
    seen, seen_late = Decimal(0), 0
    teams = (org.team_a1, org.team_a2, org.team_b1)
    for team, kind in [(team, kind) for team in teams for kind in dashboard.PERIODS]:
        for child in board("team", team.pk, dashboard.period_containing(kind, TODAY)).children:
            owned = list(Distributor.objects.filter(owner_id=child.id))
            invoices = Invoice.objects.filter(distributor__in=owned, due_date__lt=TODAY, open_amount__gt=0)
            money = sum((invoice.open_amount for invoice in invoices), Decimal(0))
            late = sum(
                1
                for card in owned
                if card.status != "terminated"
                and next_visit_due(card.last_visited_on, card.created_at, card.visit_frequency_days, card.tier)[1]
                < TODAY
            )
            assert (child.figures.overdue_amount, child.figures.overdue_visits) == (money, late), child.label
            seen, seen_late = seen + money, seen_late + late
    assert seen > 0 and seen_late > 0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(which=st.integers(min_value=0, max_value=20), month_index=st.integers(min_value=0, max_value=2))
def test_the_plans_pages_plan_vs_actual_equals_the_dashboard_and_a_direct_recomputation(
    org, history, api_for, which, month_index
):
    """The plan's page (through its API) and a rep's targets on the plans page show the dashboard's actuals."""
    plans = list(QuarterlyPlan.objects.filter(status="approved").order_by("pk"))
    plan = plans[which % len(plans)]
    rows = api_for(org.admin).get(f"/api/plans/{plan.pk}/actuals/").json()
    for row in (rows[month_index], rows[-1]):  # a month and the quarter
        start, end = date.fromisoformat(row["start"]), date.fromisoformat(row["end"])
        want = direct("distributor", plan.distributor_id, start, end)
        assert row["actual"]["sales_amount"] == f"{want['sales_amount']:.2f}"
        assert row["actual"]["gross_profit"] == f"{want['gross_profit']:.2f}"
        assert row["actual"]["collection_amount"] == f"{want['collected']:.2f}"
        assert row["actual"]["outlet_coverage"] == want["active_outlets"]
        period = dashboard.Period("custom", start, end)
        account = dashboard.compute(scope=dashboard.Scope("company", None), periods=[period], group="distributor")
        assert f"{account[(plan.distributor_id, 0)].sales_amount:.2f}" == row["actual"]["sales_amount"]
    # Each rep's split of the plan: the rep's share of the account, as on the rep's dashboard.
    for split in RepSplit.objects.filter(monthly_plan__plan=plan).select_related("rep", "monthly_plan"):
        found = plan_selectors.rep_targets_vs_actual(
            rep=split.rep, for_user=org.admin, year=plan.year, quarter=plan.quarter
        )
        line = next(r for r in found if r.plan.pk == plan.pk and r.start == split.monthly_plan.month)
        want = direct("distributor", plan.distributor_id, line.start, line.end, rep=split.rep_id)
        assert (line.actual.sales_amount, line.actual.gross_profit) == (want["sales_amount"], want["gross_profit"])
        assert line.target.sales_amount == split.sales_amount
        rep_board = board("rep", split.rep_id, dashboard.period_containing("month", line.start))
        child = next(c for c in rep_board.children if c.id == plan.distributor_id)
        assert (child.figures.sales_amount, child.figures.sales_target) == (
            line.actual.sales_amount,
            split.sales_amount,
        )


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(level=st.sampled_from(["rep", "team"]), kind=st.sampled_from(["weekly", "monthly"]), back=st.integers(0, 14))
def test_weekly_and_monthly_reports_carry_the_same_figures(org, history, level, kind, back):
    day = TODAY - timedelta(days=back * (7 if kind == "weekly" else 30))
    period = dashboard.period_containing("week" if kind == "weekly" else "month", day)
    obj = org.rep_a1b if level == "rep" else org.team_a1
    PeriodReport.objects.filter(kind=kind, start=period.start).delete()
    report = period_reports._generate_one(kind=kind, period=period, scope=dashboard.Scope(level, obj))
    want = expected(level, obj.pk, period)
    for name, value in want.items():
        text = report.figures["figures"][name]
        if isinstance(value, Decimal):
            places = 4 if name.endswith("_rate") else 2
            assert text == f"{value:.{places}f}", name
        else:
            assert text == value, name


@pytest.mark.parametrize("kind", ["month", "week", "quarter"])
def test_a_trends_points_are_their_periods_dashboards_and_the_source_rows(org, history, kind):
    """The trend (24 periods read at once: money open before each, outlets at each end, targets of each) shows
    for every point and its year-earlier point the figures of that period's own dashboard, and the source rows'."""
    # Outlets on every card that no card edit changed (no audit trail): the same at every period's end.
    Distributor.objects.update(outlets_county=F("outlets_county") + 7)
    for level, obj in (("company", None), ("region", org.region_a), ("team", org.team_a1), ("rep", org.rep_a1)):
        scope = dashboard.Scope(level, obj)
        points = dashboard.trend(scope=scope, period=dashboard.period_containing(kind, TODAY))
        assert len(points) == 12
        for n, point in enumerate(points):
            for period, figures in ((point.period, point.figures), (point.period.year_earlier(), point.year_ago)):
                assert pick(figures) == pick(dashboard.dashboard(scope=scope, period=period).figures), (period, level)
                if n in (0, 11):  # the oldest and the running period, and a year before each
                    assert pick(figures) == expected(level, scope.id, period), (period, level)
