"""Receivables pages: each role sees its scope, a foreign object is a 404, forms save through the services."""

from decimal import Decimal as D

import pytest
from django.core import mail
from django.urls import reverse

from receivables import services
from receivables.models import CollectionActivity, Invoice, Payment, WriteOff
from tests import factories as f


@pytest.fixture
def book(org, cards, money, day):
    old = money.invoice(cards.a1, D("300.00"), day(-80), terms=30, number="PG-OLD")
    new = money.invoice(cards.a1, D("200.00"), day(-40), terms=30, number="PG-NEW")
    other = money.invoice(cards.b1, D("50.00"), day(-40), terms=30, number="PG-B1")
    return old, new, other


@pytest.mark.parametrize("user", ["finance", "admin", "rm_a", "kam_a1", "rep_a1"])
def test_every_page_opens_for_every_role(org, cards, book, client_for, user):
    client = client_for(getattr(org, user))
    old, _new, _other = book
    pages = [
        reverse("receivables:worklist"),
        reverse("receivables:invoices"),
        reverse("receivables:payments"),
        reverse("receivables:aging") + "?group_by=team",
        reverse("receivables:claims"),
        reverse("receivables:write_offs"),
        reverse("receivables:invoice_detail", args=[old.pk]),
        reverse("receivables:account", args=[cards.a1.pk]),
        reverse("receivables:activity_new", args=[cards.a1.pk]),
        reverse("distributors:detail", args=[cards.a1.pk]),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)


def test_foreign_objects_are_404_and_money_pages_403_for_other_roles(org, cards, book, client_for):
    _old, _new, other = book
    rep = client_for(org.rep_a1)
    for url in (
        reverse("receivables:invoice_detail", args=[other.pk]),
        reverse("receivables:account", args=[cards.b1.pk]),
        reverse("receivables:account", args=[cards.a1b.pk]),  # a teammate's account: the card yes, the money no
        reverse("receivables:statement", args=[cards.b1.pk, "pdf"]),
    ):
        assert rep.get(url).status_code == 404, url
    for url in (reverse("receivables:payment_new"), reverse("receivables:invoice_new"), reverse("receivables:import")):
        assert rep.get(url).status_code == 403, url
    assert client_for(org.finance).get(reverse("receivables:schedules")).status_code == 200
    assert rep.get(reverse("receivables:schedules")).status_code == 403


def test_lists_show_only_the_scope(org, cards, book, client_for):
    rep_page = client_for(org.rep_a1).get(reverse("receivables:invoices")).content.decode()
    assert "PG-OLD" in rep_page and "PG-B1" not in rep_page
    aging = client_for(org.rm_b).get(reverse("receivables:aging")).content.decode()
    assert "Guangzhou Rivers" in aging and "Acme Trading" not in aging
    worklist = client_for(org.finance).get(reverse("receivables:worklist")).content.decode()
    assert worklist.index("A1-001") < worklist.index("B1-001")  # 500 × days before 50 × days


def test_finance_records_a_payment_allocated_by_hand_from_the_form(org, cards, book, client_for, day):
    old, new, _other = book
    client = client_for(org.finance)
    page = client.get(reverse("receivables:payment_new") + f"?distributor={cards.a1.pk}").content.decode()
    assert f'name="alloc_{old.pk}"' in page and "PG-NEW" in page
    # The HTMX partial lists the open invoices of the code typed.
    partial = client.get(reverse("receivables:payment_open_invoices") + "?distributor=a1-001").content.decode()
    assert "PG-OLD" in partial and "<html" not in partial
    response = client.post(
        reverse("receivables:payment_new"),
        {
            "distributor": "A1-001",
            "amount": "150.00",
            "paid_on": day(0).isoformat(),
            "method": "bank_transfer",
            "reference": "TT-1",
            "allocation": "manual",
            f"alloc_{new.pk}": "120.00",
        },
    )
    payment = Payment.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse(
        "receivables:payment_detail", args=[payment.pk]
    )
    new.refresh_from_db()
    assert (new.open_amount, payment.unallocated_amount) == (D("80.00"), D("30.00"))
    bad = client.post(
        reverse("receivables:payment_new"),
        {
            "distributor": "A1-001",
            "amount": "50.00",
            "paid_on": day(0).isoformat(),
            "method": "cash",
            "allocation": "manual",
            f"alloc_{old.pk}": "60.00",
        },
    )
    assert bad.status_code == 200 and "more than the 50.00" in bad.content.decode()
    assert Payment.objects.count() == 1


def test_invoice_and_credit_note_forms(org, cards, client_for, day):
    client = client_for(org.finance)
    response = client.post(
        reverse("receivables:invoice_new"),
        {
            "distributor": "A1-001",
            "number": "WEB-1",
            "issue_date": day(-1).isoformat(),
            "amount": "99.00",
            "currency": "CNY",
        },
    )
    invoice = Invoice.objects.get(number="WEB-1")
    assert response.status_code == 302 and invoice.due_date == day(29)
    again = client.post(
        reverse("receivables:invoice_new"),
        {
            "distributor": "B1-999",
            "number": "WEB-1",
            "issue_date": day(-1).isoformat(),
            "amount": "99.00",
            "currency": "CNY",
        },
    )
    assert "No distributor with code B1-999" in again.content.decode()
    response = client.post(
        reverse("receivables:credit_note_new"),
        {
            "distributor": "A1-001",
            "number": "CN-WEB",
            "issue_date": day(0).isoformat(),
            "amount": "100.00",
            "invoice": invoice.pk,
        },
    )
    assert "larger than what is open" in response.content.decode()


def test_logging_a_promise_and_resolving_a_dispute(org, cards, book, client_for, day):
    client = client_for(org.rep_a1)
    worklist = reverse("receivables:worklist")
    response = client.post(
        reverse("receivables:activity_new", args=[cards.a1.pk]),
        {
            "kind": "promise",
            "occurred_on": day(0).isoformat(),
            "promised_on": day(5).isoformat(),
            "promised_amount": "250.00",
            "note": "老板说周五付",
            "next": worklist,
        },
    )
    assert response.status_code == 302 and response["Location"] == worklist
    assert "Promised by" in client.get(worklist).content.decode()
    response = client.post(
        reverse("receivables:activity_new", args=[cards.a1.pk]), {"kind": "promise", "occurred_on": day(0).isoformat()}
    )
    assert response.status_code == 200 and "Give the date the customer promised to pay." in response.content.decode()
    dispute = services.log_collection_activity(
        distributor=cards.a1, kind="dispute", dispute_reason="Short", by=org.rep_a1
    )
    client.post(reverse("receivables:activity_resolve", args=[dispute.pk]), {"resolution": "Recounted"})
    assert CollectionActivity.objects.get(pk=dispute.pk).resolution == "Recounted"


def test_write_off_review_from_proposal_to_approval(org, cards, money, client_for, day):
    invoice = money.invoice(cards.a1, D("70.00"), day(-300), due=day(-200), number="BAD-1")
    finance = client_for(org.finance)
    assert "BAD-1" in finance.get(reverse("receivables:write_offs")).content.decode()
    finance.post(reverse("receivables:write_off_propose", args=[invoice.pk]), {"amount": "70.00", "reason": "倒闭"})
    write_off = WriteOff.objects.get()
    response = client_for(org.rm_a).post(reverse("receivables:write_off_decide", args=[write_off.pk, "approve"]))
    assert response.status_code == 302
    invoice.refresh_from_db()
    assert invoice.status == "written_off"
    assert (
        client_for(org.rm_b).post(reverse("receivables:write_off_decide", args=[write_off.pk, "reject"])).status_code
        == 404
    )


def test_claims_page_confirm(org, cards, book, client_for, day):
    client_for(org.rep_a1).post(
        reverse("receivables:claim_new"),
        {"distributor": "A1-001", "amount": "100.00", "method": "cash", "collected_on": day(0).isoformat()},
    )
    claim = org.rep_a1.payment_claims.get()
    client_for(org.finance).post(reverse("receivables:claim_decide", args=[claim.pk, "confirm"]), {"reference": "R-1"})
    claim.refresh_from_db()
    assert claim.status == "confirmed" and claim.payment.amount == D("100.00")


def test_statement_xlsx_download_and_e_mail_to_the_primary_contact(org, cards, book, client_for, day):
    client = client_for(org.finance)
    query = f"?start={day(-90).isoformat()}&end={day(0).isoformat()}"
    xlsx = client.get(reverse("receivables:statement", args=[cards.a1.pk, "xlsx"]) + query)
    assert xlsx.status_code == 200 and xlsx["Content-Disposition"].startswith("attachment")
    response = client.post(
        reverse("receivables:statement_email", args=[cards.a1.pk]), {"start": day(-90), "end": day(0)}
    )
    assert response.status_code == 302 and not mail.outbox  # no primary contact with an e-mail address yet
    f.ContactFactory(distributor=cards.a1, is_primary=True, email="ap@acme.example")
    client.post(reverse("receivables:statement_email", args=[cards.a1.pk]), {"start": day(-90), "end": day(0)})
    assert mail.outbox[0].to == ["ap@acme.example"]
    assert mail.outbox[0].attachments[0][0].endswith(".pdf") and "500.00" in mail.outbox[0].body


def test_the_customer_card_timeline_shows_money_only_to_those_who_may_see_it(org, cards, book, money, client_for, day):
    money.pay(cards.a1, D("12.34"), day(-1), reference="TL-PAY")
    services.log_collection_activity(distributor=cards.a1, kind="call", note="Called the boss", by=org.rep_a1)
    url = reverse("distributors:detail", args=[cards.a1.pk])
    owner_view = client_for(org.rep_a1).get(url).content.decode()
    for expected in ("PG-OLD", "TL-PAY", "Called the boss"):
        assert expected in owner_view
    teammate_view = client_for(org.rep_a1b).get(url).content.decode()
    assert "PG-OLD" not in teammate_view and "TL-PAY" not in teammate_view


def test_reversing_a_payment_from_its_page_says_what_happened(org, cards, money, client_for, day):
    money.invoice(cards.a1, D("100"), day(-30))
    payment = money.pay(cards.a1, D("100"), day(-5), reference="CHQ-PAGE", method="cheque")
    client = client_for(org.finance)
    url = reverse("receivables:payment_reverse", args=[payment.pk])
    detail = reverse("receivables:payment_detail", args=[payment.pk])
    response = client.post(url, {"reason": ""}, follow=True)
    assert response.redirect_chain[-1][0] == detail
    assert "Give the reason and the date of the reversal." in response.content.decode()
    assert not Payment.objects.filter(reverses=payment).exists()
    response = client.post(url, {"reason": "Cheque bounced", "reversed_on": day(0).isoformat()}, follow=True)
    assert "The payment was reversed; its invoices are open again." in response.content.decode()
    assert Payment.objects.filter(reverses=payment).exists()
