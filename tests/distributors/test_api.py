import pytest

from distributors.models import Distributor
from tests import factories as f


def test_distributor_shape_follows_the_contract(org, cards, api_for):
    body = api_for(org.kam_a1).get(f"/api/distributors/{cards.a1.pk}/").json()
    assert {
        "id",
        "code",
        "name",
        "status",
        "tier",
        "owner",
        "team",
        "region",
        "city",
        "payment_terms_days",
        "credit_limit",
    } <= set(body)
    assert (body["owner"], body["team"], body["region"]) == (org.rep_a1.pk, org.team_a1.pk, org.region_a.pk)
    assert body["credit_limit"] == "0.00"


def test_rep_creates_a_card_owned_by_themselves(org, api_for):
    brand = f.BrandFactory()
    response = api_for(org.rep_a1).post(
        "/api/distributors/",
        {
            "code": "NEW-9",
            "name": "新华贸易有限公司",
            "city": "上海",
            "status": "intent_near",
            "brands": [{"brand": brand.pk, "share_pct": "35.5"}],
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["owner"] == org.rep_a1.pk and body["credit_limit"] == "0.00"  # credit terms are finance's
    assert body["brands"] == [{"brand": brand.pk, "share_pct": "35.50"}]
    assert Distributor.objects.get(code="NEW-9").name == "新华贸易有限公司"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"code": "A1-001"}, "code"),
        ({"credit_limit": "-5.00"}, "credit_limit"),
        ({"status": "happy"}, "status"),
        ({"owner": "@rep_b1"}, "owner"),
        ({"brands": "@too_much"}, "brands"),
        ({"status": "terminated"}, "terminated_reason"),
    ],
)
def test_bad_input_is_a_400_with_field_errors_and_saves_nothing(org, cards, api_for, payload, field):
    a, b = f.BrandFactory(), f.BrandFactory()
    data = {"code": "NEW-1", "name": "New", "owner": org.rep_a1.pk}
    for key, value in payload.items():
        if value == "@too_much":
            value = [{"brand": a.pk, "share_pct": "80"}, {"brand": b.pk, "share_pct": "30"}]
        elif isinstance(value, str) and value.startswith("@"):
            value = getattr(org, value[1:]).pk
        data[key] = value
    before = Distributor.objects.count()
    response = api_for(org.kam_a1).post("/api/distributors/", data, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()
    assert Distributor.objects.count() == before


def test_kam_must_name_an_owner(org, api_for):
    response = api_for(org.kam_a1).post("/api/distributors/", {"code": "X-1", "name": "X"})
    assert response.status_code == 400 and "owner" in response.json()


def test_filters_match_the_page(org, cards, api_for):
    Distributor.objects.filter(pk=cards.a1.pk).update(status="key", tier="A", attractiveness="very")
    client = api_for(org.rm_a)
    assert {r["code"] for r in client.get("/api/distributors/?status=key").json()["results"]} == {"A1-001"}
    assert {r["code"] for r in client.get("/api/distributors/?q=hangzhou").json()["results"]} == {"A2-001"}
    assert {r["code"] for r in client.get(f"/api/distributors/?team={org.team_a2.pk}").json()["results"]} == {"A2-001"}
    assert {r["code"] for r in client.get(f"/api/distributors/?owner={org.rep_a1.pk}&tier=B").json()["results"]} == {
        "A1-002"
    }
    assert client.get("/api/distributors/?status=nonsense").status_code == 400
    ordered = [r["code"] for r in client.get("/api/distributors/?ordering=-code").json()["results"]]
    assert ordered == sorted(ordered, reverse=True)


def test_not_visited_for_n_days(org, cards, api_for):
    from django.utils import timezone

    today = timezone.localdate()
    Distributor.objects.filter(pk=cards.a1.pk).update(last_visited_on=today)
    Distributor.objects.filter(pk=cards.a1_second.pk).update(last_visited_on=today - timezone.timedelta(days=40))
    codes = {r["code"] for r in api_for(org.rep_a1).get("/api/distributors/?not_visited_days=30").json()["results"]}
    assert codes == {"A1-002", "A1-101"}  # never visited counts as not visited


def test_reassign_through_the_api(org, cards, api_for):
    assert (
        api_for(org.rep_a1).post(f"/api/distributors/{cards.a1.pk}/reassign/", {"owner": org.rep_a1b.pk}).status_code
        == 403
    )
    response = api_for(org.kam_a1).post(f"/api/distributors/{cards.a1.pk}/reassign/", {"owner": org.rep_a1b.pk})
    assert response.status_code == 200 and response.json()["owner"] == org.rep_a1b.pk
    bad = api_for(org.kam_a1).post(f"/api/distributors/{cards.a1.pk}/reassign/", {"owner": org.rep_b1.pk})
    assert bad.status_code == 400 and "owner" in bad.json()
    history = api_for(org.kam_a1).get(f"/api/distributors/{cards.a1.pk}/history/").json()
    assert history[0]["field"] == "owner" and history[0]["by"] == org.kam_a1.pk


def test_cards_are_never_deleted(org, cards, api_for):
    assert api_for(org.admin).delete(f"/api/distributors/{cards.a1.pk}/").status_code == 405


def test_contacts_complaints_and_suggestions(org, cards, api_for):
    client = api_for(org.rep_a1)
    contact = client.post(
        "/api/contacts/",
        {"distributor": cards.a1.pk, "name": "王经理", "wechat": "wang88", "birthday": "1980-05-01", "hobbies": "钓鱼"},
    )
    assert contact.status_code == 201 and contact.json()["is_primary"] is True
    moved = client.patch(f"/api/contacts/{contact.json()['id']}/", {"distributor": cards.a1_second.pk})
    assert moved.status_code == 400 and "distributor" in moved.json()
    complaint = client.post(
        "/api/complaints/",
        {
            "distributor": cards.a1.pk,
            "kind": "product_quality",
            "description": "Broken bottles",
            "received_on": "2026-11-20",
            "owner": org.kam_a1.pk,
        },
    )
    assert complaint.status_code == 201, complaint.json()
    assert complaint.json()["recorded_by"] == org.rep_a1.pk
    closing = client.patch(f"/api/complaints/{complaint.json()['id']}/", {"status": "resolved"})
    assert closing.status_code == 400 and "resolution" in closing.json()
    suggestion = client.post(
        "/api/suggestions/", {"distributor": cards.a1.pk, "received_on": "2026-11-21", "content": "Smaller packs"}
    )
    assert suggestion.status_code == 201
    kinds = [e["kind"] for e in client.get(f"/api/distributors/{cards.a1.pk}/timeline/").json()]
    assert kinds == ["suggestion", "complaint"]


def test_catalogue_is_read_by_all_and_written_by_admin(org, api_for):
    brand = f.BrandFactory()
    assert api_for(org.rep_a1).get("/api/brands/").json()["count"] == 1
    assert api_for(org.rep_a1).post("/api/brands/", {"code": "X", "name": "X"}).status_code == 403
    product = api_for(org.admin).post(
        "/api/products/",
        {"sku": "S-1", "name": "Cola 24x330ml", "brand": brand.pk, "unit_price": "48.00", "unit_cost": "30.50"},
    )
    assert product.status_code == 201 and product.json()["unit_cost"] == "30.50"
    assert api_for(org.admin).delete(f"/api/products/{product.json()['id']}/").status_code == 405


def test_list_queries_do_not_grow_with_the_page(org, django_assert_max_num_queries, api_for):
    brand = f.BrandFactory()
    for _ in range(30):
        card = f.DistributorFactory(owner=org.rep_a1)
        card.brands_carried.create(brand=brand, share_pct=10)
    client = api_for(org.kam_a1)
    with django_assert_max_num_queries(8):
        body = client.get("/api/distributors/?page_size=30").json()
    assert len(body["results"]) == 30 and all(r["can_edit"] for r in body["results"])
