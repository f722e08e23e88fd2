"""While the Celery broker is down, a write still answers 2xx after it committed, and the work it queues is kept.

The broker is a port that refuses connections and tasks are really sent (not run eagerly). These tests commit
for real (transactional), because the task is sent on commit, inside the request.
"""

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django.utils import timezone

from kamcrm import tasks as core_tasks
from kamcrm.outbox.models import OutboxMessage
from receivables.models import Invoice, Payment
from reports import tasks as report_tasks
from reports.analytics.models import DistributorDay, PendingRefresh
from reports.models import Order, Visit
from tests import factories as f
from tests.reports.test_api import visit_payload
from tests.reports.test_views import visit_post

pytestmark = pytest.mark.django_db(transaction=True)

TODAY = timezone.localdate()


def _rollup_refreshes() -> set[int]:
    """Accounts whose rollup refresh waits for the drain (stored in the database, not sent to the broker)."""
    return set(PendingRefresh.objects.values_list("distributor_id", flat=True))


def _writes(org, cards, api_for):
    """(who, url, body, model) for the writes of every app that queue work after their commit."""
    product = f.ProductFactory(unit_price=Decimal("20.00"), unit_cost=Decimal("12.00"))
    back_dated = (TODAY - timedelta(days=40)).isoformat()
    return [
        (org.finance, "/api/payments/", {"distributor": cards.a1.pk, "amount": "100.00", "method": "bank_transfer",
                                         "paid_on": back_dated, "reference": "BANK-1"}, Payment),
        (org.finance, "/api/invoices/", {"distributor": cards.a1.pk, "number": "INV-9", "issue_date": back_dated,
                                         "amount": "250.00"}, Invoice),
        (org.rep_a1, "/api/visits/", visit_payload(cards.a1), Visit),
        (org.rep_a1, "/api/orders/", {"distributor": cards.a1.pk, "order_date": back_dated,
                                      "lines": [{"product": product.pk, "quantity": "3"}]}, Order),
    ]  # fmt: skip


def test_writes_answer_201_and_their_rollup_refresh_waits_for_the_drain(org, cards, api_for, broker_down):
    for who, url, body, model in _writes(org, cards, api_for):
        response = api_for(who).post(url, body, format="json")
        assert response.status_code == 201, (url, response.status_code, response.content[:300])
        assert model.objects.filter(pk=response.json()["id"]).exists(), url
    assert cards.a1.pk in _rollup_refreshes()


def test_the_visit_form_saves_while_the_broker_is_down(org, cards, client_for, broker_down):
    response = client_for(org.rep_a1).post("/reports/visits/new/", visit_post(cards.a1, outcome="Met the buyer"))
    assert response.status_code == 302
    assert Visit.objects.get().outcome == "Met the buyer"
    assert cards.a1.pk in _rollup_refreshes()


def test_no_code_sends_a_task_around_the_outbox():
    """Every task goes through kamcrm.outbox (a bare .delay() would be a 500 again while the broker is down)."""
    root = Path(__file__).resolve().parents[1]
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for top in root.iterdir()
        if top.is_dir() and not top.is_symlink() and top.name not in {"tests", ".venv", "var", ".git"}
        for path in top.rglob("*.py")
        if path.relative_to(root) != Path("kamcrm/outbox/services.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\.(delay|apply_async|send_task)\(", line)
    ]
    assert offenders == []


def test_a_retried_payment_while_the_broker_is_down_is_one_answer_per_request(org, cards, api_for, broker_down):
    finance = api_for(org.finance)
    body = {"distributor": cards.a1.pk, "amount": "10.00", "method": "cash", "paid_on": TODAY.isoformat()}
    statuses = [finance.post("/api/payments/", {**body, "reference": f"R-{i}"}).status_code for i in range(3)]
    assert statuses == [201, 201, 201]
    assert Payment.objects.count() == 3


def test_the_outbox_is_sent_when_the_broker_is_back(org, cards, api_for, broker_down):
    back_dated = TODAY - timedelta(days=40)  # older than what the nightly rebuild covers
    response = api_for(org.finance).post(
        "/api/payments/",
        {"distributor": cards.a1.pk, "amount": "75.00", "method": "cash", "paid_on": back_dated.isoformat()},
    )
    assert response.status_code == 201
    assert not DistributorDay.objects.filter(distributor=cards.a1, day=back_dated).exists()
    core_tasks.drain_task_outbox()  # a worker drains while the broker still fails: nothing lost, nothing sent
    assert cards.a1.pk in _rollup_refreshes()

    broker_down.restore()  # the broker is back (tasks run in-process, as in the other tests)
    core_tasks.drain_task_outbox.delay()
    report_tasks.drain_rollup_refreshes.delay()  # beat's every-minute drain
    assert not OutboxMessage.objects.exists() and not _rollup_refreshes()
    assert DistributorDay.objects.get(distributor=cards.a1, day=back_dated).payments_received == Decimal("75.00")


def test_e_mailing_a_statement_while_the_broker_is_down_is_queued_not_a_500(org, cards, client_for, broker_down):
    f.ContactFactory(distributor=cards.a1, is_primary=True, email="buyer@example.com")
    response = client_for(org.finance).post(f"/receivables/accounts/{cards.a1.pk}/statement/email/")
    assert response.status_code == 302
    queued = OutboxMessage.objects.get(task="receivables.tasks.email_statement")
    assert queued.args[0] == cards.a1.pk and queued.args[3] == org.finance.pk


def test_healthz_is_503_naming_the_broker_when_it_is_unreachable(db, broker_down):
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["database"] == "ok"
    assert body["broker"].startswith("error")
    assert body["failing"] == ["broker"]
