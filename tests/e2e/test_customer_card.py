"""End-to-end in real headless Chromium: a rep on a phone finds an account and adds a contact."""

import pytest
from playwright.sync_api import expect

from distributors.models import Contact
from tests import factories as f
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_rep_finds_an_account_and_adds_a_contact(phone):
    rep = f.RepFactory(username="rep_phone")
    f.DistributorFactory(code="SH-0100", name="上海华联食品贸易有限公司", short_name="华联食品", owner=rep)
    f.DistributorFactory(code="SH-0200", name="Other Foods", owner=rep)

    log_in(phone, "rep_phone")

    phone.goto("/distributors/")
    phone.get_by_placeholder("Name, code or city").fill("华联")
    # HTMX swaps the table while typing; only the match stays.
    expect(phone.locator("#results tbody tr")).to_have_count(1)
    phone.locator("#results").get_by_role("link", name="SH-0100").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text("华联食品")

    phone.locator("#contacts-tab").click()
    phone.locator("#add-contact").click()
    phone.get_by_label("Name").fill("王建国")
    phone.get_by_label("Role in the business").fill("采购经理")
    phone.get_by_label("Mobile").fill("13912345678")
    phone.get_by_label("Hobbies").fill("钓鱼")
    phone.get_by_role("button", name="Save").click()

    expect(phone.locator(".alert-success")).to_contain_text("Contact saved.")
    phone.locator("#contacts-tab").click()
    expect(phone.locator("#contacts")).to_contain_text("王建国")
    contact = Contact.objects.get(name="王建国")
    assert contact.is_primary and contact.mobile == "13912345678"
