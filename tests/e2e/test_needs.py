"""End-to-end on a phone: the visit form suggests the strategy combination for the chosen account's open needs,
and a need the rep ticks opens on the account."""

from importlib import import_module

import pytest
from django.apps import apps
from django.utils import timezone
from playwright.sync_api import expect

from reports.models import AccountNeed, Need
from tests import factories as f
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_visit_form_suggests_the_combination_for_the_accounts_open_needs(phone):
    import_module("reports.migrations.0024_need_catalogue").create(apps, None)
    rep = f.RepFactory(username="rep_needs")
    stocked = f.DistributorFactory(code="SH-0401", name="上海丰泽副食", short_name="丰泽副食", owner=rep)
    quiet = f.DistributorFactory(code="SH-0402", name="上海恒昌超市", short_name="恒昌超市", owner=rep)
    AccountNeed.objects.create(
        distributor=stocked,
        need=Need.objects.get(code="out-of-stock"),
        source="observation",
        opened_on=timezone.localdate(),
        opened_by=rep,
    )

    log_in(phone, "rep_needs")

    phone.goto("/reports/visits/new/")
    phone.locator("#account-search").fill("丰泽")
    phone.get_by_text("丰泽副食").click()
    expect(phone.locator("#strategy-suggestion")).to_contain_text("Out of stock")
    expect(phone.locator("#strategy-suggestion")).to_contain_text("KZB01")
    phone.locator("#account-search").fill("恒昌")
    phone.get_by_text("恒昌超市").click()
    expect(phone.locator("#strategy-suggestion")).to_contain_text("No open needs at this account.")

    phone.get_by_text("Brands, stock, strategies and needs").click()
    phone.get_by_role("checkbox", name="Near-expiry stock", exact=True).check()
    phone.get_by_role("button", name="Save visit").click()
    expect(phone.locator(".alert-success")).to_contain_text("Visit to 恒昌超市 saved.")
    assert AccountNeed.objects.get(distributor=quiet).need.code == "near-expiry"
