"""Money collected on visits follows the money rule on the customer card's timeline (API, page and PDF alike)."""

from decimal import Decimal as D

import pytest

from tests import factories as f
from tests.reports.factories import VisitFactory


@pytest.fixture
def collected_visit(cards):
    return VisitFactory(distributor=cards.a1, collected_amount=D("9600.00"), collection_method="cash")


def _visit_amounts(api, card):
    response = api.get(f"/api/distributors/{card.pk}/timeline/")
    assert response.status_code == 200
    return [e["amount"] for e in response.json() if e["kind"] == "visit"]


@pytest.mark.parametrize("username", ["rep_a1", "kam_a1", "rm_a", "finance", "finance_a", "admin"])
def test_who_may_see_the_money_sees_what_a_visit_collected(org, cards, api_for, collected_visit, username):
    assert _visit_amounts(api_for(getattr(org, username)), cards.a1) == ["9600.00"]


def test_a_teammate_sees_the_visit_but_not_the_money(org, cards, api_for, client_for, collected_visit):
    assert _visit_amounts(api_for(org.rep_a1b), cards.a1) == [None]
    page = client_for(org.rep_a1b).get(f"/distributors/{cards.a1.pk}/").content.decode()
    assert "9,600.00" not in page and "9600.00" not in page
    assert "9,600.00" in client_for(org.rep_a1).get(f"/distributors/{cards.a1.pk}/").content.decode()


def test_after_a_reassignment_the_old_owner_no_longer_sees_the_money(org, cards, api_for, collected_visit):
    """The rule is the account's current owner's, like invoices and payments; not who made the visit."""
    cards.a1.owner = org.rep_a1b
    cards.a1.save()
    assert _visit_amounts(api_for(org.rep_a1), cards.a1) == [None]
    assert _visit_amounts(api_for(org.rep_a1b), cards.a1) == ["9600.00"]


def test_another_regions_finance_cannot_open_the_card(org, cards, api_for, collected_visit):
    finance_b = f.FinanceFactory(username="finance_b", region=org.region_b)
    assert api_for(finance_b).get(f"/api/distributors/{cards.a1.pk}/timeline/").status_code == 404
