"""The card list's tools (issue 15): export follows the filters also after an HTMX swap, group-by with counts
(page and API), saved filters per user and list (page and API), the owner type-ahead in scope."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.models import SavedFilter
from tests import factories as f


def test_an_htmx_filter_swap_brings_export_links_with_the_same_filters(org, cards, client_for):
    swapped = client_for(org.kam_a1).get("/distributors/?tier=A&city=Shanghai", HTTP_HX_REQUEST="true",
                                         HTTP_HX_TARGET="results").content.decode()  # fmt: skip
    assert 'id="export-links" hx-swap-oob="true"' in swapped and 'id="list-query" hx-swap-oob="true"' in swapped
    assert "/distributors/export.csv?tier=A&amp;city=Shanghai" in swapped


@pytest.mark.parametrize("group_by", ["owner", "tier", "status"])
def test_group_by_counts_the_filtered_cards_on_page_and_api(org, cards, client_for, api_for, group_by):
    cards.a1.tier = "A"
    cards.a1.save()
    api = api_for(org.kam_a1).get(f"/api/distributors/groups/?group_by={group_by}&city=Shanghai")
    assert api.status_code == 200
    groups = api.json()
    listed = api_for(org.kam_a1).get("/api/distributors/?city=Shanghai").json()
    assert sum(g["count"] for g in groups) == listed["count"] == 2  # a1 and a1b, not a2 (Hangzhou) or b1
    for g in groups:  # each group's key filters the list to exactly its count
        assert (
            api_for(org.kam_a1).get(f"/api/distributors/?city=Shanghai&{group_by}={g['key']}").json()["count"]
            == g["count"]
        )
    page = client_for(org.kam_a1).get(f"/distributors/?group_by={group_by}&city=Shanghai").content.decode()
    assert 'id="groups"' in page and all(f'data-group="{g["key"]}"' in page for g in groups)
    assert api_for(org.kam_a1).get("/api/distributors/groups/?group_by=colour").status_code == 400


def test_saved_filters_are_per_user_and_per_list_on_page_and_api(org, client_for, api_for):
    page = client_for(org.rep_a1).post(
        "/account/saved-filters/",
        {"list_name": "distributors", "name": "A not visited", "query": "tier=A&not_visited_days=30&page=3",
         "next": "/distributors/?tier=A"},
    )  # fmt: skip
    assert page.status_code == 302 and page["Location"] == "/distributors/?tier=A"
    saved = SavedFilter.objects.get(user=org.rep_a1)
    assert saved.query == "tier=A&not_visited_days=30"  # no page number
    assert "A not visited" in client_for(org.rep_a1).get("/distributors/").content.decode()
    assert "A not visited" not in client_for(org.rep_a1b).get("/distributors/").content.decode()
    api = api_for(org.rep_a1)
    assert [s["name"] for s in api.get("/api/saved-filters/?list_name=distributors").json()["results"]] == [
        "A not visited"
    ]
    created = api.post("/api/saved-filters/", {"list_name": "distributors", "name": "Mine", "query": "owner=1"})
    assert created.status_code == 201
    assert api.post("/api/saved-filters/", {"list_name": "nope", "name": "x", "query": ""}).status_code == 400
    assert api.post("/api/saved-filters/", {"list_name": "distributors", "name": " ", "query": ""}).status_code == 400
    assert api_for(org.rep_a1b).delete(f"/api/saved-filters/{saved.pk}/").status_code == 404
    assert client_for(org.rep_a1b).post(f"/account/saved-filters/{saved.pk}/delete/").status_code == 404
    assert api.delete(f"/api/saved-filters/{saved.pk}/").status_code == 204


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(extra=st.integers(min_value=0, max_value=40), text=st.sampled_from(["", "rep", "REP_A", "kam", "zz"]))
def test_owner_type_ahead_offers_at_most_20_owners_in_scope(org, client_for, extra, text):
    team = org.team_a1
    existing = team.members.count()
    for n in range(extra - (team.members.count() - existing)):
        f.RepFactory(username=f"rep_a_extra_{existing}_{n}", team=team)
    body = client_for(org.kam_a1).get(f"/distributors/owners/?owner_name={text}").content.decode()
    offered = body.count("<option")
    assert offered <= 20
    assert "rep_b1" not in body and "kam_b1" not in body and "rep_a2" not in body
    if text.lower() in ("rep", "rep_a"):
        assert "rep_a1" in body
