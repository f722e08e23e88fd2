"""Scope of customer cards, from the outside: pages and API, every role.

Decision (documented in the README): a rep sees every card of their own team
(to cover for a colleague) but edits only their own; a rep of another team gets 404.
"""

import pytest

from tests import factories as f

CARD_PAGES = [
    "/distributors/{pk}/",
    "/distributors/{pk}/edit/",
    "/distributors/{pk}/contacts/new/",
    "/distributors/{pk}/complaints/new/",
    "/distributors/{pk}/suggestions/new/",
    "/distributors/{pk}/reassign/",
]


def codes(response):
    return {row["code"] for row in response.json()["results"]}


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("rep_a1", {"A1-001", "A1-002", "A1-101"}),
        ("kam_a1", {"A1-001", "A1-002", "A1-101"}),
        ("rep_a2", {"A2-001"}),
        ("rm_a", {"A1-001", "A1-002", "A1-101", "A2-001"}),
        ("finance_a", {"A1-001", "A1-002", "A1-101", "A2-001"}),
        ("finance", {"A1-001", "A1-002", "A1-101", "A2-001", "B1-001"}),
        ("admin", {"A1-001", "A1-002", "A1-101", "A2-001", "B1-001"}),
    ],
)
def test_list_shows_exactly_the_cards_in_scope(org, cards, api_for, client_for, who, expected):
    user = getattr(org, who)
    assert codes(api_for(user).get("/api/distributors/")) == expected
    page = client_for(user).get("/distributors/").content.decode()
    for code in {"A1-001", "A1-002", "A1-101", "A2-001", "B1-001"}:
        assert (f">{code}<" in page) == (code in expected), code


@pytest.mark.parametrize("path", CARD_PAGES)
def test_rep_of_another_team_gets_404_on_every_card_page(org, cards, client_for, path):
    assert client_for(org.rep_b1).get(path.format(pk=cards.a1.pk)).status_code == 404
    assert client_for(org.kam_a2).get(path.format(pk=cards.a1.pk)).status_code == 404


def test_rep_of_another_team_gets_404_on_every_api_endpoint(org, cards, api_for):
    contact = f.ContactFactory(distributor=cards.a1)
    client = api_for(org.rep_b1)
    assert client.get(f"/api/distributors/{cards.a1.pk}/").status_code == 404
    assert client.patch(f"/api/distributors/{cards.a1.pk}/", {"city": "X"}).status_code == 404
    assert client.post(f"/api/distributors/{cards.a1.pk}/reassign/", {"owner": org.rep_b1.pk}).status_code == 404
    assert client.get(f"/api/distributors/{cards.a1.pk}/history/").status_code == 404
    assert client.get(f"/api/distributors/{cards.a1.pk}/timeline/").status_code == 404
    assert client.get(f"/api/contacts/{contact.pk}/").status_code == 404
    assert client.delete(f"/api/contacts/{contact.pk}/").status_code == 404
    assert contact.pk not in {c["id"] for c in client.get("/api/contacts/").json()["results"]}
    # Naming a foreign card in a body is a field error, not a way to write into it.
    response = client.post("/api/contacts/", {"distributor": cards.a1.pk, "name": "Spy"})
    assert response.status_code == 400 and "distributor" in response.json()


def test_teammate_can_see_but_not_edit(org, cards, client_for, api_for):
    page = client_for(org.rep_a1b).get(f"/distributors/{cards.a1.pk}/")
    assert page.status_code == 200 and b"Edit card" not in page.content
    assert client_for(org.rep_a1b).get(f"/distributors/{cards.a1.pk}/edit/").status_code == 403
    api = api_for(org.rep_a1b)
    assert api.get(f"/api/distributors/{cards.a1.pk}/").json()["can_edit"] is False
    assert api.patch(f"/api/distributors/{cards.a1.pk}/", {"city": "Wuxi"}).status_code == 403
    assert api.post("/api/contacts/", {"distributor": cards.a1.pk, "name": "New"}).status_code == 403
    cards.a1.refresh_from_db()
    assert cards.a1.city == "Shanghai"


def test_finance_reads_cards_but_cannot_change_them_or_see_personal_notes(org, cards, client_for, api_for):
    f.ContactFactory(distributor=cards.a1, name="Mr Wang", hobbies="Go and fishing")
    page = client_for(org.finance).get(f"/distributors/{cards.a1.pk}/").content.decode()
    assert "Mr Wang" in page and "fishing" not in page
    assert "fishing" in client_for(org.kam_a1).get(f"/distributors/{cards.a1.pk}/").content.decode()
    contact = api_for(org.finance).get(f"/api/contacts/?distributor={cards.a1.pk}").json()["results"][0]
    assert "hobbies" not in contact
    assert (
        api_for(org.kam_a1).get(f"/api/contacts/?distributor={cards.a1.pk}").json()["results"][0]["hobbies"]
        == "Go and fishing"
    )
    assert api_for(org.finance).patch(f"/api/distributors/{cards.a1.pk}/", {"city": "X"}).status_code == 403
    assert client_for(org.finance).get("/distributors/new/").status_code == 403
