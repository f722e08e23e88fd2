"""An export never drops a filter it cannot apply: a foreign or invalid value is a 400 (API) or a visible message
and no file (page), for the distributor list and the plan list alike."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories as f

PAGE_EXPORTS = ["/distributors/export.csv", "/distributors/export.xlsx", "/plans/export.xlsx"]
API_EXPORTS = ["/api/distributors/export/?format_type=csv", "/api/plans/export/?"]


def _finance_b(org):
    return f.FinanceFactory(username="finance_b", region=org.region_b)


# (user, a filter naming someone or something outside their scope)
def _foreign_filters(org):
    return [
        (org.rep_b1, {"owner": org.rep_a1.pk}),  # another team's rep
        (org.rep_a1, {"owner": org.rep_b1.pk}),
        (org.kam_a1, {"region": org.region_b.pk}),
        (org.kam_b1, {"owner": org.kam_a1.pk}),  # another region's KAM
        (org.kam_b1, {"team": org.team_a1.pk}),
        (org.rm_b, {"region": org.region_a.pk}),
        (_finance_b(org), {"owner": org.rep_a1.pk}),  # finance limited to a region
    ]


def _is_file(response) -> bool:
    return response.status_code == 200 and "attachment" in response.get("Content-Disposition", "")


@pytest.mark.parametrize("url", PAGE_EXPORTS)
def test_a_page_export_with_a_foreign_filter_gives_a_message_and_no_file(org, cards, client_for, url):
    for user, params in _foreign_filters(org):
        response = client_for(user).get(url, params, follow=True)
        assert not _is_file(response), (user, params)
        page = response.content.decode()
        assert "Nothing was exported" in page, (user, params)


@pytest.mark.parametrize("url", API_EXPORTS)
def test_an_api_export_with_a_foreign_filter_is_a_400(org, cards, api_for, url):
    for user, params in _foreign_filters(org):
        response = api_for(user).get(url, params)
        assert response.status_code == 400, (user, params, response.status_code)
        assert set(params) <= set(response.json())


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(
    name=st.sampled_from(["owner", "team", "region", "status", "tier", "attractiveness"]),
    value=st.text(alphabet="abcxyz-_.!é中", min_size=1, max_size=12),
)
def test_invalid_filter_values_never_export_the_whole_scope(org, cards, client_for, api_for, name, value):
    page = client_for(org.kam_a1).get("/distributors/export.csv", {name: value}, follow=True)
    assert not _is_file(page) and "Nothing was exported" in page.content.decode()
    api = api_for(org.kam_a1).get("/api/distributors/export/", {"format_type": "csv", name: value})
    assert api.status_code == 400 and name in api.json()


def test_a_page_export_with_a_filter_in_scope_still_gives_the_filtered_file(org, cards, client_for):
    response = client_for(org.kam_a1).get("/distributors/export.csv", {"owner": org.rep_a1b.pk})
    assert _is_file(response)
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert "A1-101" in body and "A1-001" not in body
    assert _is_file(client_for(org.kam_a1).get("/plans/export.xlsx", {"owner": org.rep_a1b.pk}))


def test_a_plan_export_of_an_unreadable_period_is_refused(org, cards, client_for):
    response = client_for(org.kam_a1).get("/plans/export.xlsx", {"period": "2027-Q9"}, follow=True)
    assert not _is_file(response) and "Nothing was exported" in response.content.decode()
