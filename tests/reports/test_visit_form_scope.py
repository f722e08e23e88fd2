"""The visit form's ``?distributor=`` link offers only accounts its own account search would list."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories as f

# (user, a card of their scope they may log a visit for, cards outside it)
CASES = {
    "rep_a1": ("a1b", ["a2", "b1"]),  # a rep: the team's cards, not another team's or region's
    "rep_b1": ("b1", ["a1", "a1b", "a2"]),
    "kam_a2": ("a2", ["a1", "b1"]),  # a KAM: the team's cards
    "kam_b1": ("b1", ["a1", "a2"]),  # another region's KAM
    "rm_b": ("b1", ["a1", "a2"]),  # another region's manager
}


def _preselected(page: str, card) -> bool:
    return f'value="{card.pk}"' in page and card.code in page


@pytest.mark.parametrize("username", CASES)
def test_a_foreign_account_in_the_link_is_ignored_with_a_message(org, cards, client_for, username):
    own, foreign = CASES[username]
    client = client_for(getattr(org, username))
    page = client.get(f"/reports/visits/new/?distributor={getattr(cards, own).pk}").content.decode()
    assert _preselected(page, getattr(cards, own)) and "not one you can log a visit for" not in page
    for name in foreign:
        card = getattr(cards, name)
        response = client.get(f"/reports/visits/new/?distributor={card.pk}")
        page = response.content.decode()
        assert response.status_code == 200
        assert card.code not in page and card.name not in page and card.city not in page, (username, name)
        assert "That account is not one you can log a visit for" in page


def test_a_terminated_account_is_not_preselected(org, cards, client_for):
    ended = f.DistributorFactory(code="A1-999", owner=org.rep_a1, status="terminated")
    page = client_for(org.rep_a1).get(f"/reports/visits/new/?distributor={ended.pk}").content.decode()
    assert "A1-999" not in page and "That account is not one you can log a visit for" in page


@settings(max_examples=15, suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)
@given(value=st.one_of(st.integers(min_value=-(10**20), max_value=10**20).map(str), st.text(max_size=20)))
def test_any_value_in_the_link_is_a_page_never_a_500(org, cards, client_for, value):
    response = client_for(org.rep_a2).get("/reports/visits/new/", {"distributor": value})
    # A NUL no field can hold: the bad-input page (kamcrm.middleware.BadInputMiddleware); anything else: the form.
    assert response.status_code == (400 if "\x00" in value else 200)
    assert cards.a1.code not in response.content.decode() and cards.b1.code not in response.content.decode()


def test_a_post_naming_a_foreign_account_does_not_show_it_back(org, cards, client_for):
    page = client_for(org.rep_a2).post("/reports/visits/new/", {"distributor": cards.b1.pk}).content.decode()
    assert cards.b1.code not in page and cards.b1.name not in page
