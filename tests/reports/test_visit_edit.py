"""Issue 13: the visit form keeps everything — edit shows and keeps every saved value, a corrected order line
changes that order (audited), lines come and go freely, the credit check shows before saving; checkboxes and
labels work for everyone."""

import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from kamcrm.audit.models import AuditEvent
from reports.models import Order, OrderStatus, Visit
from tests import factories as f
from tests.reports.factories import ServiceStrategyFactory
from tests.reports.helpers import earlier_today, form_post_data, read_form
from tests.reports.test_views import visit_post


def _jpeg() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 200)).save(buffer, "JPEG")
    return SimpleUploadedFile("shelf.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def full_visit(org, cards, client_for):
    """A visit logged through the form with a value in every section: contacts, order lines, money, brands,
    stock, strategies and a photo."""
    buyer, boss = f.ContactFactory(distributor=cards.a1, name="陈经理"), f.ContactFactory(distributor=cards.a1)
    juice, tea = (f.ProductFactory(unit_price=Decimal(p)) for p in ("66.00", "12.50"))
    brand, other_brand = f.BrandFactory(), f.BrandFactory()
    strategy = ServiceStrategyFactory()
    response = client_for(org.rep_a1).post(
        "/reports/visits/new/",
        visit_post(
            cards.a1,
            outcome="补货",
            contacts_met=[buyer.pk, boss.pk],
            brands_discussed=[brand.pk, other_brand.pk],
            strategies=[strategy.pk],
            collected_amount="300.00",
            collection_method="cash",
            display=_jpeg(),
            **{
                "lines-TOTAL_FORMS": "2",
                "lines-0-product": juice.pk,
                "lines-0-quantity": "10",
                "lines-1-product": tea.pk,
                "lines-1-quantity": "4",
                "lines-1-unit_price": "11.00",
                "stock-0-brand": brand.pk,
                "stock-0-units": "24",
            },
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return Visit.objects.get()


def _state(visit: Visit) -> dict:
    visit.refresh_from_db()
    return {
        "contacts": sorted(c.pk for c in visit.contacts_met.all()),
        "brands": sorted(b.pk for b in visit.brands_discussed.all()),
        "strategies": sorted(s.pk for s in visit.strategies.all()),
        "stock": sorted((s.brand_id, s.units) for s in visit.stock_seen.all()),
        "collected": (visit.collected_amount, visit.collection_method),
        "outcome": visit.outcome,
        "photos": visit.photos.count(),
        "orders": [
            (o.pk, o.status, o.amount, [(ln.product_id, ln.quantity, ln.unit_price) for ln in o.lines.order_by("pk")])
            for o in Order.objects.order_by("pk")
        ],
    }


def test_saving_the_edit_page_unchanged_keeps_every_value(org, full_visit, client_for):
    before = _state(full_visit)
    assert before["contacts"] and before["brands"] and before["strategies"] and before["stock"] and before["photos"]
    client = client_for(org.rep_a1)
    page = client.get(f"/reports/visits/{full_visit.pk}/edit/").content.decode()
    data = form_post_data(page, "visit-form")
    assert sorted(int(v) for v in data["contacts_met"]) == before["contacts"]  # ticked as saved
    assert 'id="saved-photos"' in page

    response = client.post(f"/reports/visits/{full_visit.pk}/edit/", data)

    assert response.status_code == 302
    assert _state(full_visit) == before  # nothing erased, no second order
    assert not AuditEvent.objects.filter(action="order_changed").exists()


def test_a_corrected_line_changes_that_order_and_lines_come_and_go(org, full_visit, client_for):
    client = client_for(org.rep_a1)
    order = Order.objects.get()
    data = form_post_data(client.get(f"/reports/visits/{full_visit.pk}/edit/").content.decode(), "visit-form")
    extra = f.ProductFactory(unit_price=Decimal("5.00"))
    data.update(
        {
            "lines-0-quantity": ["12"],  # corrected
            "lines-1-product": [""],  # removed
            "lines-1-quantity": [""],
            "lines-1-unit_price": [""],
            "lines-TOTAL_FORMS": [str(int(data["lines-TOTAL_FORMS"][0]) + 1)],
            "lines-3-product": [str(extra.pk)],  # added (after the spare empty row)
            "lines-3-quantity": ["3"],
        }
    )

    assert client.post(f"/reports/visits/{full_visit.pk}/edit/", data).status_code == 302

    order.refresh_from_db()
    assert Order.objects.count() == 1 and order.status == OrderStatus.TAKEN
    assert order.amount == Decimal("12") * Decimal("66.00") + Decimal("15.00")
    event = AuditEvent.objects.for_object(order).get(action="order_changed")
    assert event.actor == org.rep_a1 and len(event.before["lines"]) == 2 and len(event.after["lines"]) == 2

    # Every line removed: the order is cancelled (kept, audited), never a second one, never deleted.
    for key in [k for k in data if k.startswith("lines-") and k[6].isdigit()]:
        data[key] = [""]
    assert client.post(f"/reports/visits/{full_visit.pk}/edit/", data).status_code == 302
    order.refresh_from_db()
    assert Order.objects.count() == 1 and order.status == OrderStatus.CANCELLED


def test_a_confirmed_order_is_shown_not_changed(org, full_visit, client_for):
    order = Order.objects.get()
    order.status = OrderStatus.CONFIRMED
    order.save()
    client = client_for(org.rep_a1)
    page = client.get(f"/reports/visits/{full_visit.pk}/edit/").content.decode()
    assert f"Order #{order.pk}" in page
    data = form_post_data(page, "visit-form")
    assert data["lines-0-product"] == [""]  # the form offers a new order, not the confirmed one's lines
    assert client.post(f"/reports/visits/{full_visit.pk}/edit/", data).status_code == 302
    assert Order.objects.get().amount == order.amount


def test_every_checkbox_shows_its_state_and_every_input_has_a_label(org, full_visit, client_for):
    page = client_for(org.rep_a1).get(f"/reports/visits/{full_visit.pk}/edit/").content.decode()
    form = read_form(page, "visit-form")
    boxes = [c for c in form.controls if c.get("type") == "checkbox"]
    assert boxes and all("form-check-input" in c.get("class", "") for c in boxes)
    assert not any("form-control" in c.get("class", "") for c in boxes)
    visible = [c for c in form.controls if c.get("type") not in ("hidden",)]
    unlabelled = [
        c for c in visible if c.get("id") not in form.labelled and not c.get("aria-label") and not c["wrapped_in_label"]
    ]
    assert unlabelled == []


@pytest.mark.parametrize(
    ("limit", "amount", "warns"),
    [("1000.00", "999.99", False), ("1000.00", "1000.01", True), ("0.00", "0.01", True), ("50000.00", "0", False)],
)
def test_credit_check_while_typing_is_the_rule_the_save_applies(org, cards, api_for, limit, amount, warns):
    cards.a1.credit_limit = Decimal(limit)
    cards.a1.save()
    check = api_for(org.rep_a1).get(f"/api/visits/credit-check/?distributor={cards.a1.pk}&amount={amount}")
    assert check.status_code == 200
    assert bool(check.json()["message"]) is warns
    product = f.ProductFactory(unit_price=Decimal(amount) if Decimal(amount) else Decimal("1.00"))
    if Decimal(amount):
        saved = api_for(org.rep_a1).post(
            "/api/visits/",
            {
                "distributor": cards.a1.pk,
                "started_at": _now(),
                "orders": [{"lines": [{"product": product.pk, "quantity": "1"}]}],
            },
            format="json",
        )
        assert saved.status_code == 201, saved.json()
        assert Order.objects.get().amount == Decimal(amount)


def _now() -> str:
    return earlier_today()[0].isoformat()


def test_credit_check_of_an_edited_visit_counts_only_the_difference(org, full_visit, api_for):
    order = Order.objects.get()
    full_visit.distributor.credit_limit = order.amount - 1
    full_visit.distributor.save()
    api = api_for(org.rep_a1)
    url = f"/api/visits/credit-check/?distributor={full_visit.distributor_id}&amount={order.amount}"
    assert api.get(url).json()["message"]  # as a new order it would go over
    assert api.get(url + f"&visit={full_visit.pk}").json()["message"] == ""  # the same order, corrected: fine


def test_credit_check_is_scoped(org, cards, full_visit, api_for, client_for):
    assert api_for(org.rep_b1).get(f"/api/visits/credit-check/?distributor={cards.a1.pk}&amount=1").status_code == 400
    check = api_for(org.rep_b1).get(
        f"/api/visits/credit-check/?distributor={cards.b1.pk}&amount=1&visit={full_visit.pk}"
    )
    assert check.status_code == 400
    assert client_for(org.rep_b1).get(f"/reports/visits/{full_visit.pk}/edit/").status_code == 404
