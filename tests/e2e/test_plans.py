"""End-to-end in real headless Chromium: a KAM drafts and submits a quarterly plan, a regional manager approves it."""

from decimal import Decimal

import pytest
from playwright.sync_api import expect

from distributors.models import QuarterlyPlan
from tests import factories as f
from tests.e2e.pages import log_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def desk(browser, live_server):
    """A new desktop-sized browser window (each user gets their own: their own session)."""
    contexts = []

    def open_window():
        context = browser.new_context(viewport={"width": 1366, "height": 900}, base_url=live_server.url)
        contexts.append(context)
        return context.new_page()

    yield open_window
    for context in contexts:
        context.close()


def _log_in(page, username: str) -> None:
    log_in(page, username)
    expect(page.locator("body")).to_contain_text("Welcome")  # a rep's home page is My day (h1), others the home page


def test_kam_drafts_and_submits_a_plan_and_the_regional_manager_approves_it(desk):
    region = f.RegionFactory(name="East China")
    team = f.TeamFactory(name="Shanghai", region=region)
    f.KamFactory(username="kam_e2e", team=team)
    rep = f.RepFactory(username="rep_e2e", team=team, first_name="Wei", last_name="Zhang")
    helper = f.RepFactory(username="rep_e2e_2", team=team, first_name="Yang", last_name="Liu")
    f.RegionalManagerFactory(username="rm_e2e", region=region)
    distributor = f.DistributorFactory(
        code="SH-0100", name="上海华联食品贸易有限公司", short_name="华联食品", owner=rep
    )

    kam = desk()
    _log_in(kam, "kam_e2e")
    kam.get_by_role("button", name="Accounts").click()  # the "Accounts" menu holds Plans
    kam.get_by_role("link", name="Plans").click()
    kam.locator("#new-plan").click()
    kam.get_by_label("Distributor").select_option(str(distributor.pk))
    kam.get_by_label("Year").fill("2027")
    kam.get_by_label("Quarter").select_option("2")
    kam.get_by_role("button", name="Next").click()

    expect(kam.get_by_role("heading", level=1)).to_contain_text("2027-Q2")
    kam.get_by_label("Volume (units)").fill("3000")
    kam.get_by_label("Sales amount").fill("300000.01")
    kam.get_by_label("Gross profit").fill("60000")
    kam.get_by_label("Collection amount").fill("280000")
    kam.get_by_label("Outlet coverage").fill("120")
    kam.get_by_label("New outlets").fill("9")
    # The manual months table is hidden until "By hand" is chosen.
    expect(kam.locator("[data-show-when='distribution=manual']")).to_be_hidden()
    kam.get_by_label(rep.display_name).fill("70")
    kam.get_by_label(helper.display_name).fill("20")
    kam.locator("#save-plan").click()
    # 90 % is refused with a clear message and nothing saved.
    expect(kam.locator("#plan-errors")).to_contain_text("not 100")
    assert not QuarterlyPlan.objects.exists()
    kam.get_by_label(helper.display_name).fill("30")
    kam.locator("#save-plan").click()

    expect(kam.locator(".alert-success")).to_contain_text("drafted")
    expect(kam.locator("#plan-status")).to_have_text("Draft")
    expect(kam.locator("#targets")).to_contain_text("100,000.01")  # the first month gets the odd cent
    expect(kam.locator("#rep-splits")).to_contain_text("Yang Liu")
    kam.locator("#submit-comment").fill("请审批 — please approve")
    kam.locator("#submit-plan").click()
    expect(kam.locator("#plan-status")).to_have_text("Submitted")
    expect(kam.locator("#approve-plan")).to_have_count(0)  # a KAM does not approve

    manager = desk()
    _log_in(manager, "rm_e2e")
    manager.goto("/plans/?period=2027-Q2")
    manager.locator("#plan-table").get_by_role("link", name="SH-0100").click()
    expect(manager.locator("#plan-steps")).to_contain_text("请审批")
    manager.locator("#approve-comment").fill("同意")
    manager.locator("#approve-plan").click()
    expect(manager.locator(".alert-success")).to_contain_text("approved")
    expect(manager.locator("#plan-status")).to_have_text("Approved")

    plan = QuarterlyPlan.objects.get()
    assert (plan.status, plan.approved_by.username, plan.submitted_by.username) == ("approved", "rm_e2e", "kam_e2e")
    assert plan.sales_amount == Decimal("300000.01")
    assert [s.action for s in plan.steps.all()] == ["created", "submitted", "approved"]
    kam.reload()
    expect(kam.locator("#plan-status")).to_have_text("Approved")
    expect(kam.locator("#revise-plan")).to_be_visible()
