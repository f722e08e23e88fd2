"""The company worklist: filters (region, team, rep, bucket, promise state, dispute, hold), sort and paging on the
page and the API alike, saved views per user, and a query count that does not grow with the page."""

import re
from decimal import Decimal as D

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from receivables import holds, services
from receivables.models import SavedWorklistView
from tests import factories as f


@pytest.fixture
def desk(org, cards, money, day, monkeypatch, migration_data):
    """A1 70 days overdue; A2 20 days overdue and in dispute; B1 100 days overdue and held by hand; A1-002 owes
    nothing past due but broke a promise."""
    money.invoice(cards.a1, D("700.00"), day(-100), due=day(-70))
    money.invoice(cards.a2, D("200.00"), day(-50), due=day(-20))
    money.invoice(cards.b1, D("100.00"), day(-130), due=day(-100))
    money.invoice(cards.a1_second, D("50.00"), day(-20), due=day(10))
    services.log_collection_activity(distributor=cards.a2, kind="dispute", dispute_reason="Price", by=org.finance)
    holds.place_hold(distributor=cards.b1, reason="Bounced cheque", by=org.finance)
    with monkeypatch.context() as m:
        m.setattr(services, "today", lambda: day(-10))
        services.log_collection_activity(
            distributor=cards.a1_second,
            kind="promise",
            occurred_on=day(-10),
            promised_on=day(-2),
            promised_amount=D("50.00"),
            by=org.finance,
        )


def _codes(api, **params) -> list[str]:
    response = api.get("/api/receivables/worklist/", params)
    assert response.status_code == 200, response.json()
    return [row["code"] for row in response.json()["results"]]


@pytest.mark.usefixtures("desk")
def test_each_filter_narrows_the_worklist_on_the_api_and_the_page(org, cards, api_for, client_for):
    api = api_for(org.finance)
    assert _codes(api) == ["A1-001", "B1-001", "A2-001", "A1-002"]  # amount × days
    expected = {
        (("region", org.region_a.pk),): ["A1-001", "A2-001", "A1-002"],
        (("team", org.team_a2.pk),): ["A2-001"],
        (("rep", org.rep_a1.pk),): ["A1-001", "A1-002"],
        (("bucket", "61_90"),): ["A1-001"],
        (("bucket", "91_180"),): ["B1-001"],
        (("promise", "broken"),): ["A1-002"],
        (("dispute", "yes"),): ["A2-001"],
        (("dispute", "no"), ("region", org.region_a.pk)): ["A1-001", "A1-002"],
        (("hold", "hold"),): ["B1-001"],
        (("hold", "warn"),): ["A1-001", "B1-001"],  # the standard rule warns over 60 days
        (("hold", "none"),): ["A2-001", "A1-002"],
        (("sort", "code"),): ["A1-001", "A1-002", "A2-001", "B1-001"],
        (("sort", "days"),): ["B1-001", "A1-001", "A2-001", "A1-002"],
    }
    for params, codes in expected.items():
        assert _codes(api, **dict(params)) == codes, params
    assert _codes(api_for(org.rep_b1), region=org.region_a.pk) == []  # a filter never widens the scope
    for bad in ({"bucket": "1_2"}, {"hold": "maybe"}, {"region": "x"}, {"sort": "-code"}):
        response = api.get("/api/receivables/worklist/", bad)
        assert response.status_code == 400 and set(bad) <= set(response.json())
    page = client_for(org.finance).get(reverse("receivables:worklist"), {"hold": "hold"}).content.decode()
    assert 'data-code="B1-001"' in page and 'data-code="A1-001"' not in page and "On hold" in page
    rows = api.get("/api/receivables/worklist/", {"hold": "hold"}).json()["results"]
    assert (rows[0]["credit_state"], rows[0]["amount_to_pay"]) == ("hold", "100.00")


@pytest.mark.usefixtures("desk")
def test_saved_views_belong_to_their_user(org, client_for, api_for):
    client = client_for(org.finance)
    response = client.post(
        reverse("receivables:worklist_view_save"), {"name": "East disputes", "query": "dispute=yes&region=abc"}
    )
    assert response.status_code == 302
    view = SavedWorklistView.objects.get(user=org.finance)
    assert view.query == "dispute=yes"  # only good filters are kept
    assert "East disputes" in client.get(reverse("receivables:worklist")).content.decode()
    api = api_for(org.finance)
    assert [v["name"] for v in api.get("/api/worklist-views/").json()["results"]] == ["East disputes"]
    created = api.post("/api/worklist-views/", {"name": "Held", "query": "hold=hold&sort=code"})
    assert created.status_code == 201 and created.json()["query"] == "hold=hold&sort=code"
    assert api.post("/api/worklist-views/", {"name": "Held", "query": ""}).status_code == 400
    assert api.post("/api/worklist-views/", {"name": "Bad", "query": "hold=maybe"}).status_code == 400
    other = api_for(org.finance_a)
    assert other.get("/api/worklist-views/").json()["count"] == 0
    assert other.get(f"/api/worklist-views/{view.pk}/").status_code == 404
    assert (
        client_for(org.finance_a).post(reverse("receivables:worklist_view_delete", args=[view.pk])).status_code == 404
    )


def test_the_worklist_reads_a_constant_number_of_queries_whatever_the_page_size(org, money, day, api_for):
    def add_accounts(n):
        for _ in range(n):
            card = f.DistributorFactory(owner=org.rep_a1)
            money.invoice(card, D("100.00"), day(-90), due=day(-61))
            services.log_collection_activity(distributor=card, kind="call", note="Called", by=org.finance)
            services.log_collection_activity(
                distributor=card,
                kind="promise",
                promised_on=day(5),
                promised_amount=D("10.00"),
                by=org.finance,
            )

    api = api_for(org.finance)

    def count(**params):
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/receivables/worklist/", {"page_size": 50, **params}).status_code == 200
        return len(queries)

    add_accounts(2)
    few = count(), count(hold="warn", promise="active")
    add_accounts(10)
    assert (count(), count(hold="warn", promise="active")) == few


def _options(page: str, select_id: str) -> list[str]:
    select = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S).group(1)
    return [label for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select) if value]


def test_the_filter_choices_stay_in_the_users_scope_and_reps_wait_for_a_region_or_team(org, client_for):
    url = reverse("receivables:worklist")
    page = client_for(org.finance_a).get(url).content.decode()
    assert _options(page, "f-region") == ["Region A"]  # a finance user of one region: that region's only
    assert "Team B1" not in _options(page, "f-team") and "Team A1" in _options(page, "f-team")
    assert _options(page, "f-rep") == [] and 'id="f-rep-hint"' in page  # no rep list for a whole region set
    page = client_for(org.finance_a).get(url, {"region": org.region_a.pk}).content.decode()
    reps = _options(page, "f-rep")
    assert org.rep_a1.display_name in reps and org.rep_b1.display_name not in reps
    assert 'id="f-rep-hint"' not in page
    page = client_for(org.finance).get(url, {"team": org.team_b1.pk}).content.decode()
    assert _options(page, "f-rep") == [org.rep_b1.display_name]
    assert _options(page, "f-region") == ["Region A", "Region B"]  # company-wide finance: every region
    page = client_for(org.finance).get(url, {"rep": org.rep_a2.pk}).content.decode()
    assert _options(page, "f-rep") == [org.rep_a2.display_name]  # a saved view's rep stays selectable
