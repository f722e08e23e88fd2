"""End-to-end in real headless Chromium: a regional manager opens the region dashboard and drills down to a rep."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from reports.analytics.rollups import services as rollups
from reports.models import Order
from tests import factories as f
from tests.e2e.test_plans import _log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_regional_manager_drills_down_from_the_region_to_a_rep(browser, live_server):
    region = f.RegionFactory(name="East China")
    shanghai = f.TeamFactory(name="Shanghai", region=region)
    hangzhou = f.TeamFactory(name="Hangzhou", region=region)
    f.KamFactory(username="kam_sh", team=shanghai)
    rep = f.RepFactory(username="rep_sh", team=shanghai, first_name="Wei", last_name="Zhang")
    other = f.RepFactory(username="rep_hz", team=hangzhou, first_name="Yang", last_name="Liu")
    f.RegionalManagerFactory(username="rm_east", region=region)
    today = timezone.localdate()
    for owner, code, amount in ((rep, "SH-1", "1234.50"), (other, "HZ-1", "800.00")):
        account = f.DistributorFactory(code=code, short_name=f"{code} 商贸", owner=owner)
        Order.objects.create(
            distributor=account,
            rep=owner,
            order_date=today - timedelta(days=today.day - 1),
            status="confirmed",
            amount=Decimal(amount),
            gross_profit=Decimal("100.00"),
            created_by=owner,
        )
    rollups.rebuild()

    page = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url).new_page()
    _log_in(page, "rm_east")
    page.get_by_role("link", name="Dashboard", exact=True).click()
    expect(page.locator("#dashboard-title")).to_contain_text("East China")
    expect(page.locator("#figures")).to_contain_text("2,034.50")
    ranking = page.locator("#ranking")
    expect(ranking).to_contain_text("Shanghai")
    expect(ranking).to_contain_text("Hangzhou")
    expect(page.locator("#ranking-chart svg")).to_be_visible()  # ECharts drew the ranking
    expect(page.locator("#trend-table")).to_contain_text(f"{today:%Y-%m}")  # loaded by htmx after the page

    ranking.get_by_role("link", name="Shanghai").click()
    expect(page.locator("#dashboard-title")).to_contain_text("Shanghai")
    expect(page.get_by_role("navigation", name="Drill-down")).to_contain_text("East China")
    page.locator("#ranking").get_by_role("link", name="Wei Zhang").click()
    expect(page.locator("#dashboard-title")).to_contain_text("Wei Zhang")
    expect(page.locator("#figures")).to_contain_text("1,234.50")
    expect(page.locator("#ranking")).to_contain_text("SH-1 商贸")
