"""Issue 13, offline: the service worker is served from the root, the offline copy of the rep's accounts is
scoped, and the outbox's sends are answered in JSON: saved once per client_ref, refusals with the server's
message (a locked day is no refusal: it becomes a late entry)."""

import uuid
from decimal import Decimal

import pytest

from reports.models import Visit
from tests import factories as f
from tests.reports.test_views import visit_post

JSON = {"HTTP_ACCEPT": "application/json"}


def test_the_service_worker_is_served_from_the_root_for_the_whole_site(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/" and b'addEventListener("fetch"' in response.content


def test_the_offline_copy_holds_the_reps_accounts_with_contacts_and_products(org, cards, api_for):
    f.ContactFactory(distributor=cards.a1, name="陈经理")
    product = f.ProductFactory(name="鲜悦橙汁")
    f.ProductFactory(name="Old juice", is_active=False)
    data = api_for(org.rep_a1).get("/api/visits/offline-data/").json()
    codes = {a["code"] for a in data["accounts"]}
    assert {"A1-001", "A1-002"} <= codes and not codes & {"A2-001", "B1-001"}
    assert [c["name"] for a in data["accounts"] if a["code"] == "A1-001" for c in a["contacts"]] == ["陈经理"]
    assert [p["name"] for p in data["products"]] == [product.name]
    assert api_for(org.rep_b1).get("/api/visits/offline-data/").json()["accounts"][0]["code"] == "B1-001"


def test_an_outbox_send_is_saved_once(org, cards, client_for):
    client = client_for(org.rep_a1)
    ref = str(uuid.uuid4())
    first = client.post("/reports/visits/new/", visit_post(cards.a1, client_ref=ref, outcome="offline"), **JSON)
    again = client.post("/reports/visits/new/", visit_post(cards.a1, client_ref=ref, outcome="offline"), **JSON)
    assert first.status_code == again.status_code == 201
    assert first.json()["id"] == again.json()["id"] and Visit.objects.count() == 1


@pytest.mark.parametrize("refusal", ["reassigned account", "discontinued product", "negative quantity"])
def test_a_refused_outbox_send_is_a_400_with_the_servers_message(org, cards, client_for, refusal):
    product = f.ProductFactory(unit_price=Decimal("10.00"))
    fields = {"lines-0-product": product.pk, "lines-0-quantity": "2"}
    if refusal == "reassigned account":
        cards.a1.owner = org.rep_b1
        cards.a1.save()
    elif refusal == "discontinued product":
        product.is_active = False
        product.save()
    else:
        fields["lines-0-quantity"] = "-2"
    response = client_for(org.rep_a1).post(
        "/reports/visits/new/", visit_post(cards.a1, client_ref=str(uuid.uuid4()), **fields), **JSON
    )
    assert response.status_code == 400 and response.json()["ok"] is False
    assert response.json()["errors"] and all(isinstance(m, str) and m for m in response.json()["errors"])
    assert not Visit.objects.exists()
