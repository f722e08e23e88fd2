from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from reports.models import DailyReport, Order, Visit
from tests import factories as f
from tests.reports.helpers import earlier_today


def visit_payload(distributor, **extra):
    start, end = earlier_today()
    return {
        "distributor": distributor.pk,
        "kind": "in_person",
        "purpose": "order_taking",
        "started_at": start.isoformat(),
        "ended_at": end.isoformat(),
        "outcome": "Agreed on the spring promotion",
        **extra,
    }


def test_rep_logs_a_visit_with_an_order_through_the_api(org, cards, api_for):
    product = f.ProductFactory(unit_price=Decimal("20.00"), unit_cost=Decimal("12.34"))
    response = api_for(org.rep_a1).post(
        "/api/visits/",
        visit_payload(cards.a1, orders=[{"lines": [{"product": product.pk, "quantity": "5"}]}]),
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert {
        "id",
        "distributor",
        "rep",
        "kind",
        "started_at",
        "ended_at",
        "purpose",
        "outcome",
        "orders",
        "collected_amount",
    } <= set(body)
    assert body["rep"] == org.rep_a1.pk and body["collected_amount"] == "0.00"
    assert body["orders"][0]["amount"] == "100.00"
    order = api_for(org.rep_a1).get(f"/api/orders/{body['orders'][0]['id']}/").json()
    assert order["lines"] == [
        {"product": product.pk, "quantity": "5.00", "unit_price": "20.00", "unit_cost": "12.34", "amount": "100.00"}
    ]
    assert (order["amount"], order["gross_profit"]) == ("100.00", "38.30")


def test_bad_visits_are_400_with_field_errors(org, cards, api_for):
    client = api_for(org.rep_a1)
    future = (timezone.now() + timedelta(hours=3)).isoformat()
    cases = [
        (visit_payload(cards.b1), "distributor"),  # another team's account
        (visit_payload(cards.a1, started_at=future, ended_at=future), "started_at"),
        (visit_payload(cards.a1, rep=org.rep_a1b.pk), "rep"),  # a rep cannot log for a colleague
        (visit_payload(cards.a1, kind="teleport"), "kind"),
        (visit_payload(cards.a1, orders=[{"lines": [{"product": f.ProductFactory().pk, "quantity": "-2"}]}]), "lines"),
    ]
    line = {"product": f.ProductFactory().pk, "quantity": "1"}
    for length in (256, 300, 5000):  # longer than the order's note column: a field error, not a database error
        cases.append((visit_payload(cards.a1, orders=[{"lines": [line], "note": "注" * length}]), "orders"))
    for payload, field in cases:
        response = client.post("/api/visits/", payload, format="json")
        assert response.status_code == 400, (field, response.json())
        assert field in response.json(), (field, response.json())
    assert not Visit.objects.exists() and not Order.objects.exists()


def test_an_account_the_rep_cannot_log_a_visit_at_is_a_400_on_distributor(org, cards, api_for):
    """Another team's account, a missing id, an id out of the column's range: "does not exist"; not an id at all:
    "incorrect type" (the same answers as any related field's); nothing saved."""
    client = api_for(org.rep_a1)
    missing = max(cards.a1.pk, cards.b1.pk) + 1000
    for value, expected in [
        (cards.b1.pk, f'Invalid pk "{cards.b1.pk}" - object does not exist.'),
        (cards.a2.pk, f'Invalid pk "{cards.a2.pk}" - object does not exist.'),  # same region, another team
        (missing, f'Invalid pk "{missing}" - object does not exist.'),
        (10**30, f'Invalid pk "{10**30}" - object does not exist.'),
        ("abc", "Incorrect type. Expected pk value, received str."),
        (True, "Incorrect type. Expected pk value, received bool."),
        ([cards.a1.pk], "Incorrect type. Expected pk value, received list."),
    ]:
        response = client.post("/api/visits/", {**visit_payload(cards.a1), "distributor": value}, format="json")
        assert response.status_code == 400, (value, response.json())
        assert response.json()["distributor"] == [expected], value
    assert not Visit.objects.exists()


def test_kam_logs_for_a_rep_of_the_team(org, cards, api_for):
    response = api_for(org.kam_a1).post("/api/visits/", visit_payload(cards.a1b, rep=org.rep_a1b.pk), format="json")
    assert response.status_code == 201 and response.json()["rep"] == org.rep_a1b.pk


def test_visits_orders_and_reports_of_another_team_are_404(org, cards, api_for):
    visit = api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1), format="json").json()
    report = api_for(org.rep_a1).post("/api/daily-reports/", {"date": str(timezone.localdate())}).json()
    outsider = api_for(org.rep_b1)
    assert outsider.get(f"/api/visits/{visit['id']}/").status_code == 404
    assert outsider.patch(f"/api/visits/{visit['id']}/", {"outcome": "x"}).status_code == 404
    assert outsider.get(f"/api/daily-reports/{report['id']}/").status_code == 404
    assert outsider.post(f"/api/daily-reports/{report['id']}/submit/").status_code == 404
    assert outsider.get("/api/visits/").json()["count"] == 0
    teammate = api_for(org.rep_a1b)
    assert teammate.get(f"/api/visits/{visit['id']}/").status_code == 404  # a rep sees only their own work
    assert api_for(org.kam_a1).get(f"/api/visits/{visit['id']}/").status_code == 200


def test_daily_report_submit_and_reopen_through_the_api(org, cards, api_for):
    rep, kam = api_for(org.rep_a1), api_for(org.kam_a1)
    api_for(org.rep_a1).post(
        "/api/visits/", visit_payload(cards.a1, collected_amount="300.00", collection_method="cash"), format="json"
    )
    report = rep.post("/api/daily-reports/", {"date": str(timezone.localdate()), "happenings": "Good day"}).json()
    assert len(report["visits"]) == 1 and report["collected"] == "300.00"
    assert rep.post(f"/api/daily-reports/{report['id']}/submit/").json()["state"] == "submitted"
    again = rep.post(f"/api/daily-reports/{report['id']}/submit/")
    assert again.status_code == 400
    locked = rep.patch(f"/api/daily-reports/{report['id']}/", {"problems": "late"})
    assert locked.status_code == 400
    assert rep.post(f"/api/daily-reports/{report['id']}/reopen/").status_code == 403
    assert (
        kam.post(f"/api/daily-reports/{report['id']}/reopen/", {"comment": "add prices"}).json()["state"] == "reopened"
    )
    assert DailyReport.objects.get(pk=report["id"]).state == "reopened"


def test_orders_api_status_and_no_delete(org, cards, api_for):
    product = f.ProductFactory(unit_price=Decimal("10.00"), unit_cost=Decimal("6.00"))
    client = api_for(org.kam_a1)
    order = client.post(
        "/api/orders/",
        {"distributor": cards.a1.pk, "rep": org.rep_a1.pk, "lines": [{"product": product.pk, "quantity": "3"}]},
        format="json",
    )
    assert order.status_code == 201, order.json()
    oid = order.json()["id"]
    assert client.post(f"/api/orders/{oid}/status/", {"status": "shipped"}).status_code == 400  # not yet confirmed
    assert client.post(f"/api/orders/{oid}/status/", {"status": "confirmed"}).json()["status"] == "confirmed"
    assert client.delete(f"/api/orders/{oid}/").status_code == 405
    assert api_for(org.rep_b1).get(f"/api/orders/{oid}/").status_code == 404
    assert api_for(org.finance).post(
        "/api/orders/", {"distributor": cards.a1.pk, "lines": []}, format="json"
    ).status_code in (400, 403)


def test_overdue_endpoint(org, cards, api_for):
    body = api_for(org.rep_a1).get("/api/visits/overdue/").json()
    assert set(body) == {"count", "next", "previous", "results"}


def test_photo_upload_goes_through_storage_and_scope(org, cards, api_for):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    visit = api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1), format="json").json()
    upload = SimpleUploadedFile("shelf.png", buffer.getvalue(), content_type="image/png")
    response = api_for(org.rep_a1).post(
        f"/api/visits/{visit['id']}/photos/", {"kind": "display", "image": upload}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert Visit.objects.get(pk=visit["id"]).photos.get().image.name.endswith(".png")
    not_an_image = SimpleUploadedFile("x.png", b"not an image", content_type="image/png")
    bad = api_for(org.rep_a1).post(
        f"/api/visits/{visit['id']}/photos/", {"kind": "display", "image": not_an_image}, format="multipart"
    )
    assert bad.status_code == 400 and "image" in bad.json()
    assert (
        api_for(org.rep_b1)
        .post(f"/api/visits/{visit['id']}/photos/", {"kind": "display"}, format="multipart")
        .status_code
        == 404
    )
