from distributors.models import Distributor
from tests import factories as f


def test_rep_searches_and_filters_the_list(org, cards, client_for):
    client = client_for(org.rep_a1)
    page = client.get("/distributors/?q=blue").content.decode()
    assert ">A1-002<" in page and ">A1-001<" not in page
    partial = client.get("/distributors/?city=shanghai", HTTP_HX_REQUEST="true", HTTP_HX_TARGET="results")
    text = partial.content.decode()
    assert ">A1-001<" in text and ">A1-101<" in text and ">A1-002<" not in text
    assert '<nav class="navbar' not in text  # HTMX gets only the table


def test_list_pages_through_many_cards(org, client_for):
    for _ in range(55):
        f.DistributorFactory(owner=org.rep_a1)
    client = client_for(org.rep_a1)
    first = client.get("/distributors/").content.decode()
    assert "55 distributors" in first and "Page 1 of 2" in first
    assert "Page 2 of 2" in client.get("/distributors/?page=2").content.decode()


def test_rep_creates_a_card_in_the_browser_with_field_errors_first(org, client_for):
    brand_a, brand_b = f.BrandFactory(name="Our Cola"), f.BrandFactory(name="Rival Cola", is_own=False)
    client = client_for(org.rep_a1)
    assert client.get("/distributors/new/").status_code == 200
    data = {
        "code": "WEB-1",
        "name": "Web Trading",
        "city": "Ningbo",
        "payment_terms_days": "30",
        "credit_limit": "0",
        "founded_year": "-10",
        "status": "qualified",
        "tier": "C",
        "attractiveness": "medium",
        "relationship_stage": "developing",
        "relationship_type": "transactional",
        "direct_stores": "0",
        "franchised_stores": "0",
        "counters": "0",
        "outlets_city": "0",
        "outlets_county": "0",
        "outlets_town": "0",
        "brands-TOTAL_FORMS": "2",
        "brands-INITIAL_FORMS": "0",
        "brands-MIN_NUM_FORMS": "0",
        "brands-MAX_NUM_FORMS": "1000",
        "brands-0-brand": brand_a.pk,
        "brands-0-share_pct": "70",
        "brands-1-brand": brand_b.pk,
        "brands-1-share_pct": "40",
    }
    bad = client.post("/distributors/new/", data)
    assert bad.status_code == 200
    text = bad.content.decode()
    assert "founded_year" in bad.context["form"].errors and "more than 100" in text
    assert not Distributor.objects.filter(code="WEB-1").exists()
    data.update({"founded_year": "2001", "credit_limit": "20000", "brands-1-share_pct": "30"})
    good = client.post("/distributors/new/", data)
    card = Distributor.objects.get(code="WEB-1")
    assert good.status_code == 302 and good["Location"] == f"/distributors/{card.pk}/"
    assert card.owner == org.rep_a1 and card.brands_carried.count() == 2
    assert card.credit_limit == 0  # credit terms are finance's: the rep's form does not take them


def test_kam_edits_evaluation_and_the_history_shows_it(org, cards, client_for):
    client = client_for(org.kam_a1)
    form = client.get(f"/distributors/{cards.a1.pk}/edit/")
    assert form.status_code == 200
    data = {k: v for k, v in form.context["form"].initial.items() if v is not None and k != "product_categories"}
    data.update(
        {
            "owner": org.rep_a1.pk,
            "status": "key",
            "tier": "A",
            "attractiveness": "very",
            "brands-TOTAL_FORMS": "0",
            "brands-INITIAL_FORMS": "0",
        }
    )
    response = client.post(f"/distributors/{cards.a1.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors
    page = client.get(f"/distributors/{cards.a1.pk}/").content.decode()
    assert "Existing – key" in page and "Very attractive" in page
    assert page.count("<tr><td>") >= 3  # status, tier and attractiveness history rows


def test_rep_adds_a_contact_and_a_complaint(org, cards, client_for):
    client = client_for(org.rep_a1)
    response = client.post(
        f"/distributors/{cards.a1.pk}/contacts/new/",
        {"name": "李经理", "position": "采购经理", "mobile": "13800000000", "hobbies": "Badminton"},
    )
    assert response.status_code == 302
    assert cards.a1.contacts.get().is_primary
    bad = client.post(
        f"/distributors/{cards.a1.pk}/complaints/new/",
        {
            "kind": "transport",
            "nature": "good_faith",
            "received_on": "2026-11-20",
            "description": "Late",
            "owner": org.rep_a1.pk,
            "status": "resolved",
        },
    )
    assert bad.status_code == 200 and "Say how the complaint was closed." in bad.content.decode()
    good = client.post(
        f"/distributors/{cards.a1.pk}/complaints/new/",
        {
            "kind": "transport",
            "nature": "good_faith",
            "received_on": "2026-11-20",
            "description": "Late",
            "owner": org.rep_a1.pk,
            "status": "open",
        },
    )
    assert good.status_code == 302
    page = client.get(f"/distributors/{cards.a1.pk}/").content.decode()
    assert "李经理" in page and "Late" in page


def test_kam_reassigns_in_the_browser(org, cards, client_for):
    client = client_for(org.kam_a1)
    form = client.get(f"/distributors/{cards.a1.pk}/reassign/").content.decode()
    assert "rep_a1b" in form or org.rep_a1b.get_full_name() in form
    assert org.rep_b1.get_full_name() not in form
    assert client.post(f"/distributors/{cards.a1.pk}/reassign/", {"owner": org.rep_a1b.pk}).status_code == 302
    cards.a1.refresh_from_db()
    assert cards.a1.owner == org.rep_a1b
    assert client_for(org.rep_a1).get(f"/distributors/{cards.a1.pk}/reassign/").status_code == 403


def test_portfolio_grid_counts_the_team_accounts(org, cards, client_for):
    Distributor.objects.filter(pk=cards.a1.pk).update(attractiveness="very", relationship_stage="good")
    Distributor.objects.filter(pk=cards.a1b.pk).update(attractiveness="very", relationship_stage="good")
    Distributor.objects.filter(pk=cards.a2.pk).update(attractiveness="very", relationship_stage="good")
    response = client_for(org.kam_a1).get("/distributors/portfolio/")
    cells = response.context["grid"]
    very = dict(next(row for row in cells if row[0] == "very")[2])
    assert {d.code for d in very["good"]} == {"A1-001", "A1-101"}  # team A2's account is not in A1's grid
    regional = client_for(org.rm_a).get(f"/distributors/portfolio/?team={org.team_a2.pk}").context["grid"]
    assert {d.code for d in dict(next(r for r in regional if r[0] == "very")[2])["good"]} == {"A2-001"}
    assert client_for(org.rm_a).get(f"/distributors/portfolio/?team={org.team_b1.pk}").status_code == 404


def test_card_in_chinese(org, cards, client_for):
    org.rep_a1.language = "zh-hans"
    org.rep_a1.save()
    page = client_for(org.rep_a1).get(f"/distributors/{cards.a1.pk}/").content.decode()
    assert "业务往来" in page and "客户档案" in page


def test_pages_render_when_a_team_has_no_kam(org, cards, client_for):
    from accounts.models import Team

    Team.objects.filter(pk=org.team_a1.pk).update(kam=None)
    assert client_for(org.rep_a1).get(f"/distributors/{cards.a1.pk}/").status_code == 200
    assert client_for(org.rm_a).get("/").status_code == 200
