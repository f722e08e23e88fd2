"""Issue 13, locked days: a submitted day says so before the rep starts (no Edit, no "Log a visit", a banner);
a visit logged for it afterwards is kept as a late entry the KAM accepts or rejects — nothing lost."""

from decimal import Decimal

import pytest

from reports.cycle import services
from reports.models import LateEntry, Order, OrderStatus, Visit
from tests import factories as f
from tests.reports.helpers import earlier_today
from tests.reports.test_views import log_visit, visit_post


@pytest.fixture
def locked_day(org, cards):
    visit = log_visit(org.rep_a1, cards.a1, outcome="Morning call")
    report = services.daily_report_for(rep=org.rep_a1, day=visit.visit_date)
    services.submit_daily_report(report=report, by=org.rep_a1)
    return visit


def test_a_submitted_day_offers_no_edit_and_says_why(org, locked_day, client_for):
    client = client_for(org.rep_a1)
    detail = client.get(f"/reports/visits/{locked_day.pk}/").content.decode()
    assert 'id="day-locked"' in detail and f"/reports/visits/{locked_day.pk}/edit/" not in detail
    edit = client.get(f"/reports/visits/{locked_day.pk}/edit/").content.decode()
    assert 'id="day-locked"' in edit and 'id="visit-form"' not in edit
    day = client.get("/reports/day/").content.decode()
    assert 'id="day-locked"' in day and 'id="log-late"' in day
    assert 'id="today-locked"' in client.get("/reports/visits/new/").content.decode()
    # The KAM may still correct the rep's day: the Edit button stays for them.
    assert (
        f"/reports/visits/{locked_day.pk}/edit/"
        in client_for(org.kam_a1).get(f"/reports/visits/{locked_day.pk}/").content.decode()
    )


def test_an_evening_visit_becomes_a_late_entry_the_kam_rejects_losing_nothing(org, cards, locked_day, client_for):
    product = f.ProductFactory(unit_price=Decimal("20.00"))
    response = client_for(org.rep_a1).post(
        "/reports/visits/new/",
        visit_post(cards.a1_second, outcome="Evening call", **{"lines-0-product": product.pk, "lines-0-quantity": "5"}),
    )
    assert response.status_code == 302
    late = Visit.objects.get(outcome="Evening call")
    assert late.late_entry == LateEntry.PENDING and late.orders.get().amount == Decimal("100.00")

    other_kam = client_for(org.kam_a2)
    assert f"/reports/visits/{late.pk}/" not in other_kam.get("/reports/team-days/").content.decode()
    assert other_kam.post(f"/reports/visits/{late.pk}/late/", {"decision": "accept"}).status_code == 404
    assert client_for(org.rep_a1).post(f"/reports/visits/{late.pk}/late/", {"decision": "accept"}).status_code == 403

    kam = client_for(org.kam_a1)
    assert 'id="late-visits"' in kam.get("/reports/team-days/").content.decode()
    kam.post(f"/reports/visits/{late.pk}/late/", {"decision": "reject", "note": "Log it on time", "back": "team"})

    late.refresh_from_db()
    assert late.late_entry == LateEntry.REJECTED and late.late_decided_by == org.kam_a1
    assert Order.objects.get(visit=late).status == OrderStatus.CANCELLED  # kept, cancelled, never deleted
    assert "Log it on time" in client_for(org.rep_a1).get(f"/reports/visits/{late.pk}/").content.decode()


def test_late_entry_through_the_api(org, cards, locked_day, api_for):
    start, _end = earlier_today()
    created = api_for(org.rep_a1).post(
        "/api/visits/", {"distributor": cards.a1.pk, "started_at": start.isoformat()}, format="json"
    )
    assert created.status_code == 201 and created.json()["late_entry"] == "pending"
    pk = created.json()["id"]
    listed = api_for(org.kam_a1).get("/api/visits/?late_entry=pending").json()["results"]
    assert [v["id"] for v in listed] == [pk]

    assert api_for(org.kam_b1).post(f"/api/visits/{pk}/late-decision/", {"decision": "accept"}).status_code == 404
    assert api_for(org.rep_a1).post(f"/api/visits/{pk}/late-decision/", {"decision": "accept"}).status_code == 403
    assert api_for(org.kam_a1).post(f"/api/visits/{pk}/late-decision/", {"decision": "maybe"}).status_code == 400
    accepted = api_for(org.kam_a1).post(f"/api/visits/{pk}/late-decision/", {"decision": "accept"})
    assert accepted.status_code == 200 and accepted.json()["late_entry"] == "accepted"
    again = api_for(org.kam_a1).post(f"/api/visits/{pk}/late-decision/", {"decision": "reject"})
    assert again.status_code == 400 and Visit.objects.get(pk=pk).late_entry == LateEntry.ACCEPTED
    # An edit of a locked day's visit is still refused for the rep (400), not turned into a late entry.
    assert api_for(org.rep_a1).patch(f"/api/visits/{pk}/", {"outcome": "x"}, format="json").status_code == 400
