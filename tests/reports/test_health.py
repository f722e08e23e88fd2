"""Account health (issue 15): one screen per account and one table per team; every figure is the one the page it
summarises shows (dashboard, aging, receivables page), and it is scoped like the card."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from receivables import services as money
from reports.analytics.rollups import services as rollups
from tests.plans import factories as pf
from tests.reports.test_period_reports import _order, _quarter

TODAY = timezone.localdate()


@pytest.fixture
def accounts(org, cards):
    """Acme (rep_a1): a plan this quarter, sales this month, an invoice 45 days past due and one not due.
    Blue Sky (rep_a1): nothing late, visited yesterday. Then the rollups."""
    year, quarter = _quarter(TODAY)
    pf.approved_plan(kam=org.kam_a1, manager=org.rm_a, distributor=cards.a1, year=year, quarter=quarter)
    _order(cards.a1, TODAY.replace(day=1), "12", "1234.50")
    _order(cards.a1_second, TODAY.replace(day=1), "3", "100.00")
    money.record_invoice(
        distributor=cards.a1, number="H-1", issue_date=TODAY - timedelta(days=75), amount=Decimal("20583.24"),
        by=org.finance, payment_terms_days=30,
    )  # fmt: skip
    money.record_invoice(
        distributor=cards.a1, number="H-2", issue_date=TODAY - timedelta(days=5), amount=Decimal("800.00"),
        by=org.finance, payment_terms_days=30,
    )  # fmt: skip
    cards.a1_second.last_visited_on = TODAY - timedelta(days=1)
    cards.a1_second.save(update_fields=["last_visited_on"])
    rollups.rebuild()
    return cards


def _child(board: dict, pk: int) -> dict:
    return next(c["figures"] for c in board["children"] if c["id"] == pk)


def test_health_figures_are_the_dashboards_and_the_agings(org, accounts, api_for):
    kam = api_for(org.kam_a1)
    table = kam.get("/api/health/").json()
    assert (table["level"], table["id"]) == ("team", org.team_a1.pk)
    rows = {r["distributor"]: r for r in table["results"]}
    assert set(rows) == {accounts.a1.pk, accounts.a1_second.pk, accounts.a1b.pk}
    where = f"level=team&id={org.team_a1.pk}&children=distributor"
    for period in ("month", "quarter"):
        board = _child(kam.get(f"/api/dashboard/?{where}&period={period}").json(), accounts.a1.pk)
        mine = rows[accounts.a1.pk][period]
        assert mine["sales_amount"] == board["sales_amount"] and mine["sales_target"] == board["sales_target"]
        assert mine["sales_rate"] == board["sales_rate"] and mine["sales_pace"] == board["sales_pace"]
        assert mine["sales_expected_rate"] == board["sales_expected_rate"]
    month = _child(kam.get(f"/api/dashboard/?{where}&period=month").json(), accounts.a1.pk)
    assert rows[accounts.a1.pk]["overdue_amount"] == month["overdue_amount"] == "20583.24"
    assert rows[accounts.a1.pk]["dso"] == month["dso"]
    aging = kam.get("/api/receivables/aging/?group_by=distributor").json()
    aged = next(r for r in aging["rows"] if r["key"] == accounts.a1.pk)
    assert rows[accounts.a1.pk]["open_amount"] == aged["total"] == "21383.24"
    assert rows[accounts.a1.pk]["buckets"] == {b["key"]: aged[b["key"]] for b in aging["buckets"]}
    assert rows[accounts.a1.pk]["dso"] == aged["dso"]
    # worst first: money 45 days late is red
    assert table["results"][0]["distributor"] == accounts.a1.pk and table["results"][0]["lights"]["money"] == "red"
    assert rows[accounts.a1_second.pk]["lights"]["visit"] == "green"
    assert rows[accounts.a1_second.pk]["days_since_visit"] == 1
    reliability = kam.get(f"/api/receivables/promise-reliability/?distributor={accounts.a1.pk}").json()
    assert rows[accounts.a1.pk]["promise_reliability"] == reliability[str(accounts.a1.pk)]


def test_account_screen_and_card_profile_show_the_same_figures(org, accounts, client_for, api_for):
    one = api_for(org.rep_a1).get(f"/api/health/{accounts.a1.pk}/").json()
    listed = next(r for r in api_for(org.kam_a1).get("/api/health/").json()["results"] if r["code"] == "A1-001")
    assert {k: v for k, v in one.items() if k != "activities"} == {k: v for k, v in listed.items() if k != "activities"}
    assert 0 < len(one["activities"]) <= 3
    page = client_for(org.rep_a1).get(f"/reports/health/{accounts.a1.pk}/").content.decode()
    assert 'data-figure="overdue">20,583.24<' in page and 'data-figure="open">21,383.24<' in page
    assert "Log visit" in page and f"/receivables/accounts/{accounts.a1.pk}/" in page
    card = client_for(org.rep_a1).get(f"/distributors/{accounts.a1.pk}/").content.decode()
    receivables_page = client_for(org.rep_a1).get(f"/receivables/accounts/{accounts.a1.pk}/").content.decode()
    assert 'data-fact="balance"' in card and "21,383.24" in card and "20,583.24" in card
    assert "21,383.24" in receivables_page and 'data-fact="health"' in card


def test_home_block_lists_worst_first_for_the_kam(org, accounts, client_for):
    client = client_for(org.kam_a1)
    assert 'id="home-health"' in client.get("/").content.decode()
    block = client.get("/reports/health/home/", HTTP_HX_REQUEST="true").content.decode()
    assert block.index("A1-001") < block.index("A1-002")
    assert client.get("/reports/health/").status_code == 200


def test_another_teams_rep_gets_404_on_page_and_api(org, accounts, client_for, api_for):
    assert client_for(org.rep_b1).get(f"/reports/health/{accounts.a1.pk}/").status_code == 404
    assert api_for(org.rep_b1).get(f"/api/health/{accounts.a1.pk}/").status_code == 404
    assert api_for(org.kam_b1).get(f"/api/health/?level=team&id={org.team_a1.pk}").status_code == 404
    assert client_for(org.kam_b1).get(f"/reports/health/?level=team&id={org.team_a1.pk}").status_code == 404
    assert accounts.a1.pk not in {r["distributor"] for r in api_for(org.kam_b1).get("/api/health/").json()["results"]}
    # a teammate sees the card's health but not its money (the money rule)
    teammate = api_for(org.rep_a1b).get(f"/api/health/{accounts.a1.pk}/")
    assert teammate.status_code == 200 and teammate.json()["overdue_amount"] is None


def test_computed_at_is_the_time_of_the_rollup_that_made_the_figures(org, accounts, api_for, client_for):
    from datetime import datetime

    from reports.analytics.models import RollupState

    RollupState.objects.update(computed_at=timezone.make_aware(datetime(2026, 1, 5, 21, 31)))
    url = f"/api/dashboard/?level=team&id={org.team_a1.pk}"
    assert api_for(org.kam_a1).get(url).json()["computed_at"].startswith("2026-01-05T21:31")
    rollups.rebuild(distributor_ids=[accounts.a1.pk])  # one account's figures refreshed: the sums changed
    shown = api_for(org.kam_a1).get(url).json()["computed_at"]
    now = timezone.localtime().strftime("%Y-%m-%dT%H")
    assert shown.startswith(now)
    assert (
        timezone.localtime().strftime("%Y-%m-%d %H:")
        in client_for(org.kam_a1).get(f"/dashboard/?level=team&id={org.team_a1.pk}").content.decode()
    )


def test_a_credit_hold_shows_on_health_as_the_credit_check_gives_it_and_turns_paying_red(
    org, accounts, api_for, client_for
):
    """Blue Sky owes nothing past due (paying: green); finance holds it by hand: the health row and screen show the
    hold with the credit check's own message and amount to pay, and paying turns red; a warning is at least amber."""
    kam = api_for(org.kam_a1)
    before = kam.get(f"/api/health/{accounts.a1_second.pk}/").json()
    assert (before["lights"]["money"], before["credit_state"]) == ("green", "ok")
    held = api_for(org.finance_a).post(
        "/api/credit-holds/hold/", {"distributor": accounts.a1_second.pk, "reason": "Cheque bounced"}
    )
    assert held.status_code == 201
    check = kam.get("/api/receivables/credit-check/", {"distributor": accounts.a1_second.pk}).json()
    after = kam.get(f"/api/health/{accounts.a1_second.pk}/").json()
    assert (after["lights"]["money"], after["credit_state"]) == ("red", "hold") == ("red", check["state"])
    assert after["credit_message"] == check["message"] and "Cheque bounced" in after["credit_message"]
    listed = next(r for r in kam.get("/api/health/").json()["results"] if r["distributor"] == accounts.a1_second.pk)
    assert listed["credit_state"] == "hold" and listed["amount_to_pay"] == after["amount_to_pay"]
    page = client_for(org.kam_a1).get(f"/reports/health/{accounts.a1_second.pk}/").content.decode()
    assert 'data-credit-state="hold"' in page and "Cheque bounced" in page
    table = client_for(org.kam_a1).get("/reports/health/").content.decode()
    assert 'data-credit-state="hold"' in table
    # A teammate who may not see the account's money sees no credit state either.
    assert api_for(org.rep_a1b).get(f"/api/health/{accounts.a1_second.pk}/").json()["credit_state"] is None


@pytest.mark.parametrize("overdue", [Decimal("0.00"), Decimal("0.01"), Decimal("500.00")])
@pytest.mark.parametrize("state", ["ok", "warn", "hold"])
def test_paying_light_is_never_better_than_the_credit_state(overdue, state):
    from reports.analytics.health import selectors as health

    light = health.money_light(overdue, [], state)
    assert light == {"hold": "red"}.get(state, light)
    if state == "warn" or overdue:
        assert light in ("amber", "red")
    if state == "ok" and not overdue:
        assert light == "green"
