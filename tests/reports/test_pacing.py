"""Pacing from the outside: ``expected_rate`` beside every rate of a running period, on the dashboard API and page,
at the period's edges (first day, last day, closed, future) with a frozen "today", with and without a seasonal plan."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.plans.services import SplitInput
from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.rollups import services as rollups
from tests.plans import factories as pf
from tests.reports.test_dashboard import _sell

RATES = ("sales", "gross_profit", "collection", "market", "visit")
NOVEMBER = date(2026, 11, 1)


@pytest.fixture
def frozen(monkeypatch):
    """freeze(day) makes ``timezone.localdate()`` answer ``day`` (the app's "today" in TIME_ZONE)."""

    def freeze(day: date) -> None:
        monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: day)

    return freeze


@pytest.fixture
def q4(org, cards):
    """Q4 2026: Acme (rep_a1) has an even plan of 3,000, Blue Sky (rep_a1) a seasonal one of 3,200 (Oct 9 %, Nov
    10 %, Dec 13 % → 900 / 1,000 / 1,300); Acme sold 2,000 in November."""
    pf.approved_plan(
        kam=org.kam_a1,
        manager=org.rm_a,
        distributor=cards.a1,
        year=2026,
        quarter=4,
        targets=pf.targets(sales_amount=Decimal("3000.00"), gross_profit=Decimal("600.00")),
        splits=[SplitInput(rep=org.rep_a1, share_pct=Decimal("100"))],
    )
    pf.approved_plan(
        kam=org.kam_a1,
        manager=org.rm_a,
        distributor=cards.a1_second,
        year=2026,
        quarter=4,
        targets=pf.targets(sales_amount=Decimal("3200.00"), gross_profit=Decimal("640.00")),
        distribution="profile",
        seasonal_profile=pf.SeasonalProfileFactory(name="Busy year end"),
        splits=[SplitInput(rep=org.rep_a1, share_pct=Decimal("100"))],
    )
    _sell(cards.a1, "2000.00", day=date(2026, 11, 10))
    rollups.rebuild()


def _figures(api, level, pk, period, day):
    url = f"/api/dashboard/?level={level}&period={period}&date={day.isoformat()}" + (f"&id={pk}" if pk else "")
    response = api.get(url)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 11, 1), "0.0333"),  # the first day counts: 1 of 30
        (date(2026, 11, 15), "0.5000"),
        (date(2026, 11, 30), "1.0000"),  # the last day: the whole target is due
        (date(2026, 12, 1), None),  # closed
        (date(2026, 10, 31), None),  # not started yet
    ],
)
def test_expected_rate_of_a_month_at_its_edges(org, cards, q4, api_for, frozen, today, expected):
    frozen(today)
    body = _figures(api_for(org.kam_a1), "team", org.team_a1.pk, "month", NOVEMBER)
    for name in RATES:
        assert body["figures"][f"{name}_expected_rate"] == expected, name
    for child in body["children"]:  # the ranking's rows carry it too
        assert child["figures"]["collection_expected_rate"] == expected
    if expected is None:
        assert body["figures"]["sales_pace"] is None
    assert body["figures"]["sales_rate"] is not None  # existing keys are unchanged


def test_a_seasonal_plan_paces_by_its_own_curve(org, cards, q4, api_for, frozen):
    frozen(date(2026, 11, 15))
    api = api_for(org.kam_a1)
    # Acme (even plan): days elapsed ÷ days = (31 + 15) ÷ 92 = 0.5.
    acme = _figures(api, "team", org.team_a1.pk, "quarter", NOVEMBER)
    accounts = {c["id"]: c["figures"] for c in acme["top_accounts"] + acme["bottom_accounts"]}
    assert accounts[cards.a1.pk]["sales_expected_rate"] == "0.5000"
    # Blue Sky (seasonal): October's 900 + half of November's 1,000 = 1,400 of 3,200 = 0.4375.
    blue = _figures(api, "rep", org.rep_a1.pk, "quarter", NOVEMBER)
    by_account = {c["id"]: c["figures"] for c in blue["children"]}
    assert by_account[cards.a1_second.pk]["sales_expected_rate"] == "0.4375"
    assert by_account[cards.a1_second.pk]["collection_expected_rate"] == "0.5000"  # collection: days
    # The team: weighted by the targets, (3000 × 0.5 + 3200 × 0.4375) ÷ 6200 = 0.4677…
    assert acme["figures"]["sales_expected_rate"] == "0.4677"
    # Sales 2,000 of 6,200 = 0.3226: behind the 0.4677 expected.
    assert acme["figures"]["sales_rate"] == "0.3226" and acme["figures"]["sales_pace"] == "behind"
    # In November alone, Acme's 2,000 of 1,000 is ahead of the 0.5 expected.
    month = _figures(api, "rep", org.rep_a1.pk, "month", NOVEMBER)
    by_account = {c["id"]: c["figures"] for c in month["children"]}
    assert by_account[cards.a1.pk]["sales_pace"] == "ahead"
    assert by_account[cards.a1.pk]["sales_expected_rate"] == "0.5000"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(dashboard.PERIODS),
    day=st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31)),
    offset=st.integers(min_value=-400, max_value=400),
)
def test_without_a_seasonal_plan_the_expected_rate_is_days_elapsed_over_days(org, api_for, frozen, kind, day, offset):
    """Any period kind and any day of it or around it: the company's expected rate is the days ratio, or null."""
    today = day + timedelta(days=offset)
    frozen(today)
    period = dashboard.period_containing(kind, day)
    body = _figures(api_for(org.admin), "company", None, kind, day)
    if period.start <= today <= period.end:
        share = Decimal((today - period.start).days + 1) / Decimal(period.days)
        wanted = f"{share.quantize(Decimal('0.0001'), rounding='ROUND_HALF_UP'):.4f}"
    else:
        wanted = None
    for name in RATES:
        assert body["figures"][f"{name}_expected_rate"] == wanted


def test_trend_gives_the_running_period_an_expected_rate_only(org, cards, q4, api_for, frozen):
    frozen(date(2026, 11, 15))
    url = f"/api/dashboard/trend/?level=team&id={org.team_a1.pk}&period=month&date=2026-11-15"
    results = api_for(org.kam_a1).get(url).json()["results"]
    assert results[-1]["figures"]["sales_expected_rate"] == "0.5000"
    assert all(p["figures"]["sales_expected_rate"] is None for p in results[:-1])


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_says_ahead_or_behind_in_both_languages(org, cards, q4, client_for, frozen, language):
    frozen(date(2026, 11, 15))
    org.kam_a1.language = language
    org.kam_a1.save(update_fields=["language"])
    page = client_for(org.kam_a1).get(
        f"/dashboard/?level=team&id={org.team_a1.pk}&period=quarter&date=2026-11-15",
        HTTP_ACCEPT_LANGUAGE=language,
    )
    html = page.content.decode()
    assert page.status_code == 200
    words = {"en": ("Behind pace", "expected"), "zh-hans": ("落后于进度", "应达")}[language]
    assert 'data-pace="sales"' in html and "pace-behind" in html
    for word in words:
        assert word in html
    assert "46.8 %" in html  # the expected rate shown beside the rate
    # The ranking shows each child's pace too.
    ranking = html[html.index('id="ranking"') :]
    assert "pace-behind" in ranking[: ranking.index("</table>")] or "pace-ahead" in ranking[: ranking.index("</table>")]


def test_closed_period_page_shows_no_pace(org, cards, q4, client_for, frozen):
    frozen(date(2027, 1, 10))
    html = client_for(org.kam_a1).get(f"/dashboard/?level=team&id={org.team_a1.pk}&period=quarter&date=2026-11-15")
    assert html.status_code == 200
    assert "pace-behind" not in html.content.decode() and "pace-ahead" not in html.content.decode()
