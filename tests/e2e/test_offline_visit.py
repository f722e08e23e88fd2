"""End-to-end at 360 px, offline for real (issue 13): after one online visit the form opens with no connection,
a visit with a photo is logged offline, survives a reload in the outbox, and is saved once, with its photo,
when the connection returns. Also: an edited visit keeps every value and its order changes, not duplicated."""

from decimal import Decimal

import pytest
from PIL import Image
from playwright.sync_api import expect

from reports.models import Order, Visit
from tests import factories as f
from tests.e2e.pages import log_in
from tests.factories import PASSWORD
from tests.reports.test_day_plan import _plan_day

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.service_worker
def test_a_visit_logged_offline_with_a_photo_is_saved_once_when_the_connection_returns(phone, tmp_path):
    rep = f.RepFactory(username="rep_offline")
    f.DistributorFactory(code="SH-0301", name="上海鑫源商贸有限公司", short_name="鑫源商贸", owner=rep)
    second = f.DistributorFactory(code="SH-0302", name="上海联华超市有限公司", short_name="联华超市", owner=rep)
    f.ContactFactory(distributor=second, name="王经理")
    photo = tmp_path / "shelf.jpg"
    Image.new("RGB", (64, 48), (200, 40, 40)).save(photo, "JPEG")
    log_in(phone, "rep_offline")

    # One online visit: the service worker installs and keeps the form, the app shell and the accounts.
    phone.goto("/reports/visits/new/")
    phone.locator("#account-search").fill("鑫源")
    phone.get_by_text("鑫源商贸").click()
    phone.get_by_role("button", name="Save visit").click()
    expect(phone.locator(".alert-success")).to_contain_text("Visit to 鑫源商贸 saved.")
    phone.goto("/reports/visits/new/")
    expect(phone.locator("html")).to_have_attribute("data-offline-ready", "1")

    phone.context.set_offline(True)
    phone.reload()
    expect(phone.locator("#visit-form")).to_be_visible()
    assert phone.evaluate("navigator.serviceWorker.controller !== null && !navigator.onLine")
    phone.locator("#account-search").fill("联华")
    phone.locator("#account-search").press("Enter")  # "Go" on the phone keyboard: searches, never submits
    phone.get_by_text("联华超市").click()
    phone.get_by_label("王经理").check()
    phone.get_by_label("Outcome").fill("离线拜访")
    phone.get_by_text("Follow-up and photos").click()
    phone.get_by_label("Display photos").set_input_files(str(photo))
    # Saving offline puts the visit in the outbox, then opens a fresh form: wait for that page, or the reload
    # below races the form's own navigation ("interrupted by another navigation", seen once in CI).
    with phone.expect_navigation():
        phone.get_by_role("button", name="Save visit").click()
    expect(phone.locator("#outbox-count")).to_have_text("1 visit waiting to send")
    phone.goto(phone.url)  # a reload, through the service worker
    expect(phone.locator("#outbox-count")).to_have_text("1 visit waiting to send")
    assert Visit.objects.count() == 1

    phone.context.set_offline(False)
    expect(phone.locator("#outbox")).to_be_hidden()
    visit = Visit.objects.get(outcome="离线拜访")
    assert visit.distributor == second and [c.name for c in visit.contacts_met.all()] == ["王经理"]
    assert visit.photos.count() == 1
    phone.reload()
    phone.wait_for_timeout(500)  # any second send would happen now
    assert Visit.objects.count() == 2 and visit.photos.count() == 1
    # The worker's background caching after the reload has finished before the test's database is flushed.
    expect(phone.locator("html")).to_have_attribute("data-offline-ready", "1")


def test_editing_a_visit_keeps_every_value_and_changes_its_order(phone):
    rep = f.RepFactory(username="rep_edit")
    account = f.DistributorFactory(code="SH-0310", short_name="鑫源商贸", owner=rep)
    f.ContactFactory(distributor=account, name="陈经理")
    f.ProductFactory(name="鲜悦橙汁 1L×12", unit_price=Decimal("66.00"))
    f.ProductFactory(name="鲜悦绿茶 500ml×24", unit_price=Decimal("48.00"))
    log_in(phone, "rep_edit")
    phone.goto("/reports/visits/new/")
    phone.locator("#account-search").fill("鑫源")
    phone.get_by_text("鑫源商贸").click()
    # The account's contacts come by HTMX; on a loaded machine a tick could land while they were still swapped in.
    phone.wait_for_load_state("networkidle")
    phone.get_by_label("陈经理").check()
    phone.locator("[name=lines-0-product]").select_option(label="鲜悦橙汁 1L×12 · 66.00")
    phone.locator("[name=lines-0-quantity]").fill("10")
    phone.get_by_role("button", name="Add line").click()
    phone.locator("[name=lines-1-product]").select_option(label="鲜悦绿茶 500ml×24 · 48.00")
    phone.locator("[name=lines-1-quantity]").fill("2")
    expect(phone.locator("#order-total")).to_contain_text("756.00")
    phone.get_by_role("button", name="Save visit").click()
    expect(phone.locator(".alert-success")).to_be_visible()

    phone.get_by_role("link", name="Edit").click()
    expect(phone.get_by_label("陈经理")).to_be_checked()
    expect(phone.locator("[name=lines-1-quantity]")).to_have_value("2.00")
    phone.locator("[name=lines-0-quantity]").fill("12")
    phone.locator(".remove-line").nth(1).click()
    phone.get_by_role("button", name="Save visit").click()
    expect(phone.locator(".alert-success")).to_be_visible()

    visit = Visit.objects.get()
    assert [c.name for c in visit.contacts_met.all()] == ["陈经理"]
    order = Order.objects.get()
    assert order.amount == Decimal("792.00") and order.lines.count() == 1


def test_my_day_lists_the_four_kinds_in_route_order_and_logs_a_visit_in_one_tap(phone, org, cards):
    expected = _plan_day(org, cards)
    org.rep_a1.set_password(PASSWORD)
    org.rep_a1.save()
    log_in(phone, "rep_a1")
    expect(phone.locator("#day-plan .plan-item")).to_have_count(4)
    codes = phone.locator("#day-plan .plan-item").evaluate_all("items => items.map(i => i.dataset.account)")
    assert codes == expected
    kinds = phone.locator("#day-plan .plan-item").evaluate_all("items => items.map(i => i.dataset.kinds)")
    assert kinds == ["scheduled", "collect", "overdue", "action"]
    phone.locator("#day-plan .plan-item").nth(1).get_by_role("link", name="Log visit").click()
    expect(phone.locator("#id_purpose")).to_have_value("collection")
    expect(phone.locator("label", has=phone.locator(".account-choice:checked"))).to_contain_text("A1-003")
