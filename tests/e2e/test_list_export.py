"""End-to-end in real headless Chromium: the card list's export follows the filters set on the page (HTMX swaps
the table without a reload; the export links must follow), the owner filter is a type-ahead, a filter is saved."""

import csv
import io
from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from accounts.models import SavedFilter
from tests import factories as f
from tests.e2e.test_plans import _log_in, desk  # noqa: F401  (fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _exported_codes(page) -> list[str]:
    """What the export link on screen downloads, fetched in the page's session (as clicking it does)."""
    response = page.request.get(page.locator("#export-csv").get_attribute("href"))
    assert response.ok and "attachment" in response.headers.get("content-disposition", ""), (
        response.url,
        response.headers,
        response.text()[:3000],
    )
    return [row[0] for row in list(csv.reader(io.StringIO(response.body().decode("utf-8-sig"))))[1:]]


def test_export_follows_the_filters_on_screen(desk):  # noqa: F811
    kam = f.KamFactory(username="kam_e2e")
    kam.team.kam = kam
    kam.team.save()
    rep, other = f.RepFactory(username="rep_e2e", team=kam.team), f.RepFactory(username="rep_e2e_2", team=kam.team)
    long_ago = timezone.localdate() - timedelta(days=60)
    f.DistributorFactory(code="E-A1", tier="A", owner=rep, last_visited_on=long_ago)
    f.DistributorFactory(code="E-A2", tier="A", owner=other, last_visited_on=timezone.localdate())
    for n in range(6):
        f.DistributorFactory(code=f"E-B{n}", tier="B", owner=rep)

    page = desk()
    _log_in(page, "kam_e2e")
    page.goto("/distributors/")
    expect(page.locator("#result-count")).to_have_attribute("data-count", "8")
    page.locator("select[name=tier]").select_option("A")
    page.locator("input[name=not_visited_days]").fill("30")
    page.locator("input[name=not_visited_days]").dispatch_event("change")
    expect(page.locator("#result-count")).to_have_attribute("data-count", "1")
    assert _exported_codes(page) == ["E-A1"]

    # the owner type-ahead: type, pick, the list and the export follow
    page.locator("select[name=tier]").select_option("")
    page.locator("input[name=not_visited_days]").fill("")
    page.locator("input[name=not_visited_days]").dispatch_event("change")
    expect(page.locator("#result-count")).to_have_attribute("data-count", "8")
    owner = page.locator("#owner-name")
    owner.fill("rep_e2e_2")
    expect(page.locator("#owner-options option")).to_have_count(1)
    owner.fill(page.locator("#owner-options option").get_attribute("value"))
    owner.press("Tab")  # leaving the field is a change: HTMX refreshes the list
    expect(page.locator("#result-count")).to_have_attribute("data-count", "1")
    assert _exported_codes(page) == ["E-A2"]

    page.locator("#saved-filters-menu").click()
    page.locator("#saved-filter-name").fill("Colleague's accounts")
    page.locator("#save-filter button[type=submit]").click()
    expect(page.locator(".alert-success")).to_be_visible()
    saved = SavedFilter.objects.get(user=kam, list_name="distributors")
    assert f"owner={other.pk}" in saved.query
