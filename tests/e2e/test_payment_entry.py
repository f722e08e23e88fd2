"""End-to-end in real headless Chromium: finance finds the account by name, ticks the invoices a payment is for,
saves, and sees the open amounts change; the rest of the money stays unallocated credit."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from receivables import services
from receivables.models import Invoice, Payment
from tests import factories as f
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser, live_server):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=live_server.url)
    yield context.new_page()
    context.close()


def test_finance_finds_the_account_ticks_invoices_and_sees_the_open_amounts_change(desk):
    today = timezone.localdate()
    finance = f.FinanceFactory(username="fin_pay")
    rep = f.RepFactory(username="rep_pay")
    card = f.DistributorFactory(
        code="HZ-0300", name="杭州联华超市有限公司", short_name="联华超市", city="Hangzhou", owner=rep
    )
    f.DistributorFactory(code="HZ-0400", name="Lianhua Other", city="Ningbo", owner=rep)
    for number, amount, age in (("INV-A", "1000.00", 70), ("INV-B", "500.00", 40), ("INV-C", "300.00", 10)):
        services.record_invoice(
            distributor=card,
            number=number,
            issue_date=today - timedelta(days=age),
            payment_terms_days=30,
            amount=Decimal(amount),
            by=finance,
        )

    log_in(desk, "fin_pay")

    desk.goto("/receivables/payments/new/")
    desk.get_by_label("Find the account").fill("联华")
    desk.locator("[data-account-code='HZ-0300']").click()
    expect(desk.get_by_label("Distributor code")).to_have_value("HZ-0300")
    table = desk.locator("#allocation-table")
    expect(table).to_contain_text("INV-A")
    expect(table.locator("tbody tr")).to_have_count(3)

    desk.locator("#id_amount").fill("800.00")
    expect(desk.get_by_label("Allocate to INV-A")).to_have_value("800.00")  # oldest first, filled in
    desk.get_by_label("Tick INV-A").uncheck()
    desk.get_by_label("Tick INV-B").check()
    desk.get_by_label("Tick INV-C").check()
    expect(desk.get_by_label("Allocate to INV-B")).to_have_value("500.00")
    expect(desk.get_by_label("Allocate to INV-C")).to_have_value("300.00")
    desk.get_by_label("Allocate to INV-C").fill("200.00")
    expect(desk.locator("#unallocated-rest")).to_have_text("100.00")
    desk.get_by_label("Reference").fill("工行-0001")
    desk.get_by_role("button", name="Save payment").click()

    expect(desk.locator(".alert-success")).to_contain_text("700.00 allocated, 100.00 unallocated")
    desk.goto(f"/receivables/accounts/{card.pk}/")
    invoices = desk.locator("#account-invoices")
    expect(invoices).not_to_contain_text("INV-B")  # paid in full
    expect(invoices.locator("tr", has_text="INV-C")).to_contain_text("100.00")
    expect(invoices.locator("tr", has_text="INV-A")).to_contain_text("1,000.00")

    payment = Payment.objects.get()
    assert (payment.amount, payment.unallocated_amount) == (Decimal("800.00"), Decimal("100.00"))
    assert Invoice.objects.get(number="INV-B").open_amount == Decimal("0.00")
    assert Invoice.objects.get(number="INV-C").open_amount == Decimal("100.00")
