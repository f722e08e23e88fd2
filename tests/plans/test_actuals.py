"""``plan_selectors.actuals``: what really happened, for the plans pages, and ``targets``.

The figures are the dashboards' (``reports.analytics.dashboards.selectors.plan_actuals``, registered by the reports
app: one definition per figure), read from the rollups; each test rebuilds them after writing its rows. Without a
registered source the actuals read as zero.
"""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from distributors.cards import services as card_services
from distributors.plans import selectors
from distributors.plans.arithmetic import Targets
from kamcrm.audit import services as audit
from tests import factories as f
from tests.plans import factories as pf

JAN = (date(2027, 1, 1), date(2027, 1, 31))
Q1 = (date(2027, 1, 1), date(2027, 3, 31))


def _actuals(**kwargs):
    from reports.analytics.rollups import services as rollups

    rollups.rebuild()
    return selectors.actuals(**kwargs)


def test_without_a_registered_source_actuals_read_as_zero(org, cards, monkeypatch):
    monkeypatch.setattr(selectors, "_actuals_source", None)
    found = selectors.actuals(distributors=[cards.a1], start=JAN[0], end=JAN[1])
    assert (found.sales_amount, found.gross_profit, found.volume, found.collection_amount) == (0, 0, 0, 0)
    assert found.sources == set()
    grouped = selectors.actuals(distributors=[cards.a1, cards.a2], start=JAN[0], end=JAN[1], group_by="distributor")
    assert set(grouped) == {cards.a1.pk, cards.a2.pk} and grouped[cards.a2.pk].sales_amount == 0


def _order(distributor, rep, day, status, amount, profit, quantities=(Decimal("1"),)):
    from reports.models import Order, OrderLine

    order = Order.objects.create(
        distributor=distributor,
        rep=rep,
        order_date=day,
        status=status,
        amount=Decimal(amount),
        gross_profit=Decimal(profit),
        created_by=rep,
    )
    product = f.ProductFactory()
    for quantity in quantities:
        OrderLine.objects.create(
            order=order, product=product, quantity=quantity, unit_price=Decimal("1"), unit_cost=Decimal("1"), amount=1
        )
    return order


def test_with_the_sales_ledger_actuals_are_the_periods_confirmed_and_shipped_orders(org, cards):
    _order(cards.a1, org.rep_a1, date(2027, 1, 5), "confirmed", "1000.10", "200.01", [Decimal("10"), Decimal("2.5")])
    _order(cards.a1, org.rep_a1b, date(2027, 1, 31), "shipped", "500.00", "100.00", [Decimal("5")])
    _order(cards.a1, org.rep_a1, date(2027, 1, 6), "taken", "9999.00", "999.00")  # not a sale yet
    _order(cards.a1, org.rep_a1, date(2027, 1, 7), "cancelled", "8888.00", "888.00")
    _order(cards.a1, org.rep_a1, date(2027, 2, 1), "confirmed", "7777.00", "777.00")  # next month
    _order(cards.a2, org.rep_a2, date(2027, 1, 9), "confirmed", "300.00", "30.00", [Decimal("3")])

    found = _actuals(distributors=[cards.a1], start=JAN[0], end=JAN[1])
    assert "orders" in found.sources
    assert (found.sales_amount, found.gross_profit, found.volume) == (
        Decimal("1500.10"),
        Decimal("300.01"),
        Decimal("17.5"),
    )
    # At rep level sales count for the account's current owner (the dashboards' rule), whoever took the order.
    helper = _actuals(distributors=[cards.a1], reps=[org.rep_a1b], start=JAN[0], end=JAN[1])
    assert (helper.sales_amount, helper.volume) == (Decimal("0.00"), Decimal("0"))
    owner = _actuals(distributors=[cards.a1], reps=[org.rep_a1], start=JAN[0], end=JAN[1])
    assert (owner.sales_amount, owner.volume) == (Decimal("1500.10"), Decimal("17.5"))
    grouped = _actuals(distributors=[cards.a1, cards.a2], start=JAN[0], end=JAN[1], group_by="distributor")
    assert grouped[cards.a1.pk].sales_amount == Decimal("1500.10")
    assert grouped[cards.a2.pk].sales_amount == Decimal("300.00") and grouped[cards.a2.pk].volume == 3
    quarter = _actuals(distributors=[cards.a1], start=Q1[0], end=Q1[1])
    assert quarter.sales_amount == Decimal("9277.10")
    reps = [org.rep_a1, org.rep_a1b, org.rep_a2, org.rep_b1]
    by_rep = _actuals(distributors=[cards.a1, cards.a2], reps=reps, start=JAN[0], end=JAN[1], group_by="rep")
    assert {pk: a.sales_amount for pk, a in by_rep.items()} == {
        org.rep_a1.pk: Decimal("1500.10"),  # the owner: rep_a1b's order on Acme counts for Acme's owner
        org.rep_a1b.pk: Decimal("0.00"),
        org.rep_a2.pk: Decimal("300.00"),
        org.rep_b1.pk: Decimal("0.00"),
    }
    assert by_rep[org.rep_a1.pk].volume == Decimal("17.5")


def test_with_receivables_money_collected_comes_from_them(org, cards):
    from tests.receivables.factories import InvoiceFactory, PaymentFactory

    today = timezone.localdate()
    InvoiceFactory(distributor=cards.a1, issue_date=today - timedelta(days=40), amount=Decimal("1000.00"))
    PaymentFactory(distributor=cards.a1, paid_on=today - timedelta(days=1), amount=Decimal("250.50"))
    start = today - timedelta(days=60)
    found = _actuals(distributors=[cards.a1], start=start, end=today)
    assert "receivables" in found.sources and found.collection_amount == Decimal("250.50")
    grouped = _actuals(distributors=[cards.a1, cards.a2], start=start, end=today, group_by="distributor")
    assert grouped[cards.a1.pk].collection_amount == Decimal("250.50") and grouped[cards.a2.pk].collection_amount == 0
    reps = [org.rep_a1, org.rep_a1b]
    by_rep = _actuals(distributors=[cards.a1, cards.a1b], reps=reps, start=start, end=today, group_by="rep")
    assert by_rep[org.rep_a1.pk].collection_amount == Decimal("250.50")  # the owner's
    assert by_rep[org.rep_a1b.pk].collection_amount == 0
    before = _actuals(distributors=[cards.a1], start=start, end=today - timedelta(days=2))
    assert before.collection_amount == 0


def test_outlets_come_from_the_cards_at_the_periods_end(org, cards):
    card = cards.a1
    card.outlets_city, card.outlets_county, card.outlets_town = 10, 5, 5
    card_services.save_distributor(distributor=card, by=org.kam_a1)
    today = timezone.localdate()
    found = _actuals(distributors=[card], start=today.replace(day=1), end=today)
    assert found.outlet_coverage == 20 and found.new_outlets == 20  # the card was created with none this month

    # A change after the period's end does not move the period's figures (the audit trail has the history).
    later = today + timedelta(days=40)
    earlier = _actuals(distributors=[card], start=today - timedelta(days=400), end=today - timedelta(days=200))
    assert earlier.outlet_coverage == 0
    before = audit.snapshot(card)
    card.outlets_town = 9
    card.save()
    audit.record(card, by=org.kam_a1, action="distributor_changed", before=before)
    assert _actuals(distributors=[card], start=today, end=later).outlet_coverage == 24
    assert _actuals(distributors=[card], start=today, end=later).new_outlets == 24
    assert _actuals(distributors=[card], start=later, end=later).new_outlets == 0


def test_targets_are_the_approved_monthly_targets(org, cards):
    plan = pf.approved_plan(
        kam=org.kam_a1,
        manager=org.rm_a,
        distributor=cards.a1,
        splits=[
            pf.services.SplitInput(rep=org.rep_a1, share_pct=Decimal("75")),
            pf.services.SplitInput(rep=org.rep_a1b, share_pct=Decimal("25")),
        ],
    )
    pf.make_plan(by=org.kam_a2, distributor=cards.a2)  # a draft: does not count
    assert selectors.targets(start=Q1[0], end=Q1[1]) == Targets.of(plan)
    january = selectors.targets(start=JAN[0], end=JAN[1])
    assert january.sales_amount == Decimal("100000.00") and january.volume == 1000
    assert selectors.targets(start=date(2027, 1, 10), end=date(2027, 1, 16)) == january  # a week: its month
    rep = selectors.targets(start=JAN[0], end=JAN[1], reps=[org.rep_a1b])
    assert rep.sales_amount == Decimal("25000.00")
    assert selectors.targets(start=Q1[0], end=Q1[1], distributors=[cards.a2]) == Targets()
