from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from reports.models import DailyReport, Order, Visit
from reports.visits import services
from tests import factories as f
from tests.reports.helpers import earlier_today


def log_visit(rep, distributor, **fields):
    start, end = earlier_today()
    return services.save_visit(
        visit=Visit(rep=rep, distributor=distributor, started_at=start, ended_at=end, **fields), by=rep
    )


def visit_post(distributor, **extra):
    start, end = earlier_today()
    data = {
        "distributor": distributor.pk,
        "kind": "in_person",
        "purpose": "order_taking",
        "started_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ended_at": end.strftime("%Y-%m-%dT%H:%M"),
        "collected_amount": "0",
        "stock-TOTAL_FORMS": "2",
        "stock-INITIAL_FORMS": "0",
        "lines-TOTAL_FORMS": "3",
        "lines-INITIAL_FORMS": "0",
    }
    data.update(extra)
    return data


def test_visit_form_search_and_contacts(org, cards, client_for):
    f.ContactFactory(distributor=cards.a1, name="陈经理")
    client = client_for(org.rep_a1)
    page = client.get("/reports/visits/new/")
    assert page.status_code == 200 and b'name="client_ref"' in page.content
    options = client.get("/reports/visits/accounts/?q=blue", HTTP_HX_REQUEST="true").content.decode()
    assert "A1-002" in options and "A1-001" not in options
    assert "B1-001" not in client.get("/reports/visits/accounts/?q=rivers").content.decode()
    contacts = client.get(f"/reports/visits/accounts/?contacts={cards.a1.pk}").content.decode()
    assert "陈经理" in contacts
    assert client.get(f"/reports/visits/accounts/?contacts={cards.b1.pk}").status_code == 404


def test_rep_logs_a_visit_with_an_order_in_the_browser(org, cards, client_for):
    product = f.ProductFactory(unit_price=Decimal("25.00"), unit_cost=Decimal("15.00"))
    client = client_for(org.rep_a1)
    bad = client.post(
        "/reports/visits/new/", visit_post(cards.a1, **{"lines-0-product": product.pk, "lines-0-quantity": "-3"})
    )
    assert bad.status_code == 200 and not Visit.objects.exists()
    response = client.post(
        "/reports/visits/new/",
        visit_post(
            cards.a1,
            outcome="OK",
            collected_amount="500.00",
            collection_method="cash",
            **{"lines-0-product": product.pk, "lines-0-quantity": "4"},
        ),
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"].startswith(f"/reports/visits/{visit.pk}/")
    assert visit.orders.get().amount == Decimal("100.00") and visit.collected_amount == Decimal("500.00")
    detail = client.get(response["Location"]).content.decode()
    assert "100.00" in detail and "500.00" in detail


def test_daily_report_page_submit_and_lock(org, cards, client_for):
    log_visit(org.rep_a1, cards.a1, outcome="Met the buyer")
    client = client_for(org.rep_a1)
    today = timezone.localdate().isoformat()
    page = client.get("/reports/day/").content.decode()
    assert "Met the buyer" in page and "Not submitted" in page
    client.post(f"/reports/day/{today}/", {"happenings": "Long day", "submit": "1"})
    report = DailyReport.objects.get(rep=org.rep_a1)
    assert report.is_locked and report.happenings == "Long day"
    locked = client.post(f"/reports/day/{today}/", {"happenings": "Changed", "submit": "1"})
    assert locked.status_code == 200 and "already submitted" in locked.content.decode()
    assert "Changed" not in locked.content.decode()
    report.refresh_from_db()
    assert report.happenings == "Long day"
    assert client.get("/reports/day/not-a-date/").status_code == 404


def test_kam_sees_missing_reports_reviews_and_reopens(org, cards, client_for):
    yesterday = timezone.localdate() - timedelta(days=1)
    report = DailyReport.objects.create(rep=org.rep_a1, date=yesterday, state="submitted", submitted_at=timezone.now())
    kam = client_for(org.kam_a1)
    page = kam.get(f"/reports/team-days/?date={yesterday.isoformat()}").content.decode()
    assert "missing-reports" in page and org.rep_a1b.display_name in page
    assert org.rep_a2.display_name not in page  # another team
    kam.post(f"/reports/team-days/{report.pk}/", {"text": "Good work", "review": "1"})
    report.refresh_from_db()
    assert report.reviewed_by == org.kam_a1
    kam.post(f"/reports/team-days/{report.pk}/", {"text": "Please add the order", "reopen": "1"})
    report.refresh_from_db()
    assert report.state == "reopened"
    rep_page = client_for(org.rep_a1).get(f"/reports/day/{yesterday.isoformat()}/").content.decode()
    assert "Please add the order" in rep_page and "Good work" in rep_page
    assert client_for(org.kam_a2).get(f"/reports/team-days/{report.pk}/").status_code == 404
    assert client_for(org.rep_a1).get("/reports/team-days/").status_code == 403


def test_scope_of_visit_and_order_pages(org, cards, client_for):
    visit = log_visit(org.rep_a1, cards.a1)
    order = services.save_order(
        order=Order(distributor=cards.a1, rep=org.rep_a1, order_date=timezone.localdate()),
        lines=[services.LineInput(product=f.ProductFactory(), quantity=Decimal("1"))],
        by=org.rep_a1,
    )
    for path in (
        f"/reports/visits/{visit.pk}/",
        f"/reports/visits/{visit.pk}/edit/",
        f"/reports/orders/{order.pk}/",
        f"/reports/orders/{order.pk}/edit/",
    ):
        assert client_for(org.rep_b1).get(path).status_code == 404, path
        assert client_for(org.kam_a1).get(path).status_code == 200, path
    assert "Acme" not in client_for(org.rep_b1).get("/reports/visits/").content.decode()


def test_order_pages_create_and_confirm(org, cards, client_for):
    product = f.ProductFactory(unit_price=Decimal("9.99"), unit_cost=Decimal("5.00"))
    client = client_for(org.kam_a1)
    response = client.post(
        "/reports/orders/new/",
        {
            "distributor": cards.a1.pk,
            "rep": org.rep_a1.pk,
            "order_date": timezone.localdate().isoformat(),
            "lines-TOTAL_FORMS": "3",
            "lines-INITIAL_FORMS": "0",
            "lines-0-product": product.pk,
            "lines-0-quantity": "3",
        },
    )
    order = Order.objects.get()
    assert response.status_code == 302 and order.amount == Decimal("29.97") and order.gross_profit == Decimal("14.97")
    client.post(f"/reports/orders/{order.pk}/status/", {"status": "confirmed"})
    order.refresh_from_db()
    assert order.status == "confirmed"
    listing = client.get("/reports/orders/?status=confirmed").content.decode()
    assert "29.97" in listing


def test_overdue_page(org, cards, client_for):
    page = client_for(org.rep_a1).get("/reports/visits/overdue/")
    assert page.status_code == 200
