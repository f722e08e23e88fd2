"""End-to-end in real headless Chromium: finance works the collections worklist — records a partial payment
and logs a promise to pay."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from receivables import services
from receivables.models import CollectionActivity, Invoice, Payment
from tests import factories as f
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser, live_server):
    """A page in a desktop-sized window, as finance works."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    yield context.new_page()
    context.close()


def test_finance_records_a_partial_payment_from_the_worklist_and_logs_a_promise(desk):
    today = timezone.localdate()
    finance = f.FinanceFactory(username="fin_e2e")
    rep = f.RepFactory(username="rep_e2e")
    card = f.DistributorFactory(code="SH-0100", name="上海华联食品贸易有限公司", short_name="华联食品", owner=rep)
    f.DistributorFactory(code="SH-0200", name="Other Foods", owner=rep)
    for number, amount, age in (("FP-001", "1000.00", 70), ("FP-002", "500.00", 40)):
        services.record_invoice(
            distributor=card,
            number=number,
            issue_date=today - timedelta(days=age),
            payment_terms_days=30,
            amount=Decimal(amount),
            by=finance,
        )

    log_in(desk, "fin_e2e")

    desk.goto("/receivables/worklist/")
    row = desk.locator("#worklist tr[data-code='SH-0100']")
    expect(row).to_contain_text("1,500.00")
    expect(desk.locator("#worklist tbody tr")).to_have_count(1)  # SH-0200 owes nothing
    row.get_by_role("link", name="Record payment").click()

    expect(desk.get_by_role("heading", level=1)).to_have_text("Record payment")
    expect(desk.get_by_label("Distributor code")).to_have_value("SH-0100")
    expect(desk.locator("#open-invoices")).to_contain_text("FP-001")
    desk.get_by_label("Amount").fill("600.00")
    desk.get_by_label("Reference").fill("招行-20261123")
    desk.get_by_role("button", name="Save payment").click()

    # Back on the worklist: the oldest invoice took the money, the rest is still open.
    expect(desk.locator(".alert-success")).to_contain_text("600.00 allocated, 0.00 unallocated")
    row = desk.locator("#worklist tr[data-code='SH-0100']")
    expect(row).to_contain_text("900.00")

    row.get_by_role("link", name="Log activity").click()
    desk.get_by_label("Type").select_option("promise")
    desk.get_by_label("Promised payment date").fill((today + timedelta(days=7)).isoformat())
    desk.get_by_label("Promised amount").fill("900.00")
    desk.get_by_label("Note").fill("财务王经理答应下周五付清")
    desk.get_by_role("button", name="Save").click()

    expect(desk.locator(".alert-success")).to_contain_text("Promise to pay logged for 华联食品")
    row = desk.locator("#worklist tr[data-code='SH-0100']")
    expect(row).to_contain_text("Promised by")

    payment = Payment.objects.get()
    assert (payment.amount, payment.reference, payment.created_by) == (Decimal("600.00"), "招行-20261123", finance)
    assert Invoice.objects.get(number="FP-001").open_amount == Decimal("400.00")
    assert Invoice.objects.get(number="FP-002").open_amount == Decimal("500.00")
    promise = CollectionActivity.objects.get()
    assert (promise.kind, promise.promised_amount, promise.by) == ("promise", Decimal("900.00"), finance)
