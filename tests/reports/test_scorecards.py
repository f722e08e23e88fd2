"""Rep scorecards from the outside: the same figures as the dashboard, scope, ratings on the admin's scale, files."""

import io
from datetime import date, timedelta
from decimal import Decimal

import openpyxl
import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import Complaint
from distributors.plans.services import SplitInput
from reports.analytics.rollups import services as rollups
from reports.models import Order, OrderLine, Scorecard, ScorecardRating
from tests import factories as f
from tests.plans import factories as pf

TODAY = timezone.localdate()
MONTH = TODAY.replace(day=1)


@pytest.fixture
def criteria(db):
    from importlib import import_module

    from django.apps import apps

    import_module("reports.migrations.0015_rating_criteria_defaults").create(apps, None)


def _sell(distributor, amount: str, day: date | None = None) -> None:
    order = Order.objects.create(
        distributor=distributor,
        rep=distributor.owner,
        order_date=day or MONTH,
        status="confirmed",
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


@pytest.fixture
def sales(org, cards, criteria):
    """This month: rep_a1 sold 1,000 against a 3,000 plan (shared 100 % to rep_a1), rep_a1b 500 against 400."""
    _sell(cards.a1, "800.00")
    _sell(cards.a1_second, "200.00")
    _sell(cards.a1b, "500.00")
    _sell(cards.b1, "900.00")
    quarter = (MONTH.month - 1) // 3 + 1
    for card, rep, amount in ((cards.a1, org.rep_a1, "3000.00"), (cards.a1b, org.rep_a1b, "400.00")):
        pf.approved_plan(
            kam=org.kam_a1,
            manager=org.rm_a,
            distributor=card,
            year=MONTH.year,
            quarter=quarter,
            targets=pf.targets(sales_amount=Decimal(amount), gross_profit=Decimal(amount) / 5, outlet_coverage=30),
            splits=[SplitInput(rep=rep, share_pct=Decimal("100"))],
        )
    Complaint.objects.create(
        distributor=cards.a1,
        kind="service",
        description="Late",
        received_on=MONTH,
        owner=org.rep_a1,
        recorded_by=org.rep_a1,
    )
    rollups.rebuild()


def _q(period="month", day=None):
    return f"period={period}&date={(day or TODAY).isoformat()}"


@pytest.mark.parametrize("period", ["month", "quarter"])
def test_scorecard_figures_are_the_dashboards(api_for, org, sales, period):
    """Results on a scorecard are the dashboard's figures for the same rep and period, and the team list's are the
    team dashboard's reps — including the expected rates (pacing)."""
    kam = api_for(org.kam_a1)
    mine = kam.get(f"/api/scorecards/{org.rep_a1.pk}/?{_q(period)}").json()
    board = kam.get(f"/api/dashboard/?level=rep&id={org.rep_a1.pk}&{_q(period)}").json()
    assert mine["figures"] == board["figures"]
    assert mine["figures"]["sales_amount"] == "1000.00"
    assert mine["relationship"]["complaints"] == 1 and mine["relationship"]["complaints_open"] == 1
    assert mine["relationship"]["promise_reliability"] is None  # no promise fell due
    team = kam.get(f"/api/scorecards/?team={org.team_a1.pk}&{_q(period)}").json()
    team_board = kam.get(f"/api/dashboard/?level=team&id={org.team_a1.pk}&children=rep&{_q(period)}").json()
    by_rep = {child["id"]: child["figures"] for child in team_board["children"]}
    assert {row["rep"]: row["figures"] for row in team["results"]} == {k: v for k, v in by_rep.items() if k}
    # Ranked on the sales rate as the dashboard ranks: rep_a1b (500 / 400) before rep_a1 (800 / 3000).
    assert [row["rep"] for row in team["results"]][:2] == [org.rep_a1b.pk, org.rep_a1.pk]
    assert [row["position"] for row in team["results"]][:2] == [1, 2]


def test_scope_from_the_outside(api_for, client_for, org, sales):
    """A rep sees their own scorecard; a teammate's, another team's or region's is a 404 like a missing one."""
    own = f"/api/scorecards/{org.rep_a1.pk}/?{_q()}"
    assert api_for(org.rep_a1).get(own).status_code == 200
    assert client_for(org.rep_a1).get(f"/reports/scorecards/{org.rep_a1.pk}/").status_code == 200
    for user in (org.rep_a1b, org.kam_a2, org.rm_b, org.finance, org.kam_b1):
        assert api_for(user).get(own).status_code == 404, user
        assert api_for(user).get(f"/api/scorecards/{org.rep_a1.pk}/pdf/?{_q()}").status_code == 404, user
        assert client_for(user).get(f"/reports/scorecards/{org.rep_a1.pk}/").status_code == 404, user
        assert client_for(user).get(f"/reports/scorecards/{org.rep_a1.pk}/scorecard.xlsx").status_code == 404, user
    for user in (org.kam_a1, org.rm_a, org.admin):
        assert api_for(user).get(own).status_code == 200, user
    # A team's list: its KAM and regional manager; another KAM gets 404.
    assert api_for(org.rm_a).get(f"/api/scorecards/?team={org.team_a1.pk}").status_code == 200
    assert api_for(org.kam_b1).get(f"/api/scorecards/?team={org.team_a1.pk}").status_code == 404
    assert client_for(org.kam_b1).get(f"/reports/scorecards/?team={org.team_a1.pk}").status_code == 200  # own team
    assert "rep_a1" not in client_for(org.kam_b1).get(f"/reports/scorecards/?team={org.team_a1.pk}").content.decode()
    # A rep's list is their own row.
    rows = api_for(org.rep_a1).get("/api/scorecards/").json()["results"]
    assert [row["rep"] for row in rows] == [org.rep_a1.pk]


def test_manager_rates_and_the_rating_is_weighted_and_ranked(api_for, org, sales):
    kam = api_for(org.kam_a1)
    url = f"/api/scorecards/{org.rep_a1.pk}/"
    answer = kam.post(
        url,
        {
            "period": "month",
            "date": TODAY.isoformat(),
            "ratings": {"knowledge": "5", "teamwork": "3", "attitude": "1"},
            "training_needs": "Negotiation with key accounts",
        },
        format="json",
    )
    assert answer.status_code == 200, answer.json()
    # 0.4 × 1 + 0.3 × 0.5 + 0.3 × 0 = 0.55
    assert answer.json()["rating"] == "0.5500"
    assert answer.json()["training_needs"] == "Negotiation with key accounts"
    kam.post(url.replace(str(org.rep_a1.pk), str(org.rep_a1b.pk)), {"ratings": {"knowledge": "2"}}, format="json")
    team = kam.get(f"/api/scorecards/?team={org.team_a1.pk}").json()["results"]
    positions = {row["rep"]: (row["rating"], row["rating_position"]) for row in team}
    assert positions[org.rep_a1.pk] == ("0.5500", 1)
    assert positions[org.rep_a1b.pk] == ("0.2500", 2)
    # A rep may not rate themselves (403); a manager outside the scope gets 404.
    assert api_for(org.rep_a1).post(url, {"ratings": {"knowledge": "5"}}, format="json").status_code == 403
    assert api_for(org.kam_a2).post(url, {"ratings": {"knowledge": "5"}}, format="json").status_code == 404
    # The change is in the earlier-period comparison of next month's scorecard.
    history = kam.get(f"{url}?period=month&date={(MONTH.replace(day=28) + timezone.timedelta(days=5)).isoformat()}")
    assert history.json()["history"][1]["rating"] == "0.5500"


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    score=st.one_of(
        st.decimals(allow_nan=False, allow_infinity=False, places=1).filter(lambda d: not 1 <= d <= 5),
        st.decimals(min_value=1, max_value=5, places=2).filter(lambda d: d != d.quantize(Decimal("0.1"))),
        st.sampled_from(["abc", "NaN", "Infinity", "1e9", "", " 6"]),
    )
)
def test_score_outside_the_scale_is_a_field_error_and_nothing_is_saved(api_for, org, criteria, score):
    if score == "":  # blank means "not rated", which is fine
        return
    answer = api_for(org.kam_a1).post(
        f"/api/scorecards/{org.rep_a1.pk}/",
        {"ratings": {"teamwork": "4", "knowledge": str(score)}, "training_needs": "x"},
        format="json",
    )
    assert answer.status_code == 400
    assert "knowledge" in answer.json()["ratings"]
    assert not Scorecard.objects.exists() and not ScorecardRating.objects.exists()


def test_unknown_criterion_is_a_field_error(api_for, org, criteria):
    answer = api_for(org.kam_a1).post(f"/api/scorecards/{org.rep_a1.pk}/", {"ratings": {"luck": "3"}}, format="json")
    assert answer.status_code == 400 and "luck" in answer.json()["ratings"]


def test_page_rates_with_form_errors_and_files(client_for, org, sales):
    kam = client_for(org.kam_a1)
    page = f"/reports/scorecards/{org.rep_a1.pk}/?{_q()}"
    bad = kam.post(page, {"score_knowledge": "9", "score_teamwork": "3", "training_needs": ""})
    assert bad.status_code == 200 and "is-invalid" in bad.content.decode()
    assert not Scorecard.objects.exists()
    good = kam.post(page, {"score_knowledge": "4", "score_teamwork": "4", "score_attitude": "4.5"})
    assert good.status_code == 302
    assert Scorecard.objects.get(rep=org.rep_a1).ratings.count() == 3
    listing = kam.get(f"/reports/scorecards/?{_q()}").content.decode()
    assert org.rep_a1.display_name in listing and org.rep_a1b.display_name in listing
    # The rep sees the scorecard but no form; posting is refused.
    rep = client_for(org.rep_a1)
    assert "rating-form" not in rep.get(page).content.decode()
    assert rep.post(page, {"score_knowledge": "5"}).status_code == 403
    # PDF and workbook, in Chinese for a Chinese-speaking user.
    org.kam_a1.language = "zh-hans"
    org.kam_a1.save(update_fields=["language"])
    pdf = client_for(org.kam_a1).get(f"/reports/scorecards/{org.rep_a1.pk}/scorecard.pdf?{_q()}")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = client_for(org.kam_a1).get(f"/api/scorecards/{org.rep_a1.pk}/xlsx/?{_q()}")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.content))
    cells = [c for row in book.worksheets[1].iter_rows(values_only=True) for c in row]
    assert "专业知识" in cells and Decimal(str(cells[cells.index("专业知识") + 1])) == Decimal("4")


def test_promise_reliability_of_the_reps_accounts(api_for, org, cards, criteria):
    """A promise on rep_a1's account fell due and nothing arrived (0 %); rep_a1's other account had no promise due
    and a teammate's account is not the rep's: the scorecard shows 0 %, the mean over the accounts with one."""
    from receivables.models import CollectionActivity

    made, due = TODAY - timedelta(days=20), TODAY - timedelta(days=5)
    for card in (cards.a1, cards.a1b):
        CollectionActivity.objects.create(
            distributor=card,
            kind="promise",
            occurred_on=made,
            promised_on=due,
            promised_amount=Decimal("100.00"),
            by=card.owner,
        )
    found = api_for(org.kam_a1).get(f"/api/scorecards/{org.rep_a1.pk}/").json()["relationship"]
    assert found["promise_reliability"] == "0.0000"
    assert api_for(org.kam_a1).get(f"/api/scorecards/{org.rep_a2.pk}/").status_code == 404
