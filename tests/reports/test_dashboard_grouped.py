"""The company and region dashboards grouped in SQL (issue 16) show the same figures, to the cent, as adding up
their accounts one by one, and as the naive recomputation from the source rows.

A region or the company broken down by region or team, for whole months, is read grouped by the child; the top
and bottom accounts are ranked in SQL. Broken down by account, the same scope still adds up every account in
Python: both must agree on the total, and the children must add up to it.
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.analytics.dashboards import selectors as dashboard
from reports.analytics.models import DistributorMonth, TargetMonth
from tests import factories as f
from tests.reports.test_dashboard_figures import TODAY, expected, history, pick  # noqa: F401 (history: a fixture)

ADDITIVE = dashboard.FIGURE_NAMES  # every summed figure (the rates, pacing and DSO are not sums)


def _sums(children) -> dict:
    return {name: sum(getattr(c.figures, name) or 0 for c in children) for name in ADDITIVE}


def _ranked(accounts) -> list:
    return [(c.id, c.label, c.figures.as_api()) for c in accounts]


@pytest.mark.usefixtures("history")
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    level=st.sampled_from(["company", "region"]),
    kind=st.sampled_from(["month", "quarter", "year"]),
    offset=st.integers(min_value=-430, max_value=45),
    accounts=st.integers(min_value=1, max_value=5),
)
def test_grouped_totals_equal_their_regions_teams_accounts_and_the_source_rows(org, level, kind, offset, accounts):
    scope = dashboard.Scope(level, org.region_a if level == "region" else None)
    period = dashboard.period_containing(kind, TODAY + timedelta(days=offset))
    board = dashboard.dashboard(scope=scope, period=period, accounts=accounts)
    by_team = dashboard.dashboard(scope=scope, period=period, children_level="team", accounts=accounts)
    by_account = dashboard.dashboard(scope=scope, period=period, children_level="distributor", accounts=accounts)

    # The total: the same as account by account (every figure, pacing and DSO included) and as the source rows.
    assert board.figures.as_api() == by_team.figures.as_api() == by_account.figures.as_api()
    assert pick(board.figures) == expected(level, scope.id, period)
    # The children add up to it: the regions (company) or teams, the teams, the accounts.
    want = {name: getattr(board.figures, name) for name in ADDITIVE}
    assert _sums(board.children) == want
    assert _sums(by_team.children) == want
    assert _sums(by_account.children) == want
    # Each child as its own dashboard and as the source rows.
    for child in board.children:
        if child.id is not None:
            assert pick(child.figures) == expected(board.children_level, child.id, period)
    # The top and bottom accounts ranked in SQL are those ranked in Python over every account, with their figures.
    assert _ranked(board.top_accounts) == _ranked(by_account.top_accounts)
    assert _ranked(board.bottom_accounts) == _ranked(by_account.bottom_accounts)
    assert board.bottom_accounts or not any(c.figures.sales_rate is not None for c in by_account.children)


LABELS = ["Acme", "acme", "Ácme", "Acme ", "上海贸易", "上海", "Zeta", "zeta-2"]
AMOUNTS = [Decimal(v) for v in ("0.00", "100.00", "100.00", "250.50", "333.33", "-50.00")]


@pytest.mark.django_db
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from(LABELS),
            st.sampled_from(["", "short"] + LABELS),
            st.sampled_from(AMOUNTS),
            st.one_of(st.none(), st.sampled_from(AMOUNTS + [Decimal("1000.00"), Decimal("0.03")])),
        ),
        min_size=1,
        max_size=10,
    ),
    accounts=st.integers(min_value=1, max_value=6),
    level=st.sampled_from(["company", "region"]),
)
def test_sql_ranking_orders_ties_as_the_per_account_ranking(org, rows, accounts, level):
    """The class of inputs the demo's early-month screens hit: many accounts tied (no sales yet against a plan,
    the same sales), labels that tie, differ only in case or accents, or are Chinese, short names left empty,
    negative sales (returns) and plans without a sales target. The top and bottom accounts ranked in SQL are those
    the per-account dashboard ranks in Python, in the same order."""
    month = TODAY.replace(day=1)
    reps = [org.rep_a1, org.rep_a1b, org.rep_a2, org.rep_b1]
    for n, (name, short_name, sales, target) in enumerate(rows):
        card = f.DistributorFactory(name=name, short_name=short_name, owner=reps[n % len(reps)])
        DistributorMonth.objects.create(distributor=card, month=month, sales_amount=sales, orders=1)
        if target is not None:
            TargetMonth.objects.create(distributor=card, month=month, sales_amount=target, gross_profit=0)
    scope = dashboard.Scope(level, org.region_a if level == "region" else None)
    period = dashboard.period_containing("month", TODAY)
    grouped = dashboard.dashboard(scope=scope, period=period, children_level="team", accounts=accounts)
    by_account = dashboard.dashboard(scope=scope, period=period, children_level="distributor", accounts=accounts)
    assert _ranked(grouped.top_accounts) == _ranked(by_account.top_accounts)
    assert _ranked(grouped.bottom_accounts) == _ranked(by_account.bottom_accounts)
