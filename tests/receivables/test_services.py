"""Writes: invoices, credit notes, payments and their allocation to the cent, reversals, write-offs, claims."""

from datetime import timedelta
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from kamcrm.audit.models import AuditEvent
from receivables import selectors, services
from receivables.models import (
    Allocation,
    ClaimStatus,
    CollectionActivity,
    CreditNote,
    Invoice,
    InvoiceStatus,
    Payment,
    PaymentClaim,
    ReceivablesSettings,
    WriteOff,
)
from tests import factories as f


def _counts():
    return (
        Invoice.objects.count(),
        Payment.objects.count(),
        Allocation.objects.count(),
        CreditNote.objects.count(),
        AuditEvent.objects.count(),
    )


# --- Invoices -------------------------------------------------------------------------------------------------


def test_invoice_takes_the_accounts_terms_and_computes_the_due_date(org, cards, day):
    cards.a1.payment_terms_days = 45
    cards.a1.save()
    invoice = services.record_invoice(
        distributor=cards.a1, number="INV-1", issue_date=day(-10), amount=D("1200.50"), by=org.finance
    )
    assert (invoice.payment_terms_days, invoice.due_date) == (45, day(35))
    assert (invoice.open_amount, invoice.status, invoice.currency) == (D("1200.50"), InvoiceStatus.OPEN, "CNY")
    event = AuditEvent.objects.for_object(invoice).get()
    assert event.action == "invoice_recorded" and event.after["amount"] == "1200.50"


def test_due_date_is_editable_and_lines_make_the_total(org, cards, day):
    product = f.ProductFactory()
    invoice = services.record_invoice(
        distributor=cards.a1,
        number="INV-2",
        issue_date=day(-1),
        due_date=day(20),
        lines=[
            {"product": product, "quantity": D("3"), "unit_price": D("33.33")},
            {"description": "Freight 运费", "quantity": D("1"), "unit_price": D("0.02")},
        ],
        by=org.finance,
    )
    assert invoice.due_date == day(20)
    assert invoice.amount == D("100.01")
    assert [line.amount for line in invoice.lines.all()] == [D("99.99"), D("0.02")]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": D("0")}, "amount"),
        ({"amount": D("-5.00")}, "amount"),
        ({"amount": D("1.005")}, "amount"),
        ({"number": "DUP-1"}, "number"),
        ({"number": "dup-1"}, "number"),
        ({"issue_date": "future"}, "issue_date"),
        ({"due_date": "before_issue"}, "due_date"),
        ({"lines": [{"description": "x", "quantity": D("0"), "unit_price": D("1")}]}, "lines"),
    ],
)
def test_bad_invoices_are_refused_and_nothing_is_saved(org, cards, day, changes, field):
    services.record_invoice(distributor=cards.a1, number="DUP-1", issue_date=day(-5), amount=D("10"), by=org.finance)
    before = _counts()
    kwargs = {"distributor": cards.a1, "number": "NEW-1", "issue_date": day(-5), "amount": D("10.00")}
    kwargs.update(changes)
    if kwargs["issue_date"] == "future":
        kwargs["issue_date"] = day(1)
    if kwargs.get("due_date") == "before_issue":
        kwargs["due_date"] = day(-6)
    if "lines" in kwargs:
        kwargs.pop("amount")
    with pytest.raises(ValidationError) as exc:
        services.record_invoice(by=org.finance, **kwargs)
    assert field in exc.value.message_dict
    assert _counts() == before


def test_only_finance_and_admin_record_money_and_only_within_their_scope(org, cards, day):
    with pytest.raises(PermissionDenied):
        services.record_invoice(distributor=cards.a1, number="X1", issue_date=day(-1), amount=D("1"), by=org.kam_a1)
    # Region-A finance cannot book on a region-B account.
    with pytest.raises(ValidationError) as exc:
        services.record_invoice(distributor=cards.b1, number="X2", issue_date=day(-1), amount=D("1"), by=org.finance_a)
    assert "distributor" in exc.value.message_dict
    services.record_invoice(distributor=cards.a2, number="X3", issue_date=day(-1), amount=D("1"), by=org.finance_a)
    services.record_invoice(distributor=cards.b1, number="X4", issue_date=day(-1), amount=D("1"), by=org.admin)


def test_notes_can_change_but_amounts_and_dates_cannot(org, cards, money, day):
    invoice = money.invoice(cards.a1, D("100"), day(-3))
    services.update_notes(obj=invoice, notes="Called twice", order_refs="SO-77", by=org.finance)
    invoice.refresh_from_db()
    assert (invoice.notes, invoice.order_refs) == ("Called twice", "SO-77")
    with pytest.raises(ValidationError) as exc:
        services.update_notes(obj=invoice, amount=D("5"), by=org.finance)
    assert "amount" in exc.value.message_dict
    assert AuditEvent.objects.for_object(invoice).filter(action="invoice_notes_changed").count() == 1


# --- Credit notes ---------------------------------------------------------------------------------------------


def test_credit_note_on_an_invoice_reduces_it_and_cannot_exceed_what_is_open(org, cards, money, day):
    invoice = money.invoice(cards.a1, D("500.00"), day(-20))
    note = money.credit(cards.a1, D("120.55"), day(-2), invoice=invoice)
    invoice.refresh_from_db()
    assert (invoice.open_amount, invoice.status) == (D("379.45"), InvoiceStatus.PARTIALLY_PAID)
    assert note.unapplied_amount == D("0")
    assert Allocation.objects.get(credit_note=note).paid_on == day(-2)
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        money.credit(cards.a1, D("379.46"), day(-1), invoice=invoice)
    assert "larger than what is open" in str(exc.value.message_dict["amount"])
    assert _counts() == before


def test_credit_note_without_invoice_is_unapplied_credit_until_applied(org, cards, money, day):
    old = money.invoice(cards.a1, D("80.00"), day(-60))
    new = money.invoice(cards.a1, D("80.00"), day(-10))
    note = money.credit(cards.a1, D("100.00"), day(-1))
    assert note.unapplied_amount == D("100.00")
    services.apply_credit_note(credit_note=note, by=org.finance)
    old.refresh_from_db()
    new.refresh_from_db()
    note.refresh_from_db()
    assert (old.open_amount, new.open_amount, note.unapplied_amount) == (D("0"), D("60.00"), D("0"))
    assert old.status == InvoiceStatus.PAID


# --- Payments and allocation ---------------------------------------------------------------------------------------


def test_payment_is_allocated_oldest_due_first_to_the_cent(org, cards, money, day):
    third = money.invoice(cards.a1, D("99.99"), day(-10), due=day(20), number="C")
    first = money.invoice(cards.a1, D("1000.10"), day(-40), due=day(-10), number="A")
    second = money.invoice(cards.a1, D("250.25"), day(-30), due=day(0), number="B")
    payment = money.pay(cards.a1, D("1300.00"), day(-1))
    allocations = {a.invoice.number: a.amount for a in payment.allocations.select_related("invoice")}
    assert allocations == {"A": D("1000.10"), "B": D("250.25"), "C": D("49.65")}
    for invoice in (first, second, third):
        invoice.refresh_from_db()
    assert (first.status, second.status, third.status) == ("paid", "paid", "partially_paid")
    assert third.open_amount == D("50.34")
    assert payment.unallocated_amount == D("0")
    # Allocations count from the payment date.
    assert set(payment.allocations.values_list("paid_on", flat=True)) == {day(-1)}


def test_ties_on_due_date_go_by_issue_date_then_number(org, cards, money, day):
    money.invoice(cards.a1, D("10"), day(-20), due=day(-5), number="Z-2")
    money.invoice(cards.a1, D("10"), day(-20), due=day(-5), number="Z-1")
    money.invoice(cards.a1, D("10"), day(-25), due=day(-5), number="Z-9")
    payment = money.pay(cards.a1, D("15"), day(0))
    assert [(a.invoice.number, a.amount) for a in payment.allocations.order_by("pk")] == [
        ("Z-9", D("10.00")),
        ("Z-1", D("5.00")),
    ]


def test_money_beyond_what_is_owed_stays_as_unallocated_credit(org, cards, money, day):
    money.invoice(cards.a1, D("40.00"), day(-9))
    payment = money.pay(cards.a1, D("100.00"), day(-1))
    assert payment.unallocated_amount == D("60.00")
    # It is used by the next allocation of the payment.
    later = money.invoice(cards.a1, D("70.00"), day(0))
    services.allocate_payment(payment=payment, by=org.finance)
    later.refresh_from_db()
    payment.refresh_from_db()
    assert (later.open_amount, payment.unallocated_amount) == (D("10.00"), D("0"))
    # Allocated later, it counts from the invoice's issue date (it did not exist on the payment date).
    assert Allocation.objects.get(invoice=later).paid_on == day(0)


def test_manual_allocation_and_empty_list_leaves_it_unallocated(org, cards, money, day):
    a = money.invoice(cards.a1, D("100"), day(-30))
    b = money.invoice(cards.a1, D("100"), day(-20))
    payment = money.pay(cards.a1, D("150"), day(-1), allocations=[(b, D("100")), (a, D("20.01"))])
    a.refresh_from_db()
    assert a.open_amount == D("79.99") and payment.unallocated_amount == D("29.99")
    untouched = money.pay(cards.a1, D("5"), day(-1), allocations=[])
    assert untouched.unallocated_amount == D("5") and not untouched.allocations.exists()


@pytest.mark.parametrize(
    ("allocation", "message"),
    [
        ("above_open", "has 100.00 open"),
        ("above_payment", "more than the 50.00"),
        ("zero", "more than zero"),
        ("foreign", "another distributor"),
        ("twice", "listed twice"),
    ],
)
def test_bad_allocations_are_refused_and_nothing_is_saved(org, cards, money, day, allocation, message):
    a = money.invoice(cards.a1, D("100"), day(-30))
    b = money.invoice(cards.a1, D("100"), day(-20))
    other = money.invoice(cards.a2, D("100"), day(-20))
    allocations = {
        "above_open": [(a, D("40")), (b, D("100.01"))][1:],
        "above_payment": [(a, D("30")), (b, D("20.01"))],
        "zero": [(a, D("0"))],
        "foreign": [(other, D("10"))],
        "twice": [(a, D("10")), (a, D("10"))],
    }[allocation]
    amount = D("50") if allocation == "above_payment" else D("200")
    before = _counts()
    with pytest.raises(ValidationError) as exc:
        money.pay(cards.a1, amount, day(-1), allocations=allocations)
    assert message in " ".join(exc.value.message_dict["allocations"])
    assert _counts() == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"amount": D("0")}, "amount"),
        ({"amount": D("-1")}, "amount"),
        ({"paid_on": 1}, "paid_on"),
        ({"method": "gold"}, "method"),
    ],
)
def test_bad_payments_are_refused(org, cards, day, changes, field):
    kwargs = {"distributor": cards.a1, "amount": D("10"), "paid_on": day(-1), "method": "cash"}
    kwargs.update(changes)
    if kwargs["paid_on"] == 1:
        kwargs["paid_on"] = day(1)
    with pytest.raises(ValidationError) as exc:
        services.record_payment(by=org.finance, **kwargs)
    assert field in exc.value.message_dict
    assert not Payment.objects.exists()


def test_a_double_submit_of_the_same_reference_is_one_payment(org, cards, money, day):
    money.invoice(cards.a1, D("100"), day(-30))
    first = money.pay(cards.a1, D("60"), day(-1), reference="BANK-1")
    again = money.pay(cards.a1, D("60"), day(-1), reference="BANK-1")
    assert first.pk == again.pk and Payment.objects.count() == 1 and Allocation.objects.count() == 1
    with pytest.raises(ValidationError) as exc:
        money.pay(cards.a1, D("61"), day(-1), reference="BANK-1")
    assert "reference" in exc.value.message_dict


def test_reversal_is_a_new_audited_record_and_reopens_the_invoices(org, cards, money, day):
    a = money.invoice(cards.a1, D("100"), day(-30))
    b = money.invoice(cards.a1, D("100"), day(-20))
    payment = money.pay(cards.a1, D("150.50"), day(-5), reference="CHQ-9", method="cheque")
    reversal = services.reverse_payment(payment=payment, reason="Cheque bounced", by=org.finance)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.open_amount, b.open_amount) == (D("100"), D("100"))
    assert (a.status, b.status) == ("open", "open")
    assert reversal.amount == D("-150.50") and reversal.reverses == payment and reversal.paid_on == selectors._today()
    assert sum(x.amount for x in reversal.allocations.all()) == D("-150.50")
    payment.refresh_from_db()
    assert payment.amount == D("150.50")  # the original is never changed
    assert AuditEvent.objects.for_object(payment).filter(action="payment_reversed").exists()
    assert AuditEvent.objects.for_object(reversal).filter(action="payment_reversal_recorded").exists()
    with pytest.raises(ValidationError):
        services.reverse_payment(payment=payment, reason="again", by=org.finance)
    with pytest.raises(ValidationError):
        services.allocate_payment(payment=payment, by=org.finance)


def test_reversal_needs_a_reason_and_a_date_after_the_payment(org, cards, money, day):
    payment = money.pay(cards.a1, D("10"), day(-5))
    with pytest.raises(ValidationError) as exc:
        services.reverse_payment(payment=payment, reason=" ", by=org.finance)
    assert "reason" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.reverse_payment(payment=payment, reason="x", reversed_on=day(-6), by=org.finance)
    assert "reversed_on" in exc.value.message_dict


# --- Doubtful and write-offs ---------------------------------------------------------------------------------------


def test_more_than_180_days_past_due_is_doubtful(org, cards, money, day):
    doubtful = money.invoice(cards.a1, D("10"), day(-300), due=day(-181))
    borderline = money.invoice(cards.a1, D("10"), day(-300), due=day(-180))
    assert (doubtful.status, borderline.status) == ("doubtful", "open")
    assert services.refresh_doubtful(on=selectors._today() + timedelta(days=1)) == 1
    borderline.refresh_from_db()
    assert borderline.status == "doubtful"


def test_write_off_is_proposed_by_finance_and_approved_by_the_regions_manager(org, cards, money, day):
    invoice = money.invoice(cards.a1, D("900.00"), day(-300), due=day(-200))
    money.pay(cards.a1, D("100.00"), day(-10))
    with pytest.raises(PermissionDenied):
        services.propose_write_off(invoice=invoice, reason="Gone bust", by=org.kam_a1)
    write_off = services.propose_write_off(invoice=invoice, reason="Customer bankrupt 破产", by=org.finance)
    assert write_off.amount == D("800.00")
    with pytest.raises(ValidationError):
        services.propose_write_off(invoice=invoice, reason="again", by=org.finance)
    with pytest.raises(PermissionDenied):
        services.approve_write_off(write_off=write_off, by=org.finance)
    with pytest.raises(ValidationError):  # region B's manager does not see the account
        services.approve_write_off(write_off=write_off, by=org.rm_b)
    services.approve_write_off(write_off=write_off, by=org.rm_a, note="Approved")
    invoice.refresh_from_db()
    write_off.refresh_from_db()
    assert (invoice.open_amount, invoice.status) == (D("0"), InvoiceStatus.WRITTEN_OFF)
    assert (write_off.status, write_off.decided_by) == ("approved", org.rm_a)
    assert AuditEvent.objects.for_object(write_off).filter(action="write_off_approved").exists()


def test_admin_may_not_approve_their_own_proposal_and_a_paid_invoice_cannot_be_written_off(org, cards, money, day):
    invoice = money.invoice(cards.b1, D("50"), day(-300), due=day(-200))
    write_off = services.propose_write_off(invoice=invoice, reason="x", by=org.admin)
    with pytest.raises(PermissionDenied):
        services.approve_write_off(write_off=write_off, by=org.admin)
    money.pay(cards.b1, D("50"), day(-1))
    with pytest.raises(ValidationError):
        services.approve_write_off(write_off=write_off, by=org.rm_b)
    services.reject_write_off(write_off=write_off, by=org.rm_b, note="Paid after all")
    assert WriteOff.objects.get().status == "rejected"


# --- Payment claims -----------------------------------------------------------------------------------------------


def test_a_reps_claim_is_confirmed_by_finance_into_an_allocated_payment(org, cards, money, day):
    invoice = money.invoice(cards.a1, D("300"), day(-40))
    claim = services.record_payment_claim(
        distributor=cards.a1,
        rep=org.rep_a1,
        amount=D("120.00"),
        method="cash",
        collected_on=day(-1),
        by=org.rep_a1,
    )
    again = services.record_payment_claim(
        distributor=cards.a1,
        rep=org.rep_a1,
        amount=D("120.00"),
        method="cash",
        collected_on=day(-1),
        claim=claim,
        by=org.rep_a1,
    )
    assert again.pk == claim.pk and claim.status == ClaimStatus.PENDING
    with pytest.raises(PermissionDenied):
        services.confirm_payment_claim(claim=claim, by=org.rep_a1)
    payment = services.confirm_payment_claim(claim=claim, by=org.finance, reference="CASH-77")
    invoice.refresh_from_db()
    claim.refresh_from_db()
    assert (payment.amount, payment.paid_on, payment.method) == (D("120.00"), day(-1), "cash")
    assert invoice.open_amount == D("180.00")
    assert (claim.status, claim.payment) == ("confirmed", payment)
    with pytest.raises(ValidationError):
        services.record_payment_claim(
            distributor=cards.a1,
            rep=org.rep_a1,
            amount=D("99"),
            method="cash",
            collected_on=day(-1),
            claim=claim,
            by=org.rep_a1,
        )


def test_claims_are_for_the_reps_own_accounts_and_can_be_rejected(org, cards, day):
    with pytest.raises(ValidationError) as exc:
        services.record_payment_claim(
            distributor=cards.a1b, rep=org.rep_a1, amount=D("5"), method="cash", collected_on=day(0), by=org.rep_a1
        )
    assert "distributor" in exc.value.message_dict
    claim = services.record_payment_claim(
        distributor=cards.a1b, rep=org.rep_a1b, amount=D("5"), method="cash", collected_on=day(0), by=org.kam_a1
    )
    services.reject_payment_claim(claim=claim, reason="No such money", by=org.finance)
    assert PaymentClaim.objects.get().status == "rejected" and not Payment.objects.exists()


# --- Collection activities and the credit check ---------------------------------------------------------------------


def test_promise_needs_a_date_and_amount_and_disputes_a_reason(org, cards, money, day):
    money.invoice(cards.a1, D("600.00"), day(-10), terms=30)  # a promise is for no more than is open
    with pytest.raises(ValidationError) as exc:
        services.log_collection_activity(distributor=cards.a1, kind="promise", by=org.rep_a1)
    assert {"promised_on", "promised_amount"} <= set(exc.value.message_dict)
    with pytest.raises(ValidationError) as exc:
        services.log_collection_activity(distributor=cards.a1, kind="dispute", by=org.rep_a1)
    assert "dispute_reason" in exc.value.message_dict
    with pytest.raises(ValidationError):  # a teammate's account: not the rep's money
        services.log_collection_activity(distributor=cards.a1b, kind="call", note="x", by=org.rep_a1)
    promise = services.log_collection_activity(
        distributor=cards.a1,
        kind="promise",
        promised_on=day(7),
        promised_amount=D("500"),
        note="Boss agreed",
        by=org.rep_a1,
    )
    dispute = services.log_collection_activity(
        distributor=cards.a1, kind="dispute", dispute_reason="Short delivery", by=org.finance
    )
    services.resolve_dispute(activity=dispute, resolution="Credit note issued", by=org.finance)
    assert CollectionActivity.objects.get(pk=dispute.pk).resolved_on == selectors._today()
    assert promise.promised_amount == D("500.00")


def test_credit_check_warns_over_the_limit_and_over_90_days_and_the_setting_blocks(org, cards, money, day):
    cards.a1.credit_limit = D("1000.00")
    cards.a1.save()
    money.invoice(cards.a1, D("700.00"), day(-20))
    check = selectors.credit_check(distributor=cards.a1, extra_amount=D("300.00"), as_of=day(0))
    assert not check.warn and check.open_amount == D("700.00")
    check = selectors.credit_check(distributor=cards.a1, extra_amount=D("300.01"), as_of=day(0))
    assert check.exceeds_limit and not check.has_over_90 and not check.blocks and "credit limit" in check.message
    money.invoice(cards.a1, D("10.00"), day(-200), due=day(-91))
    money.pay(cards.a1, D("10.00"), day(0), allocations=[])  # unapplied credit lowers what is owed
    check = selectors.credit_check(distributor=cards.a1, extra_amount=D("0"), as_of=day(0))
    assert check.has_over_90 and check.over_90_amount == D("10.00") and check.open_amount == D("700.00")
    settings_row = ReceivablesSettings.load()
    settings_row.credit_check_blocks = True
    settings_row.save()
    with pytest.raises(ValidationError) as exc:
        money.invoice(cards.a1, D("1.00"), day(0))
    assert "90 days" in exc.value.message_dict["amount"][0]
