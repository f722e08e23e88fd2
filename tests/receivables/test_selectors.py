"""Reads against hand-computed figures: aging as of past dates, buckets, unapplied credit, collection figures,
DSO, statements reconciling to the aging, the worklist."""

from datetime import timedelta
from decimal import Decimal as D

import pytest

from distributors.models import Distributor
from receivables import selectors, services, statements
from receivables.models import AgingBucketSet

ZERO = D("0.00")


def _row(report, key):
    return next(r for r in report.rows if r.key == key)


@pytest.fixture
def book(org, cards, money, day):
    """A1's history around D (40 days ago); figures in the docstrings of the tests below."""
    d = day(-40)
    at = lambda n: d + timedelta(days=n)  # noqa: E731
    inv = {
        "I1": money.invoice(cards.a1, D("1000.00"), at(-100), due=at(-61)),
        "I2": money.invoice(cards.a1, D("200.00"), at(-10), due=at(0)),
        "I3": money.invoice(cards.a1, D("300.00"), at(-50), due=at(-1)),
        "I4": money.invoice(cards.a1, D("50.00"), at(-5), due=at(25)),
        "I5": money.invoice(cards.a1, D("999.00"), at(5)),
        "I6": money.invoice(cards.a1, D("80.00"), at(-250), due=at(-181)),
        "I7": money.invoice(cards.a1, D("70.00"), at(-200), due=at(-180)),
        "I8": money.invoice(cards.a1, D("10.00"), at(-60), due=at(-30)),
        "I9": money.invoice(cards.a1, D("20.00"), at(-60), due=at(-31)),
    }
    money.pay(cards.a1, D("100.00"), at(-20), allocations=[(inv["I1"], D("100.00"))])
    money.pay(cards.a1, D("300.00"), at(10), allocations=[(inv["I3"], D("300.00"))])
    money.credit(cards.a1, D("50.00"), at(-3))
    money.pay(cards.a1, D("40.00"), at(-2), allocations=[])
    money.credit(cards.a1, D("25.00"), at(1))
    return d, inv


def test_aging_as_of_a_past_date_by_hand(org, cards, book):
    """As of D: not due 200 + 50 (I2 due on D is not yet due); 1–30: 300 + 10; 31–60: 20; 61–90: 1000 − 100;
    91–180: 70; over 180: 80; I5 issued after D and the later payment and credit note do not count.
    Unapplied: credit note 50 and payment 40 without invoices."""
    d, _inv = book
    report = selectors.aging(for_user=org.finance, as_of=d, group_by="distributor")
    assert [b.key for b in report.buckets] == ["not_due", "1_30", "31_60", "61_90", "91_180", "over_180"]
    row = _row(report, cards.a1.pk)
    assert row.label == "Acme Trading"
    assert row.amounts == {
        "not_due": D("250.00"),
        "1_30": D("310.00"),
        "31_60": D("20.00"),
        "61_90": D("900.00"),
        "91_180": D("70.00"),
        "over_180": D("80.00"),
    }
    assert (row.total, row.unapplied) == (D("1630.00"), D("-90.00"))
    assert report.totals["total"] == D("1630.00") and report.totals["unapplied"] == D("-90.00")


def test_aging_today_uses_the_open_amounts(org, cards, book, day):
    """Today (D + 40): I3 paid at D + 10; I5 (999, 30-day terms) and I4 are 5 and 15 days past due;
    unapplied 50 + 40 + 25."""
    _d, inv = book
    report = selectors.aging(for_user=org.finance, as_of=day(0))
    row = _row(report, cards.a1.pk)
    assert row.total == D("1000") - D("100") + 200 + 50 + 999 + 80 + 70 + 10 + 20
    assert (row.amounts["not_due"], row.amounts["1_30"]) == (ZERO, D("1049.00"))
    assert row.unapplied == D("-115.00")


def test_aging_as_of_a_past_date_is_the_same_on_a_later_day(org, cards, money, book, day):
    d, inv = book
    before = selectors.aging(for_user=org.finance, as_of=d)
    # Tomorrow's work: money dated after D, credit notes, write-offs, reversals — none of it changes D.
    payment = money.pay(cards.a1, D("500.00"), day(0))
    money.credit(cards.a1, D("5.00"), day(0), invoice=inv["I9"])
    services.reverse_payment(payment=payment, reason="bounced", by=org.finance)
    after = selectors.aging(for_user=org.finance, as_of=d)
    assert [(r.key, r.amounts, r.unapplied) for r in after.rows] == [
        (r.key, r.amounts, r.unapplied) for r in before.rows
    ]
    # A payment dated on or before D, recorded today, is a record dated on or before D: it changes D.
    money.pay(cards.a1, D("20.00"), d, allocations=[(inv["I9"], D("15.00"))])
    changed = _row(selectors.aging(for_user=org.finance, as_of=d), cards.a1.pk)
    assert (changed.amounts["31_60"], changed.unapplied) == (D("0.00") + 20 - 15, D("-95.00"))


def test_reversal_counts_from_its_own_date(org, cards, money, day):
    invoice = money.invoice(cards.a1, D("100.00"), day(-30))
    payment = money.pay(cards.a1, D("100.00"), day(-10))
    services.reverse_payment(payment=payment, reason="bounced", reversed_on=day(-5), by=org.finance)

    def total(as_of):
        row = next((r for r in selectors.aging(for_user=org.finance, as_of=as_of).rows if r.key == cards.a1.pk), None)
        return (row.total, row.unapplied) if row else (ZERO, ZERO)

    assert total(day(-11)) == (D("100.00"), ZERO)
    assert total(day(-6)) == (ZERO, ZERO)
    assert total(day(-5)) == (D("100.00"), ZERO)
    invoice.refresh_from_db()
    assert invoice.open_amount == D("100.00")


def test_money_paid_before_the_invoice_counts_once_the_invoice_exists(org, cards, money, day):
    payment = money.pay(cards.a1, D("60.00"), day(-10), allocations=[])
    invoice = money.invoice(cards.a1, D("100.00"), day(-5))
    services.allocate_payment(payment=payment, allocations=[(invoice, D("60.00"))], by=org.finance)
    row = _row(selectors.aging(for_user=org.finance, as_of=day(-7)), cards.a1.pk)
    assert (row.total, row.unapplied) == (ZERO, D("-60.00"))
    row = _row(selectors.aging(for_user=org.finance, as_of=day(-5)), cards.a1.pk)
    assert (row.total, row.unapplied) == (D("40.00"), ZERO)


def test_bucket_boundaries_and_a_saved_bucket_set(org, cards, money, day):
    for offset in (0, -1, -15, -16, -45, -46):
        money.invoice(cards.a1, D("1.00"), day(-300), due=day(offset))
    chosen = AgingBucketSet.objects.create(name="Short", thresholds=[15, 45])
    _set, buckets = selectors.bucket_set(chosen.pk)
    report = selectors.aging(for_user=org.finance, as_of=day(0), buckets=buckets)
    assert [(b.key, b.label) for b in report.buckets] == [
        ("not_due", "Not due"),
        ("1_15", "1–15"),
        ("16_45", "16–45"),
        ("over_45", "Over 45"),
    ]
    assert _row(report, cards.a1.pk).amounts == {"not_due": 1, "1_15": 2, "16_45": 2, "over_45": 1}


def test_grouping_and_scope(org, cards, money, day):
    for card, amount in (
        (cards.a1, "100"),
        (cards.a1_second, "10"),
        (cards.a1b, "20"),
        (cards.a2, "40"),
        (cards.b1, "80"),
    ):
        money.invoice(card, D(amount), day(-45))

    def totals(user, group_by):
        return {r.label: r.total for r in selectors.aging(for_user=user, as_of=day(0), group_by=group_by).rows}

    assert totals(org.finance, "region") == {"Region A": D("170.00"), "Region B": D("80.00")}
    assert totals(org.finance, "team") == {"Team A1": D("130.00"), "Team A2": D("40.00"), "Team B1": D("80.00")}
    assert totals(org.kam_a1, "rep") == {org.rep_a1.display_name: D("110.00"), org.rep_a1b.display_name: D("20.00")}
    # A rep sees their own accounts' money only, not their teammates' (the card rule is wider).
    assert totals(org.rep_a1, "distributor") == {"Acme Trading": D("100.00"), "Blue Sky Foods": D("10.00")}
    assert totals(org.rep_b1, "team") == {"Team B1": D("80.00")}
    assert totals(org.finance_a, "region") == {"Region A": D("170.00")}
    assert totals(org.rm_b, "distributor") == {"Guangzhou Rivers": D("80.00")}
    # The owner today decides the group (history is not regrouped).
    Distributor.objects.filter(pk=cards.a2.pk).update(owner=org.rep_a1)
    assert totals(org.finance, "team")["Team A1"] == D("170.00")


def test_collection_figures_by_hand(org, cards, money, day):
    """Period [S, E] = the last 30 days.

    J1 (1000, due before S): 400 paid before S → 600 due; 250 paid inside → collected.
    J2 (500, issued and due inside) → 500 due, 500 collected.
    J3 (200, due after E) → not due; its 100 payment is received but not "collected".
    J4 (200, paid before S) → 0 due.  J5 (300, due inside) → 250 due: a credit note is not money collected, it
    takes 50 off what was due (API.md "Credit notes and write-offs are not collections").
    Payments received inside: 250 + 500 + 100 + 75 unallocated = 925.
    """
    s, e = day(-30), day(-1)
    at = lambda n: s + timedelta(days=n)  # noqa: E731
    j1 = money.invoice(cards.a1, D("1000.00"), at(-40), due=at(-10))
    j2 = money.invoice(cards.a1, D("500.00"), at(5), due=at(15))
    j3 = money.invoice(cards.a1, D("200.00"), at(10), due=e + timedelta(days=10))
    j4 = money.invoice(cards.a1, D("200.00"), at(-60), due=at(-30))
    j5 = money.invoice(cards.a1, D("300.00"), at(-20), due=at(20))
    money.invoice(cards.b1, D("999.00"), at(-20), due=at(1))  # another region: not in the set
    money.pay(cards.a1, D("400.00"), at(-5), allocations=[(j1, D("400.00"))])
    money.pay(cards.a1, D("200.00"), at(-40), allocations=[(j4, D("200.00"))])
    money.pay(cards.a1, D("250.00"), at(3), allocations=[(j1, D("250.00"))])
    money.pay(cards.a1, D("500.00"), at(20), allocations=[(j2, D("500.00"))])
    money.pay(cards.a1, D("100.00"), at(12), allocations=[(j3, D("100.00"))])
    money.pay(cards.a1, D("75.00"), at(28), allocations=[])
    money.credit(cards.a1, D("50.00"), at(25), invoice=j5)
    region_a = Distributor.objects.filter(owner__team__region=org.region_a)
    figures = selectors.collection_figures(distributors=region_a, start=s, end=e)
    assert (figures.collection_due, figures.collected, figures.payments_received) == (
        D("1350.00"),
        D("750.00"),
        D("925.00"),
    )
    assert figures.collection_rate == D("0.5556")
    assert selectors.collection_due_in_period(distributors=region_a, start=s, end=e) == D("1350.00")
    assert selectors.collected_in_period(distributors=region_a, start=s, end=e) == D("750.00")
    by_rep = selectors.collection_figures(distributors=region_a, start=s, end=e, group_by="rep")
    assert by_rep[org.rep_a1.pk].collected == D("750.00")
    # DSO on E: open 350 + 100 + 250 = 700; net credit sales of the 90 days to E (from at(-60)): 2200 invoiced
    # − the 50 credit note = 2150; 700 ÷ 2150 × 90 = 29.30… → 29.3.
    assert selectors.dso(distributors=region_a, as_of=e) == D("29.3")
    assert selectors.collection_figures(distributors=region_a.none(), start=s, end=e).collection_rate is None

    # The statement of the same period reconciles to the aging on E, to the cent.
    data = statements.statement(distributor=cards.a1, start=s, end=e)
    assert data.opening_balance == D("1000") + 200 + 300 - 400 - 200
    aging_e = _row(selectors.aging(for_user=org.finance, as_of=e), cards.a1.pk)
    assert data.closing_balance == aging_e.total + aging_e.unapplied == D("625.00")
    assert data.opening_balance + data.total_debit - data.total_credit == data.closing_balance


def test_worklist_orders_by_amount_times_days_and_shows_broken_promises(org, cards, money, day, monkeypatch):
    money.invoice(cards.a1, D("100.00"), day(-80), due=day(-50))  # 100 × 50 = 5,000
    money.invoice(cards.a2, D("1000.00"), day(-33), due=day(-3))  # 1,000 × 3 = 3,000
    money.invoice(cards.b1, D("10.00"), day(-40), due=day(-10))
    money.invoice(cards.a1_second, D("100.00"), day(-20), due=day(10))  # not due yet
    with monkeypatch.context() as m:
        m.setattr(services, "today", lambda: day(-10))  # the promise was made ten days ago
        services.log_collection_activity(
            distributor=cards.a1_second,
            kind="promise",
            occurred_on=day(-10),
            promised_on=day(-1),
            promised_amount=D("100"),
            by=org.rep_a1,
        )
    services.log_collection_activity(distributor=cards.a1, kind="call", note="Will pay Friday", by=org.rep_a1)
    page = list(selectors.worklist(for_user=org.rm_a))
    assert [d.code for d in page] == ["A1-001", "A2-001", "A1-002"]
    rows = selectors.worklist_rows(distributors=page)
    assert (rows[0].score, rows[0].days_overdue, rows[0].overdue_amount) == (D("5000.00"), 50, D("100.00"))
    assert rows[0].last_activity.note == "Will pay Friday"
    assert rows[2].broken_promise is not None and rows[2].overdue_amount == ZERO
    # Paying the promised amount keeps the promise: it leaves the worklist.
    money.pay(cards.a1_second, D("100.00"), day(-2), allocations=[])
    assert [d.code for d in selectors.worklist(for_user=org.rm_a)] == ["A1-001", "A2-001"]
    assert [d.code for d in selectors.worklist(for_user=org.rep_a1)] == ["A1-001"]
