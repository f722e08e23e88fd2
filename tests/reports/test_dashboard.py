"""Dashboards from the outside: the API's shape and scope, the page and its drill-down, the rollup tasks."""

import io
import re
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from distributors.models import Distributor
from distributors.plans.services import SplitInput
from receivables import services as money
from reports import tasks
from reports.analytics import tiers
from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.rollups import services as rollups
from reports.models import (
    Order,
    OrderLine,
    RollupState,
)
from reports.visits.services import LineInput, save_order, set_order_status
from tests import factories as f
from tests.plans import factories as pf
from tests.reports.helpers import rollup_tables

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)


def _sell(distributor, amount: str, day: date | None = None, status: str = "confirmed") -> Order:
    order = Order.objects.create(
        distributor=distributor,
        rep=distributor.owner,
        order_date=day or MONTH,
        status=status,
        created_by=distributor.owner,
    )
    OrderLine.objects.create(
        order=order,
        product=f.ProductFactory(),
        quantity=Decimal(1),
        unit_price=Decimal(amount),
        unit_cost=Decimal(amount) * Decimal("0.8"),
        amount=Decimal(amount),
    )
    Order.objects.filter(pk=order.pk).update(amount=Decimal(amount), gross_profit=Decimal(amount) * Decimal("0.2"))
    return order


@pytest.fixture
def sales(org, cards):
    """This month: rep_a1 sold 800 + 200, rep_a1b 500, team A2 300, team B1 900; an approved plan for Acme."""
    _sell(cards.a1, "800.00")
    _sell(cards.a1_second, "200.00")
    _sell(cards.a1b, "500.00")
    _sell(cards.a2, "300.00")
    _sell(cards.b1, "900.00")
    _sell(cards.b1, "999.00", status="cancelled")
    quarter = (MONTH.month - 1) // 3 + 1
    pf.approved_plan(
        kam=org.kam_a1,
        manager=org.rm_a,
        distributor=cards.a1,
        year=MONTH.year,
        quarter=quarter,
        targets=pf.targets(sales_amount=Decimal("3000.00"), gross_profit=Decimal("600.00"), outlet_coverage=30),
        splits=[SplitInput(rep=org.rep_a1, share_pct=Decimal("100"))],
    )
    rollups.rebuild()


def _url(level, pk=None, period="month", day=None, **extra):
    url = f"/api/dashboard/?level={level}&period={period}&date={(day or TODAY).isoformat()}"
    if pk:
        url += f"&id={pk}"
    return url + "".join(f"&{k}={v}" for k, v in extra.items())


def test_team_dashboard_has_api_md_shape(org, cards, sales, api_for):
    response = api_for(org.kam_a1).get(_url("team", org.team_a1.pk))
    assert response.status_code == 200
    body = response.json()
    assert body["level"] == "team" and body["id"] == org.team_a1.pk and body["period"] == "month"
    assert body["start"] == MONTH.isoformat()
    assert (
        body["end"] == (MONTH.replace(day=28) + timedelta(days=4)).replace(day=1).__sub__(timedelta(days=1)).isoformat()
    )
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d.*\+08:00$", body["computed_at"])
    figures = body["figures"]
    assert figures["sales_amount"] == "1500.00"  # the cancelled order and other teams are not in it
    assert figures["sales_target"] == "1000.00"  # the quarter's 3000 spread evenly: this month's third
    # Rates compare like with like: Acme's 800 against its plan; the 700 sold to accounts without a plan apart.
    assert figures["planned_sales_amount"] == "800.00" and figures["unplanned_sales_amount"] == "700.00"
    assert figures["sales_rate"] == "0.8000"
    assert figures["gross_profit"] == "300.00"
    assert figures["collection_rate"] is None  # nothing was due
    for name in ("collection_due", "collected", "payments_received", "gross_profit_target"):
        assert re.match(r"^-?\d+\.\d\d$", figures[name])
    # Outlet coverage is a level: every month of the quarter has the quarter's 30 to reach.
    assert isinstance(figures["active_outlets"], int) and figures["outlet_target"] == 30
    assert isinstance(figures["visits"], int) and isinstance(figures["visits_planned"], int)
    children = {c["id"]: c for c in body["children"]}
    assert {org.rep_a1.pk, org.rep_a1b.pk, org.kam_a1.pk} <= set(children)
    assert children[org.rep_a1.pk]["level"] == "rep"
    assert children[org.rep_a1.pk]["figures"]["sales_amount"] == "1000.00"
    assert children[org.rep_a1.pk]["figures"]["sales_target"] == "1000.00"  # the rep's split
    assert children[org.rep_a1b.pk]["figures"]["sales_rate"] is None  # no split, no rate
    assert [a["id"] for a in body["top_accounts"]][:2] == [cards.a1.pk, cards.a1b.pk]


def test_every_level_and_period_answers(org, cards, sales, api_for):
    admin = api_for(org.admin)
    for period in dashboard.PERIODS:
        assert admin.get(_url("company", period=period)).status_code == 200
        assert admin.get(_url("region", org.region_a.pk, period=period)).status_code == 200
        assert admin.get(_url("rep", org.rep_a1.pk, period=period)).status_code == 200
    body = admin.get(_url("company")).json()
    assert body["id"] is None and body["figures"]["sales_amount"] == "2700.00"
    assert {c["label"] for c in body["children"]} == {"Region A", "Region B"}
    week = admin.get(_url("team", org.team_a1.pk, period="week", day=date(2026, 12, 3))).json()
    assert (week["start"], week["end"]) == ("2026-11-30", "2026-12-06")  # weeks start on Monday
    accounts = admin.get(_url("rep", org.rep_a1.pk)).json()["children"]
    assert {c["level"] for c in accounts} == {"distributor"}
    assert {c["label"] for c in accounts} == {cards.a1.display_name, cards.a1_second.display_name}


def test_a_teams_reps_are_its_active_reps_and_kams_and_whoever_still_owns_an_account(org, cards, api_for):
    left_with_accounts = f.RepFactory(team=org.team_a1, is_active=False, first_name="", username="zz_left_owner")
    f.DistributorFactory(owner=left_with_accounts)
    f.RepFactory(team=org.team_a1, is_active=False, username="zz_left_empty")  # gone, owns nothing: not listed
    finance_owner = f.UserFactory(team=org.team_a1, role="finance", first_name="", username="zz_finance_owner")
    f.DistributorFactory(owner=finance_owner)
    f.UserFactory(team=org.team_a1, role="finance", username="zz_finance")  # neither sells nor owns: not listed
    body = api_for(org.admin).get(_url("team", org.team_a1.pk)).json()
    assert body["children_level"] == "rep"
    listed = [c["label"] for c in body["children"]]
    expected = [
        u.display_name
        for u in sorted(
            [org.kam_a1, org.rep_a1, org.rep_a1b, left_with_accounts, finance_owner], key=lambda u: u.username
        )
    ]
    assert listed == expected  # each once, by username, with or without figures


@pytest.mark.parametrize(
    "who, level, target",
    [
        ("rep_b1", "team", "team_a1"),
        ("rep_b1", "rep", "rep_a1"),
        ("rep_a1b", "rep", "rep_a1"),  # a teammate's figures are not a rep's to see
        ("kam_a2", "team", "team_a1"),
        ("kam_a1", "region", "region_a"),
        ("rm_b", "region", "region_a"),
        ("rm_b", "team", "team_a1"),
        ("finance_a", "region", "region_b"),
        ("rm_a", "company", None),
        ("kam_a1", "company", None),
        ("rep_a1", "team", "team_a1"),
    ],
)
def test_outside_the_scope_is_404_on_api_and_page(org, sales, api_for, client_for, who, level, target):
    user = getattr(org, who)
    pk = getattr(org, target).pk if target else None
    assert api_for(user).get(_url(level, pk)).status_code == 404
    assert api_for(user).get(_url(level, pk).replace("/api/dashboard/", "/api/dashboard/trend/")).status_code == 404
    assert client_for(user).get(_url(level, pk).replace("/api/dashboard/", "/dashboard/")).status_code == 404


def test_who_sees_what(org, sales, api_for):
    assert api_for(org.rep_a1).get(_url("rep", org.rep_a1.pk)).status_code == 200
    assert api_for(org.kam_a1).get(_url("rep", org.rep_a1b.pk)).status_code == 200
    assert api_for(org.rm_a).get(_url("team", org.team_a2.pk)).status_code == 200
    assert api_for(org.finance_a).get(_url("region", org.region_a.pk)).status_code == 200
    assert api_for(org.finance).get(_url("company")).status_code == 200
    default = api_for(org.kam_a1).get("/api/dashboard/").json()
    assert (default["level"], default["id"], default["period"]) == ("team", org.team_a1.pk, "month")
    assert api_for(org.rm_a).get("/api/dashboard/").json()["level"] == "region"
    assert api_for(org.rep_a1).get("/api/dashboard/").json()["id"] == org.rep_a1.pk


def test_bad_parameters_are_400_with_field_errors(org, sales, api_for):
    api = api_for(org.admin)
    assert api.get("/api/dashboard/?level=planet").json().keys() == {"level"}
    assert "period" in api.get("/api/dashboard/?level=company&period=decade").json()
    assert "date" in api.get("/api/dashboard/?level=company&date=2026-13-01").json()
    assert "date" in api.get("/api/dashboard/?level=company&date=0001-01-01").json()
    assert api.get("/api/dashboard/trend/?level=company&period=year&date=9999-12-31").status_code == 400
    assert "id" in api.get("/api/dashboard/?level=team").json()
    assert "id" in api.get("/api/dashboard/?level=team&id=x").json()
    assert "children" in api.get(_url("team", org.team_a1.pk, children="region")).json()
    assert api.get(_url("team", 999999)).status_code == 404


def test_bad_parameters_on_the_page_are_a_message_not_a_500(org, sales, client_for):
    assert client_for(org.kam_a1).get("/dashboard/?period=year&date=0001-01-01").status_code == 200
    assert client_for(org.kam_a1).get("/dashboard/trend/?period=year&date=0001-01-01").status_code == 200
    page = client_for(org.kam_a1).get("/dashboard/?period=decade&date=yesterday")
    assert page.status_code == 200
    body = page.content.decode()
    assert "Choose one of" in body and "Enter a date as YYYY-MM-DD." in body
    assert org.team_a1.name in body  # their own dashboard instead


def test_anonymous_gets_401(client):
    assert client.get("/api/dashboard/?level=company").status_code in (401, 403)
    assert client.get("/dashboard/").status_code == 302


def test_region_page_drills_down_to_team_rep_and_account(org, cards, sales, client_for):
    client = client_for(org.rm_a)
    page = client.get(f"/dashboard/?level=region&id={org.region_a.pk}").content.decode()
    assert "Team A1" in page and "Team A2" in page and "Team B1" not in page
    team_link = re.search(
        rf'href="(/dashboard/\?[^"]*level=team[^"]*id={org.team_a1.pk}[^"]*)"', page.replace("&amp;", "&")
    )
    assert team_link
    team_page = client.get(team_link.group(1)).content.decode().replace("&amp;", "&")
    assert "rep_a1" in team_page or org.rep_a1.display_name in team_page
    rep_link = re.search(rf'href="(/dashboard/\?[^"]*level=rep[^"]*id={org.rep_a1.pk}[^"]*)"', team_page)
    rep_page = client.get(rep_link.group(1)).content.decode()
    assert f'href="/distributors/{cards.a1.pk}/"' in rep_page and "1,000.00" in rep_page


def test_page_in_chinese(org, sales, client_for):
    org.rm_a.language = "zh-hans"
    org.rm_a.save(update_fields=["language"])
    client = client_for(org.rm_a)
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/dashboard/?level=region&id={org.region_a.pk}", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200
    assert "销售额" in page.content.decode()


@pytest.mark.parametrize(("language", "unplanned"), [("en", "unplanned"), ("zh-hans", "计划外")])
def test_the_page_shows_unplanned_sales_beside_the_rates(org, sales, client_for, language, unplanned):
    """Team A1 sold 1,500.00; 800.00 of it to Acme, which has a plan: 80 %, with 700.00 unplanned beside it."""
    org.kam_a1.language = language
    org.kam_a1.save(update_fields=["language"])
    client = client_for(org.kam_a1)
    client.cookies["django_language"] = language
    page = client.get(f"/dashboard/?level=team&id={org.team_a1.pk}", HTTP_ACCEPT_LANGUAGE=language).content.decode()
    card = re.search(r'data-figure="unplanned_sales_amount">(.*?)</div>', page, re.S).group(1)
    assert unplanned in card and "700.00" in card and "800.00" in card
    assert 'data-rate="sales">80' in page


def test_trend_has_twelve_periods_and_a_year_earlier(org, cards, sales, api_for, client_for):
    _sell(cards.a1, "70.00", day=MONTH.replace(year=MONTH.year - 1))
    rollups.rebuild()
    body = (
        api_for(org.kam_a1).get(_url("team", org.team_a1.pk).replace("/api/dashboard/", "/api/dashboard/trend/")).json()
    )
    points = body["results"]
    assert len(points) == 12 and points[-1]["start"] == MONTH.isoformat()
    assert points[-1]["figures"]["sales_amount"] == "1500.00"
    assert points[-1]["year_ago"]["figures"]["sales_amount"] == "70.00"
    assert points[0]["start"] == (MONTH.replace(year=MONTH.year - 1) + timedelta(days=40)).replace(day=1).isoformat()
    partial = client_for(org.kam_a1).get(f"/dashboard/trend/?level=team&id={org.team_a1.pk}").content.decode()
    assert "1,500.00" in partial and "70.00" in partial


def test_every_rollup_task_is_idempotent(org, cards, sales):
    finance = org.finance
    invoice = money.record_invoice(
        distributor=cards.a1, number="I-1", issue_date=TODAY - timedelta(days=40), amount=Decimal("500.00"), by=finance
    )
    money.record_payment(
        distributor=cards.a1, amount=Decimal("120.00"), paid_on=TODAY, method="bank_transfer", by=finance, reference="R"
    )
    assert invoice.open_amount == Decimal("500.00")
    rollups.rebuild()
    once = rollup_tables()
    rollups.rebuild()
    assert rollup_tables() == once
    tasks.rebuild_recent_rollups.delay()
    tasks.rebuild_recent_rollups.delay()
    assert rollup_tables() == once
    tasks.refresh_rollups.delay([cards.a1.pk, cards.b1.pk])
    tasks.refresh_rollups.delay([cards.a1.pk, cards.b1.pk])
    assert rollup_tables() == once
    call_command("rebuild_rollups", "--from", (TODAY - timedelta(days=400)).isoformat(), stdout=io.StringIO())
    assert rollup_tables() == once
    assert RollupState.objects.count() == Distributor.objects.count()


def test_a_change_reaches_the_dashboard_after_the_commit(
    org, cards, sales, api_for, django_capture_on_commit_callbacks
):
    before = api_for(org.kam_a1).get(_url("team", org.team_a1.pk)).json()["figures"]["sales_amount"]
    order = Order(distributor=cards.a1b, rep=org.rep_a1b, order_date=TODAY)
    with django_capture_on_commit_callbacks(execute=True):
        order = save_order(
            order=order,
            lines=[LineInput(product=f.ProductFactory(), quantity=Decimal(2), unit_price=Decimal("25.00"))],
            by=org.rep_a1b,
        )
        set_order_status(order=order, status="confirmed", by=org.rep_a1b)
    after = api_for(org.kam_a1).get(_url("team", org.team_a1.pk)).json()["figures"]["sales_amount"]
    assert Decimal(after) - Decimal(before) == Decimal("50.00")


def test_tiers_follow_the_trailing_twelve_months(org, cards):
    last_month = (MONTH - timedelta(days=1)).replace(day=1)
    _sell(cards.a1, "8000.00", day=last_month)
    _sell(cards.a2, "1500.00", day=last_month)
    _sell(cards.b1, "500.00", day=last_month)
    _sell(cards.a1b, "9999.00", day=MONTH.replace(year=MONTH.year - 2))  # too old to count
    rollups.rebuild()
    result = tiers.recompute_tiers(on=TODAY)
    tier = dict(Distributor.objects.values_list("code", "tier"))
    assert (tier["A1-001"], tier["A2-001"], tier["B1-001"], tier["A1-101"]) == ("A", "B", "C", "C")
    assert result.changed >= 1
    again = tiers.recompute_tiers(on=TODAY)
    assert again.changed == 0 and dict(Distributor.objects.values_list("code", "tier")) == tier


def test_a_managers_home_page_starts_the_monday_review(org, sales, client_for):
    page = client_for(org.kam_a1).get("/").content.decode().replace("&amp;", "&")
    assert 'id="monday-review"' in page
    week_link = re.search(r'href="(/dashboard/\?[^"]*period=week[^"]*)"', page).group(1)
    assert f"id={org.team_a1.pk}" in week_link
    assert client_for(org.kam_a1).get(week_link).status_code == 200
    reports_link = re.search(r'href="(/period-reports/\?[^"]*)"', page).group(1)
    assert client_for(org.kam_a1).get(reports_link).status_code == 200
    assert 'id="monday-review"' not in client_for(org.rep_a1).get("/").content.decode()


def test_overdue_visits_on_the_dashboard_are_the_overdue_visits_list(org, cards, sales, api_for):
    from reports.visits import selectors

    Distributor.objects.filter(pk__in=[cards.a1.pk, cards.a1b.pk]).update(last_visited_on=TODAY - timedelta(days=45))
    Distributor.objects.filter(pk=cards.a1_second.pk).update(last_visited_on=TODAY - timedelta(days=2))
    listed = selectors.overdue_visits(for_user=org.kam_a1, as_of=TODAY)
    assert {row.distributor.pk for row in listed} == {cards.a1.pk, cards.a1b.pk}
    body = api_for(org.kam_a1).get(_url("team", org.team_a1.pk)).json()
    assert body["figures"]["overdue_visits"] == len(listed) == 2
    reps = {c["id"]: c["figures"]["overdue_visits"] for c in body["children"]}
    assert (reps[org.rep_a1.pk], reps[org.rep_a1b.pk]) == (1, 1)


@pytest.mark.parametrize("period", ["month", "week"])
def test_a_terminated_account_is_never_overdue_for_a_visit_on_any_dashboard(org, cards, sales, api_for, period):
    """The team's, the region's (by team) and the rep's dashboards count the overdue visits list's accounts: an
    ended cooperation is not due for a visit, however long ago its last one."""
    from reports.visits import selectors

    Distributor.objects.filter(pk__in=[cards.a1.pk, cards.a1b.pk]).update(last_visited_on=TODAY - timedelta(days=45))
    Distributor.objects.filter(pk=cards.a1b.pk).update(
        status="terminated", terminated_reason="closed", terminated_on=TODAY - timedelta(days=1)
    )
    listed = selectors.overdue_visits(for_user=org.kam_a1, as_of=TODAY)
    assert {row.distributor.pk for row in listed} == {cards.a1.pk}
    team = api_for(org.kam_a1).get(_url("team", org.team_a1.pk, period)).json()
    assert team["figures"]["overdue_visits"] == 1
    reps = {c["id"]: c["figures"]["overdue_visits"] for c in team["children"]}
    assert (reps[org.rep_a1.pk], reps[org.rep_a1b.pk]) == (1, 0)
    region = api_for(org.rm_a).get(_url("region", org.region_a.pk, period)).json()
    assert {c["id"]: c["figures"]["overdue_visits"] for c in region["children"]}[org.team_a1.pk] == 1
    rep = api_for(org.rep_a1b).get(_url("rep", org.rep_a1b.pk, period)).json()
    assert rep["figures"]["overdue_visits"] == 0


@pytest.mark.parametrize("path", ["/api/dashboard/", "/api/dashboard/trend/"])
@pytest.mark.parametrize("period", ["day", "week", "month", "year"])
def test_a_rep_with_no_account_and_no_split_sees_an_empty_dashboard_not_an_error(
    org, cards, sales, api_for, path, period
):
    """A rep's accounts are read first, as a list (those owned, those split to the rep); a new rep's list is empty."""
    newcomer = f.RepFactory(team=org.team_a1, username="zz_newcomer")
    response = api_for(newcomer).get(path + _url("rep", newcomer.pk, period).removeprefix("/api/dashboard/"))
    assert response.status_code == 200
    body = response.json()
    figures = body["figures"] if path == "/api/dashboard/" else body["results"][-1]["figures"]
    assert (figures["sales_amount"], figures["visits"], figures["sales_target"]) == ("0.00", 0, "0.00")
    if path == "/api/dashboard/":
        assert body["children"] == [] and body["top_accounts"] == []
