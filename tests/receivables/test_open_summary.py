"""Each account's open money row (``OpenSummary``, the worklist's ranking) always equals what its invoices say: after
any mix of invoices, payments, credit notes, write-offs and reversals through the services, after two writers on one
account at the same moment, and after the nightly recomputation for a new day; and the worklist read from the rows
shows the same figures as the worklist read from the invoices."""

import threading
from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Q
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import Distributor
from kamcrm.money import cents
from receivables import selectors, services, summary, tasks
from receivables.models import CreditNote, Invoice, OpenSummary, Payment
from tests.receivables.threads import in_thread

FIGURES = ("open_amount", "open_invoices", "overdue_amount", "overdue_invoices", "oldest_due", "score", "credit_sales")


def _naive(distributor_id, on):
    """The figures recomputed the plain way: one pass over the account's invoices."""
    open_amount = overdue = score = D("0")
    count = late = 0
    oldest = None
    for invoice in Invoice.objects.filter(distributor_id=distributor_id):
        if invoice.open_amount <= 0:
            continue
        open_amount += invoice.open_amount
        count += 1
        days = (on - invoice.due_date).days
        if days > 0:
            overdue += invoice.open_amount
            late += 1
            score += invoice.open_amount * days
            oldest = invoice.due_date if oldest is None else min(oldest, invoice.due_date)
    first = on - timedelta(days=summary.DSO_WINDOW_DAYS - 1)
    sales = sum(
        (i.amount for i in Invoice.objects.filter(distributor_id=distributor_id) if first <= i.issue_date <= on), D("0")
    )
    sales -= sum(
        (n.amount for n in CreditNote.objects.filter(distributor_id=distributor_id) if first <= n.issue_date <= on),
        D("0"),
    )
    return {
        "credit_sales": sales,
        "open_amount": open_amount,
        "open_invoices": count,
        "overdue_amount": overdue,
        "overdue_invoices": late,
        "oldest_due": oldest,
        "score": score,
    }


def _stored(distributor_id):
    row = OpenSummary.objects.filter(distributor_id=distributor_id).values(*FIGURES, "as_of").first()
    return row


def _assert_rows_match(distributor_ids, on):
    for pk in distributor_ids:
        row = _stored(pk)
        expected = _naive(pk, on)
        if row is None:  # never written: nothing was ever open
            assert expected["open_invoices"] == 0 and expected["credit_sales"] == 0
            continue
        assert row.pop("as_of") == on
        assert row == expected, pk


def _worklist_figures(user, on):
    page = selectors.worklist(for_user=user, on=on)
    return [(d.code, *(getattr(d, name) for name in selectors.Worklist.FIGURES)) for d in page]


def _nonzero(values: dict, zero=D("0.00")) -> dict:
    return {key: value for key, value in values.items() if value != zero}


def _assert_dashboard_money_matches(today, cards):
    overdue = {selectors.OVERDUE: Q(due_date__lt=today)}
    some = Q(pk__in=[cards.a1.pk, cards.b1.pk])
    for group in (None, *selectors.GROUPS.values()):
        for chosen in (None, some):
            distributors = None if chosen is None else Distributor.objects.filter(chosen)
            rows, parts = selectors.overdue_and_dso_parts(as_of=today, group=group, cards=chosen)
            sums, want = selectors.open_sums_and_dso_parts(
                as_of=today, group=group, sums=overdue, distributors=distributors
            )
            # Equal where a key has money; a key with nothing open and no credit sales may be left out by either.
            got = {key: cents(row[selectors.OVERDUE]) for key, row in rows.items()}
            assert _nonzero(got) == _nonzero({key: cents(row[selectors.OVERDUE]) for key, row in sums.items()})
            assert _nonzero(parts, selectors.DsoParts()) == _nonzero(want, selectors.DsoParts()), group


OPERATIONS = st.lists(
    st.one_of(
        st.tuples(
            st.just("invoice"),
            st.integers(0, 2),
            st.integers(1, 50_000),
            st.integers(-200, 0),  # issued so many days ago
            st.sampled_from([0, 15, 30, 60, 90]),  # terms
        ),
        st.tuples(st.just("pay"), st.integers(0, 2), st.integers(1, 60_000)),
        st.tuples(st.just("pay_one"), st.integers(0, 2), st.integers(1, 100)),  # % of one invoice's open amount
        st.tuples(st.just("credit"), st.integers(0, 2), st.integers(1, 100)),
        st.tuples(st.just("loose_credit"), st.integers(0, 2), st.integers(1, 30_000)),
        st.tuples(st.just("apply_credit"), st.integers(0, 2)),
        st.tuples(st.just("write_off"), st.integers(0, 2), st.integers(1, 100)),
        st.tuples(st.just("reverse"), st.integers(0, 2)),
    ),
    min_size=1,
    max_size=14,
)


def _run(operation, accounts, org, today, numbers):
    kind, account = operation[0], accounts[operation[1]]
    open_invoices = list(Invoice.objects.filter(distributor=account, open_amount__gt=0).order_by("pk"))
    numbers[0] += 1
    n = numbers[0]
    if kind == "invoice":
        _, _, cents, issued, terms = operation
        services.record_invoice(
            distributor=account,
            number=f"H-{n}",
            issue_date=today + timedelta(days=issued),
            payment_terms_days=terms,
            amount=D(cents) / 100,
            by=org.finance,
        )
    elif kind == "pay":
        services.record_payment(
            distributor=account,
            amount=D(operation[2]) / 100,
            paid_on=today,
            method="bank_transfer",
            reference=f"P-{n}",
            by=org.finance,
        )
    elif kind in ("pay_one", "credit", "write_off") and open_invoices:
        invoice = open_invoices[n % len(open_invoices)]
        amount = max(D("0.01"), (invoice.open_amount * operation[2] / 100).quantize(D("0.01")))
        if kind == "pay_one":
            services.record_payment(
                distributor=account,
                amount=amount,
                paid_on=today,
                method="cash",
                reference=f"P-{n}",
                allocations=[(invoice, amount)],
                by=org.finance,
            )
        elif kind == "credit":
            services.record_credit_note(
                distributor=account, number=f"C-{n}", issue_date=today, amount=amount, invoice=invoice, by=org.finance
            )
        else:
            proposal = services.propose_write_off(invoice=invoice, amount=amount, reason="Gone", by=org.finance)
            services.approve_write_off(write_off=proposal, by=org.admin)
    elif kind == "loose_credit":
        services.record_credit_note(
            distributor=account, number=f"C-{n}", issue_date=today, amount=D(operation[2]) / 100, by=org.finance
        )
    elif kind == "apply_credit":
        services.apply_credit(distributor=account, by=org.finance)
    elif kind == "reverse":
        payment = (
            Payment.objects.filter(distributor=account, reverses__isnull=True, reversal__isnull=True)
            .order_by("-pk")
            .first()
        )
        if payment is not None:
            services.reverse_payment(payment=payment, reason="Bounced", by=org.finance)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_the_rows_equal_the_invoices_after_any_mix_of_money_writes(org, cards, today, operations):
    accounts = [cards.a1, cards.a2, cards.b1]
    ids = [a.pk for a in accounts]
    with transaction.atomic():
        numbers = [0]
        for operation in operations:
            try:
                with transaction.atomic():
                    _run(operation, accounts, org, today, numbers)
            except ValidationError:
                pass  # nothing open, no credit, already reversed ...: refused, nothing saved
            _assert_rows_match(ids, today)
        # A dashboard's overdue money and DSO read from the rows equal those read from the invoices, at every
        # level, whether every row is of today or one account's is of another day (read from its invoices).
        _assert_dashboard_money_matches(today, cards)
        OpenSummary.objects.filter(distributor=accounts[operations[0][1]]).update(as_of=today - timedelta(days=1))
        _assert_dashboard_money_matches(today, cards)
        # The worklist from the rows shows what the worklist from the invoices shows (the reconciliation rule).
        from_rows = _worklist_figures(org.finance, today)
        OpenSummary.objects.update(as_of=today - timedelta(days=1))  # rows of another day: read the invoices
        assert summary.stale(on=today) == OpenSummary.objects.filter(open_invoices__gt=0).exists()
        assert _worklist_figures(org.finance, today) == from_rows
        # The nightly recomputation for the next day moves the overdue figures with the calendar.
        tomorrow = today + timedelta(days=1)
        summary.refresh_all(on=tomorrow)
        _assert_rows_match(ids, tomorrow)
        assert not summary.stale(on=tomorrow)
        transaction.set_rollback(True)


def test_the_nightly_task_recomputes_for_the_new_day_and_can_run_twice(org, cards, money, day, today):
    money.invoice(cards.a1, D("100.00"), day(-40), due=day(0))  # due today: not overdue yet
    money.invoice(cards.a2, D("50.00"), day(-40), due=day(-10))
    assert [code for code, *_ in _worklist_figures(org.finance, today)] == ["A2-001"]
    tomorrow = (today + timedelta(days=1)).isoformat()
    tasks.refresh_open_summaries(on=tomorrow)
    tasks.refresh_open_summaries(on=tomorrow)
    _assert_rows_match([cards.a1.pk, cards.a2.pk], today + timedelta(days=1))
    rows = _worklist_figures(org.finance, today + timedelta(days=1))
    assert rows == [
        ("A2-001", D("50.00"), D("550.00"), day(-10), 1, D("50.00")),
        ("A1-001", D("100.00"), D("100.00"), day(0), 1, D("100.00")),
    ]


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks and parallel connections")
def test_two_writers_on_one_account_at_once_leave_its_row_right(org, cards, money, day, today):
    first_invoice = money.invoice(cards.a1, D("100.00"), day(-60), due=day(-30))
    second_invoice = money.invoice(cards.a1, D("80.00"), day(-50), due=day(-20))
    holding, release = threading.Event(), threading.Event()
    results = {}

    def first():  # pays the first invoice and keeps its transaction open while the second writer arrives
        with transaction.atomic():
            money.pay(cards.a1, D("60.00"), day(0), allocations=[(first_invoice, D("60.00"))])
            holding.set()
            release.wait(10)

    def second():  # a credit note on the other invoice: no invoice lock in common with the first writer
        holding.wait(10)
        money.credit(cards.a1, D("30.00"), day(0), invoice=second_invoice)
        return True

    threads = [in_thread(first, results, "first"), in_thread(second, results, "second")]
    holding.wait(10)
    threading.Event().wait(0.5)
    release.set()
    for thread in threads:
        thread.join(20)
    assert results["second"] is True, results
    _assert_rows_match([cards.a1.pk], today)
    assert _stored(cards.a1.pk)["open_amount"] == D("90.00")  # 40 + 50: both writes counted
