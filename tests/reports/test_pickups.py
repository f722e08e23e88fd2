"""Pickups against policy, shipments and stock per brand on the card, from the outside."""

from datetime import timedelta

import pytest
from django.utils import timezone

from distributors.models import PickupPolicy
from reports.analytics.rollups import services as rollups
from reports.models import Order, Shipment, VisitStock
from tests import factories as f
from tests.reports.factories import VisitFactory
from tests.reports.test_scorecards import _sell

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)
TIERS = [
    {"from_amount": "0", "to_amount": "1000.00", "rebate_pct": "0"},
    {"from_amount": "1000.00", "to_amount": "5000.00", "rebate_pct": "1.5"},
    {"from_amount": "5000.00", "to_amount": None, "rebate_pct": "3"},
]


def _policy(api, card, **overrides):
    body = {
        "distributor": card.pk,
        "valid_from": (MONTH - timedelta(days=40)).isoformat(),
        "min_monthly_pickup": "1000.00",
        "terms": "季度返利按档位结算",
        "tiers": TIERS,
    }
    body.update(overrides)
    return api.post("/api/pickup-policies/", body, format="json")


@pytest.mark.parametrize(
    ("sold", "shortfall", "rebate"),
    [
        (None, "1000.00", "0.00"),  # nothing picked up
        ("999.99", "0.01", "0.00"),
        ("1000.00", "0.00", "1.50"),  # exactly the minimum: no shortfall, the next tier
        ("4999.99", "0.00", "1.50"),
        ("5000.00", "0.00", "3.00"),  # the top tier has no upper end
    ],
)
def test_shortfall_and_tier_at_the_policy_edges(api_for, org, cards, sold, shortfall, rebate):
    assert _policy(api_for(org.kam_a1), cards.a1).status_code == 201
    if sold:
        _sell(cards.a1, sold, day=MONTH)
    rollups.rebuild()
    months = api_for(org.rep_a1).get(f"/api/distributors/{cards.a1.pk}/pickups/").json()["pickups"]
    this = months[-1]
    assert (this["pickup"], this["minimum"], this["shortfall"], this["rebate_pct"]) == (
        sold or "0.00",
        "1000.00",
        shortfall,
        rebate,
    )
    assert months[0]["minimum"] is None  # six months back: before the policy
    # The pickup is the dashboard's sales amount of the account for the month.
    board = api_for(org.kam_a1).get(f"/api/dashboard/?level=team&id={org.team_a1.pk}&children=distributor").json()
    account = next(c for c in board["children"] if c["id"] == cards.a1.pk)
    assert account["figures"]["sales_amount"] == this["pickup"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"tiers": [TIERS[0], {**TIERS[1], "from_amount": "900.00"}]}, "tiers"),  # overlap
        ({"tiers": [{**TIERS[0], "to_amount": None}, TIERS[1]]}, "tiers"),  # an open-ended tier below another
        ({"tiers": [{"from_amount": "100", "to_amount": "50", "rebate_pct": "1"}]}, "tiers"),
        ({"min_monthly_pickup": "-1"}, "min_monthly_pickup"),
        ({"valid_to": (MONTH - timedelta(days=100)).isoformat()}, "valid_to"),
    ],
)
def test_bad_policy_is_a_field_error_and_nothing_is_saved(api_for, org, cards, overrides, field):
    answer = _policy(api_for(org.kam_a1), cards.a1, **overrides)
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not PickupPolicy.objects.exists()


def test_overlapping_policies_and_who_sets_them(api_for, org, cards):
    kam = api_for(org.kam_a1)
    assert _policy(kam, cards.a1, valid_to=MONTH.isoformat()).status_code == 201
    assert "valid_from" in _policy(kam, cards.a1, valid_from=MONTH.isoformat()).json()
    assert _policy(kam, cards.a1, valid_from=(MONTH + timedelta(days=40)).isoformat()).status_code == 201
    assert _policy(api_for(org.rep_a1), cards.a1_second).status_code == 403
    assert "distributor" in _policy(api_for(org.kam_b1), cards.a1_second).json()  # not in scope: no such account
    assert PickupPolicy.objects.count() == 2


def test_shipments_and_stock_on_the_card_and_scope(api_for, client_for, org, cards):
    order = Order.objects.create(
        distributor=cards.a1, rep=org.rep_a1, order_date=TODAY, status="confirmed", created_by=org.rep_a1
    )
    rep = api_for(org.rep_a1)
    bad = rep.post(
        "/api/shipments/",
        {"order": order.pk, "shipped_on": TODAY.isoformat(), "delivered_on": (TODAY - timedelta(days=1)).isoformat()},
        format="json",
    )
    assert bad.status_code == 400 and "delivered_on" in bad.json()
    good = rep.post(
        "/api/shipments/", {"order": order.pk, "shipped_on": TODAY.isoformat(), "carrier": "顺丰"}, format="json"
    )
    assert good.status_code == 201, good.json()
    cancelled = Order.objects.create(
        distributor=cards.a1, rep=org.rep_a1, order_date=TODAY, status="cancelled", created_by=org.rep_a1
    )
    assert "order" in rep.post("/api/shipments/", {"order": cancelled.pk, "shipped_on": TODAY}, format="json").json()
    visit = VisitFactory(distributor=cards.a1, rep=org.rep_a1)
    VisitStock.objects.create(visit=visit, brand=f.BrandFactory(name="金穗"), units=42)
    card = rep.get(f"/api/distributors/{cards.a1.pk}/pickups/").json()
    assert [s["carrier"] for s in card["shipments"]] == ["顺丰"]
    assert card["stock"]["brands"] == [{"brand": "金穗", "units": [None] * 5 + [42]}]
    page = client_for(org.rep_a1).get(f"/reports/pickups/{cards.a1.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="pickup-table"' in page and "顺丰" in page and "42" in page
    # Another team's rep: 404 on page and API; no shipments listed; cannot ship the order.
    other = api_for(org.rep_b1)
    assert other.get(f"/api/distributors/{cards.a1.pk}/pickups/").status_code == 404
    assert client_for(org.rep_b1).get(f"/reports/pickups/{cards.a1.pk}/").status_code == 404
    assert other.get("/api/shipments/").json()["count"] == 0
    assert "order" in other.post("/api/shipments/", {"order": order.pk, "shipped_on": TODAY}, format="json").json()
    assert Shipment.objects.count() == 1


def test_policy_page_sets_a_policy_with_tier_lines(client_for, org, cards):
    kam = client_for(org.kam_a1)
    url = f"/distributors/{cards.a1.pk}/pickup-policy/"
    bad = kam.post(url, {"valid_from": MONTH, "min_monthly_pickup": "500", "tiers": "0 - 1000: 1\n800 - : 2"})
    assert bad.status_code == 200 and "overlap" in bad.content.decode()
    good = kam.post(url, {"valid_from": MONTH, "min_monthly_pickup": "500", "tiers": "0 - 1000: 1\n1000 - : 2"})
    assert good.status_code == 302
    assert PickupPolicy.objects.get().tiers.count() == 2
    assert client_for(org.rep_b1).get(url).status_code == 404
