"""End-to-end on a phone: a rep logs a visit with an order, then submits the day."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from reports.models import DailyReport, Order, Visit
from tests import factories as f
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rep_logs_a_visit_with_an_order_and_submits_the_day(phone):
    rep = f.RepFactory(username="rep_day")
    f.DistributorFactory(code="SH-0300", name="上海鑫源商贸有限公司", short_name="鑫源商贸", owner=rep)
    f.ProductFactory(name="鲜悦橙汁 1L×12", unit_price=Decimal("66.00"), unit_cost=Decimal("41.50"))

    log_in(phone, "rep_day")

    phone.goto("/reports/visits/new/")
    phone.locator("#account-search").fill("鑫源")
    phone.get_by_text("鑫源商贸").click()
    phone.get_by_label("Outcome").fill("补货并确认春节促销")
    phone.locator("[name=lines-0-product]").select_option(label="鲜悦橙汁 1L×12 · 66.00")
    phone.locator("[name=lines-0-quantity]").fill("10")
    expect(phone.locator("#order-total")).to_contain_text("660.00")
    phone.get_by_role("button", name="Save visit").click()

    expect(phone.locator(".alert-success")).to_contain_text("Visit to 鑫源商贸 saved.")
    visit = Visit.objects.get()
    assert visit.orders.get().amount == Decimal("660.00")
    # The saved visit's page forgets the browser draft.
    assert phone.evaluate("Object.keys(localStorage).filter(k => k.startsWith('visit-draft-')).length") == 0

    phone.get_by_role("link", name="Daily report").click()
    expect(phone.locator("#day-visits")).to_have_text("1")
    expect(phone.locator("#day-orders")).to_have_text("660.00")
    phone.get_by_label("What happened").fill("拜访顺利")
    phone.once("dialog", lambda dialog: dialog.accept())
    phone.locator("#submit-day").click()
    expect(phone.locator("#day-state")).to_contain_text("Submitted")
    report = DailyReport.objects.get(rep=rep)
    assert report.is_locked and report.happenings == "拜访顺利"
    assert Order.objects.count() == 1
