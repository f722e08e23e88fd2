"""Idempotency-Key on money-creating POSTs: a retry gets the first answer and creates nothing."""

import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from kamcrm import tasks as core_tasks
from kamcrm.idempotency.models import IdempotencyKey
from receivables import services as money_services
from receivables.models import CreditNote, Invoice, Payment, PaymentClaim, WriteOff
from reports.models import Order, Visit
from tests import factories as f
from tests.reports.test_api import visit_payload

TODAY = timezone.localdate()


def _payment_body(cards, amount="100.00"):
    return {"distributor": cards.a1.pk, "amount": amount, "method": "cash", "paid_on": TODAY.isoformat()}


def _invoice(org, cards, amount="500.00", number="INV-1"):
    return money_services.record_invoice(
        distributor=cards.a1,
        number=number,
        issue_date=TODAY - timedelta(days=200),
        due_date=TODAY - timedelta(days=190),
        payment_terms_days=None,
        amount=Decimal(amount),
        by=org.finance,
    )


def _money_writes(org, cards):
    """(who, url, body, model) of every money-creating POST; each call builds fresh objects to act on."""
    invoice = _invoice(org, cards)
    payment = money_services.record_payment(
        distributor=cards.a1,
        amount=Decimal("50.00"),
        paid_on=TODAY,
        method="cash",
        reference="",
        allocations=[],
        by=org.finance,
    )
    claim = money_services.record_payment_claim(
        distributor=cards.a1,
        rep=org.rep_a1,
        amount=Decimal("30.00"),
        method="cash",
        collected_on=TODAY,
        by=org.rep_a1,
    )
    product = f.ProductFactory(unit_price=Decimal("20.00"), unit_cost=Decimal("12.00"))
    return [
        (org.finance, "/api/payments/", _payment_body(cards), Payment),
        (org.finance, "/api/invoices/", {"distributor": cards.a1.pk, "number": "INV-2",
                                         "issue_date": TODAY.isoformat(), "amount": "250.00"}, Invoice),
        (org.finance, "/api/credit-notes/", {"distributor": cards.a1.pk, "number": "CN-1",
                                             "issue_date": TODAY.isoformat(), "amount": "20.00"}, CreditNote),
        (org.rep_a1, "/api/payment-claims/", {"distributor": cards.a1.pk, "amount": "12.00", "method": "cash",
                                              "collected_on": TODAY.isoformat()}, PaymentClaim),
        (org.finance, "/api/write-offs/", {"invoice": invoice.pk, "amount": "10.00", "reason": "Gone"}, WriteOff),
        (org.finance, f"/api/payments/{payment.pk}/reverse/", {"reason": "Bounced"}, Payment),
        (org.finance, f"/api/payment-claims/{claim.pk}/confirm/", {}, Payment),
        (org.rep_a1, "/api/visits/", visit_payload(cards.a1, collected_amount="40.00",
                                                   collection_method="cash"), Visit),
        (org.rep_a1, "/api/orders/", {"distributor": cards.a1.pk,
                                      "lines": [{"product": product.pk, "quantity": "3"}]}, Order),
    ]  # fmt: skip


def _post(user, url, body, key):
    client = APIClient()
    client.force_authenticate(user)
    return client.post(url, body, format="json", HTTP_IDEMPOTENCY_KEY=key)


def test_every_money_create_replays_the_first_answer_for_the_same_key(org, cards):
    for who, url, body, model in _money_writes(org, cards):
        before = model.objects.count()
        first = _post(who, url, body, "key-1")
        assert first.status_code == 201, (url, first.json())
        again = _post(who, url, body, "key-1")
        assert (again.status_code, again.json()) == (201, first.json()), url
        assert again["Idempotent-Replayed"] == "true"
        assert model.objects.count() == before + 1, url
        IdempotencyKey.objects.all().delete()  # the next endpoint starts afresh with the same key


def test_the_same_key_with_another_body_is_a_422_and_creates_nothing(org, cards):
    assert _post(org.finance, "/api/payments/", _payment_body(cards), "k").status_code == 201
    for changed in (_payment_body(cards, amount="100.01"), {**_payment_body(cards), "reference": "X"}):
        response = _post(org.finance, "/api/payments/", changed, "k")
        assert response.status_code == 422
        assert "different request" in response.json()["Idempotency-Key"][0]
    other_endpoint = _post(org.rep_a1, "/api/payment-claims/", {**_payment_body(cards), "collected_on": TODAY}, "k")
    assert other_endpoint.status_code == 201  # keys belong to their user
    assert Payment.objects.count() == 1


def test_a_refused_request_does_not_use_up_its_key(org, cards):
    bad = _post(org.finance, "/api/payments/", _payment_body(cards, amount="-5"), "k")
    assert bad.status_code == 400 and "amount" in bad.json()
    assert _post(org.finance, "/api/payments/", _payment_body(cards), "k").status_code == 201
    assert Payment.objects.count() == 1


def test_a_bad_key_is_a_400(org, cards):
    for key in ("   ", "x" * 256):
        response = _post(org.finance, "/api/payments/", _payment_body(cards), key)
        assert response.status_code == 400 and "Idempotency-Key" in response.json()
    assert not Payment.objects.exists()


def test_keys_are_forgotten_after_the_configured_time(org, cards, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 2
    assert _post(org.finance, "/api/payments/", _payment_body(cards), "k").status_code == 201
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=1))
    core_tasks.purge_idempotency_keys.delay()
    assert _post(org.finance, "/api/payments/", _payment_body(cards), "k")["Idempotent-Replayed"] == "true"
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=3))
    core_tasks.purge_idempotency_keys.delay()
    assert not IdempotencyKey.objects.exists()
    assert _post(org.finance, "/api/payments/", _payment_body(cards), "k").status_code == 201
    assert Payment.objects.count() == 2


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    key=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=255),
    cents=st.integers(min_value=1, max_value=10**12),
    retries=st.integers(min_value=1, max_value=3),
)
def test_any_key_and_amount_retried_gives_one_payment(org, cards, key, cents, retries):
    Payment.objects.all().delete()
    IdempotencyKey.objects.all().delete()
    body = _payment_body(cards, amount=str(Decimal(cents) / 100))
    answers = [_post(org.finance, "/api/payments/", body, key) for _ in range(1 + retries)]
    assert {a.status_code for a in answers} == {201}
    assert len({a.json()["id"] for a in answers}) == 1
    assert Payment.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs parallel PostgreSQL connections")
@pytest.mark.parametrize("same_key", [True, False])
def test_two_simultaneous_requests_with_one_key_make_one_payment(org, cards, same_key):
    start = threading.Barrier(2)
    results = {}

    def post(name):
        try:
            start.wait(5)
            response = _post(org.finance, "/api/payments/", _payment_body(cards), "same" if same_key else name)
            results[name] = (response.status_code, response.json())
        except Exception as exc:  # the assertion below shows it
            results[name] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=post, args=(name,)) for name in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert results["a"][0] == results["b"][0] == 201, results
    if same_key:
        assert results["a"][1] == results["b"][1]
        assert Payment.objects.count() == 1
    else:
        assert Payment.objects.count() == 2  # without a shared key both are real payments
