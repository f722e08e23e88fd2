"""Payment entry around the payment: the account type-ahead in scope, applying unapplied credit later (page and API,
oldest first, audited, Idempotency-Key), and confirming a rep's claim showing where the money goes."""

from decimal import Decimal as D

from django.urls import reverse

from kamcrm.audit.models import AuditEvent
from receivables import services
from receivables.models import Invoice, PaymentClaim


def test_the_account_type_ahead_finds_name_code_or_city_in_scope_only(org, cards, client_for):
    url = reverse("receivables:payment_accounts")
    finance_a = client_for(org.finance_a)
    for q, code in (("acme", "A1-001"), ("a2-0", "A2-001"), ("hangzhou", "A2-001")):
        assert f'data-account-code="{code}"' in finance_a.get(url, {"q": q}).content.decode(), q
    assert "B1-001" not in finance_a.get(url, {"q": "Guangzhou"}).content.decode()  # region B: not finance_a's
    assert "B1-001" in client_for(org.finance).get(url, {"q": "Guangzhou"}).content.decode()
    assert client_for(org.rep_a1).get(url, {"q": "acme"}).status_code == 403


def test_unapplied_credit_is_applied_later_oldest_first_audited_and_once_per_key(org, cards, money, day, api_for):
    payment = money.pay(cards.a1, D("100.00"), day(-30), allocations=[])
    note = money.credit(cards.a1, D("50.00"), day(-20))
    old = money.invoice(cards.a1, D("120.00"), day(-60), due=day(-30))
    new = money.invoice(cards.a1, D("80.00"), day(-10), due=day(20))
    api = api_for(org.finance)
    headers = {"HTTP_IDEMPOTENCY_KEY": "apply-1"}
    first = api.post("/api/receivables/apply-credit/", {"distributor": cards.a1.pk}, format="json", **headers)
    again = api.post("/api/receivables/apply-credit/", {"distributor": cards.a1.pk}, format="json", **headers)
    assert first.status_code == 200 and first.json() == {
        "distributor": cards.a1.pk,
        "applied": "150.00",
        "unapplied": "0.00",
        "open": "50.00",
    }
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    assert [Invoice.objects.get(pk=i.pk).open_amount for i in (old, new)] == [D("0.00"), D("50.00")]
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"payment_allocated", "credit_note_applied"} <= actions
    payment.refresh_from_db()
    note.refresh_from_db()
    assert (payment.unallocated_amount, note.unapplied_amount) == (D("0.00"), D("0.00"))
    # Nothing left to apply: a 400, not a 500.
    assert api.post("/api/receivables/apply-credit/", {"distributor": cards.a1.pk}).status_code == 400
    assert api_for(org.rep_a1).post("/api/receivables/apply-credit/", {"distributor": cards.a1.pk}).status_code == 403


def test_a_credit_note_applies_only_to_its_accounts_invoices_and_never_more_than_is_left(
    org, cards, money, day, api_for
):
    note = money.credit(cards.a1, D("50.00"), day(-5))
    mine = money.invoice(cards.a1, D("100.00"), day(-40))
    theirs = money.invoice(cards.a2, D("100.00"), day(-40))
    api = api_for(org.finance)
    url = f"/api/credit-notes/{note.pk}/apply/"
    for allocations in (
        [{"invoice": theirs.pk, "amount": "10.00"}],
        [{"invoice": mine.pk, "amount": "50.01"}],
        [{"invoice": mine.pk, "amount": "-1.00"}],
    ):
        response = api.post(url, {"allocations": allocations}, format="json")
        assert response.status_code == 400 and "allocations" in response.json(), allocations
    assert Invoice.objects.get(pk=mine.pk).open_amount == D("100.00")
    response = api.post(url, {"allocations": [{"invoice": mine.pk, "amount": "30.00"}]}, format="json")
    assert response.status_code == 200 and response.json()["unapplied_amount"] == "20.00"
    assert api.post(url, {}, format="json").json()["unapplied_amount"] == "0.00"  # the rest, oldest first
    assert Invoice.objects.get(pk=mine.pk).open_amount == D("50.00")


def test_the_account_page_applies_the_credit(org, cards, money, day, client_for):
    money.pay(cards.a1, D("40.00"), day(-3), allocations=[])
    invoice = money.invoice(cards.a1, D("100.00"), day(-40))
    url = reverse("receivables:account", args=[cards.a1.pk])
    client = client_for(org.finance)
    assert "Apply to the oldest invoices" in client.get(url).content.decode()
    response = client.post(reverse("receivables:account_apply_credit", args=[cards.a1.pk]))
    assert response.status_code == 302 and Invoice.objects.get(pk=invoice.pk).open_amount == D("60.00")
    other = reverse("receivables:account_apply_credit", args=[cards.b1.pk])
    assert client_for(org.finance_a).post(other).status_code == 404


def test_confirming_a_claim_shows_where_the_money_goes_and_warns_on_write_offs_and_disputes(
    org, cards, money, day, client_for, api_for
):
    bad = money.invoice(cards.a1, D("200.00"), day(-300), due=day(-250), number="OLD-BAD")
    disputed = money.invoice(cards.a1, D("500.00"), day(-60), due=day(-30), number="DISPUTED")
    money.invoice(cards.a1, D("90.00"), day(-10), due=day(20), number="LATER")
    services.propose_write_off(invoice=bad, reason="Customer closed", by=org.finance)
    services.log_collection_activity(
        distributor=cards.a1, invoice=disputed, kind="dispute", dispute_reason="Short delivery", by=org.rep_a1
    )
    claim = services.record_payment_claim(
        distributor=cards.a1, rep=org.rep_a1, amount=D("300.00"), method="cash", collected_on=day(0), by=org.rep_a1
    )
    page = client_for(org.finance).get(reverse("receivables:claims")).content.decode()
    assert "Goes to OLD-BAD: 200.00" in page and "write-off proposed" in page
    assert "Goes to DISPUTED: 100.00" in page and "in dispute" in page and "LATER" not in page
    body = api_for(org.finance).get(f"/api/payment-claims/{claim.pk}/").json()
    assert [(t["number"], t["amount"], t["write_off_proposed"], t["disputed"]) for t in body["allocation_preview"]] == [
        ("OLD-BAD", "200.00", True, False),
        ("DISPUTED", "100.00", False, True),
    ]
    assert PaymentClaim.objects.get().status == "pending"
