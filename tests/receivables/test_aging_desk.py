"""The aging page for the finance desk: any bucket set from the filters, DSO per row and in the totals, a drill from
a region down to one account's invoices (always adding up to the row above), and an export of what is shown."""

from decimal import Decimal as D

import pytest
from django.urls import reverse


@pytest.fixture
def book(cards, money, day):
    money.invoice(cards.a1, D("100.00"), day(-40), due=day(-10), number="A-10")
    money.invoice(cards.a1, D("200.00"), day(-70), due=day(-40), number="A-40")
    money.invoice(cards.a1_second, D("50.00"), day(-20), due=day(5), number="A2-NOT-DUE")
    money.invoice(cards.a2, D("300.00"), day(-100), due=day(-70), number="H-70")
    money.invoice(cards.b1, D("400.00"), day(-30), due=day(-1), number="B-1")


@pytest.mark.usefixtures("book")
@pytest.mark.parametrize("thresholds", ["15,45", "10, 40", "1,2,3,4,5,6,7,8,9", "365"])
def test_any_bucket_set_adds_up_to_the_same_totals(org, api_for, thresholds):
    api = api_for(org.finance)
    standard = api.get("/api/receivables/aging/", {"group_by": "region"}).json()
    custom = api.get("/api/receivables/aging/", {"group_by": "region", "thresholds": thresholds}).json()
    keys = [b["key"] for b in custom["buckets"]]
    assert len(keys) == len(thresholds.split(",")) + 2
    assert custom["totals"]["total"] == standard["totals"]["total"] == "1050.00"
    for row in custom["rows"]:
        assert sum(D(row[k]) for k in keys) == D(row["total"])
        assert row["dso"] is not None
    assert custom["totals"]["dso"] == standard["totals"]["dso"]


@pytest.mark.usefixtures("book")
def test_fifteen_and_forty_five_day_buckets_by_hand(org, cards, api_for):
    body = (
        api_for(org.finance).get("/api/receivables/aging/", {"thresholds": "15,45", "distributor": cards.a1.pk}).json()
    )
    [row] = body["rows"]
    assert (row["not_due"], row["1_15"], row["16_45"], row["over_45"]) == ("0.00", "100.00", "200.00", "0.00")
    assert [(i["number"], i["bucket"], i["open_amount"]) for i in body["invoices"]] == [
        ("A-40", "16_45", "200.00"),
        ("A-10", "1_15", "100.00"),
    ]


@pytest.mark.usefixtures("book")
def test_drill_from_region_to_team_to_rep_to_account_to_invoices_adds_up(org, cards, client_for, api_for):
    api = api_for(org.finance)

    def total(**params):
        return api.get("/api/receivables/aging/", params).json()["totals"]["total"]

    region = next(
        r
        for r in api.get("/api/receivables/aging/", {"group_by": "region"}).json()["rows"]
        if r["key"] == org.region_a.pk
    )
    assert region["total"] == total(group_by="team", region=org.region_a.pk) == "650.00"
    assert total(group_by="rep", team=org.team_a1.pk) == total(group_by="distributor", rep=org.rep_a1.pk) == "350.00"
    body = api.get("/api/receivables/aging/", {"distributor": cards.a1.pk}).json()
    assert sum(D(i["open_amount"]) for i in body["invoices"]) == D(body["totals"]["total"]) == D("300.00")
    # The page: each row links one level down, keeping the date and the buckets.
    page = client_for(org.finance).get(
        reverse("receivables:aging"), {"group_by": "team", "region": org.region_a.pk, "thresholds": "15,45"}
    )
    html = page.content.decode()
    assert f"group_by=rep&team={org.team_a1.pk}" in html and "thresholds=15%2C45" in html
    assert "B1" not in html.split('id="aging-table"')[1]  # region B's team is not in region A's drill
    invoices = client_for(org.finance).get(reverse("receivables:aging"), {"distributor": cards.a1.pk}).content.decode()
    assert 'id="aging-invoices"' in invoices and "A-40" in invoices


@pytest.mark.usefixtures("book")
def test_export_is_what_is_shown(org, cards, client_for, api_for):
    client = client_for(org.finance)
    response = client.get(
        reverse("receivables:aging"), {"group_by": "team", "thresholds": "15,45", "format_type": "csv"}
    )
    assert response["Content-Type"].startswith("text/csv")
    text = response.content.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert lines[0].startswith("Team,Not due,1–15,16–45,Over 45,Total,Unapplied,DSO")
    assert lines[-1].startswith("Total,") and ",1050.00," in lines[-1]
    one = (
        api_for(org.finance)
        .get("/api/receivables/aging/", {"distributor": cards.a1.pk, "format_type": "csv"})
        .content.decode("utf-8-sig")
    )
    assert "A-40" in one and "A-10" in one and "H-70" not in one


@pytest.mark.usefixtures("book")
def test_bad_buckets_and_foreign_drills_are_400s(org, cards, api_for, client_for):
    api = api_for(org.finance_a)
    for params in (
        {"thresholds": "30,15"},
        {"thresholds": "a,b"},
        {"thresholds": "0"},
        {"thresholds": ",".join(str(n) for n in range(1, 12))},
        {"distributor": cards.b1.pk},  # region B: outside finance_a's scope
        {"team": "x"},
    ):
        response = api.get("/api/receivables/aging/", params)
        assert response.status_code == 400 and set(params) <= set(response.json()), params
    assert api.get("/api/receivables/aging/", {"region": org.region_b.pk}).json()["rows"] == []
    page = client_for(org.finance_a).get(reverse("receivables:aging"), {"thresholds": "30,15"})
    assert page.status_code == 200 and "alert-warning" in page.content.decode()
