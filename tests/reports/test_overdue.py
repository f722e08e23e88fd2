"""Overdue-for-a-visit computation: frequency by tier or per account, around month and year ends."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from distributors.models import Distributor
from reports.visits import selectors


def overdue_codes(user, as_of):
    return [(r.distributor.code, r.days_overdue) for r in selectors.overdue_visits(for_user=user, as_of=as_of)]


@pytest.fixture
def visited(org, cards):
    """A1-001 is tier A (weekly), A1-002 tier B (two weeks); both last visited on 2026-12-24."""
    Distributor.objects.filter(pk=cards.a1.pk).update(tier="A", last_visited_on=date(2026, 12, 24))
    Distributor.objects.filter(pk=cards.a1_second.pk).update(tier="B", last_visited_on=date(2026, 12, 24))
    return cards


def test_weekly_account_is_overdue_after_seven_days_across_the_year_end(org, visited):
    assert overdue_codes(org.rep_a1, date(2026, 12, 31)) == []  # due on the 31st: not yet overdue
    assert overdue_codes(org.rep_a1, date(2027, 1, 1)) == [("A1-001", 1)]
    assert overdue_codes(org.rep_a1, date(2027, 1, 8)) == [("A1-001", 8), ("A1-002", 1)]


def test_an_accounts_own_frequency_wins_over_the_tier(org, visited):
    Distributor.objects.filter(pk=visited.a1.pk).update(visit_frequency_days=3)
    assert overdue_codes(org.rep_a1, date(2026, 12, 28)) == [("A1-001", 1)]


def test_month_end_february(org, cards):
    Distributor.objects.filter(pk=cards.a1.pk).update(tier="C", last_visited_on=date(2027, 1, 31))
    Distributor.objects.filter(pk=cards.a1_second.pk).update(last_visited_on=date(2027, 3, 1))
    assert overdue_codes(org.rep_a1, date(2027, 3, 2)) == []  # due 2 March (30 days after 31 January)
    assert overdue_codes(org.rep_a1, date(2027, 3, 3)) == [("A1-001", 1)]


def test_never_visited_counts_from_the_local_day_the_card_was_created(org, cards):
    # Created at 2026-11-30 20:00 UTC = 1 December 04:00 in Shanghai: the local day is 1 December.
    created = datetime(2026, 11, 30, 20, 0, tzinfo=ZoneInfo("UTC"))
    Distributor.objects.filter(pk__in=[cards.a1.pk, cards.a1_second.pk]).update(
        tier="A", created_at=created, last_visited_on=None
    )
    assert overdue_codes(org.rep_a1, date(2026, 12, 8)) == []
    assert [code for code, _ in overdue_codes(org.rep_a1, date(2026, 12, 9))] == ["A1-001", "A1-002"]


def test_scope_rep_sees_own_kam_sees_team_and_terminated_are_left_out(org, visited):
    Distributor.objects.filter(pk=visited.a1b.pk).update(tier="A", last_visited_on=date(2026, 12, 1))
    Distributor.objects.filter(pk=visited.b1.pk).update(tier="A", last_visited_on=date(2026, 12, 1))
    as_of = date(2027, 1, 8)
    assert "A1-101" not in dict(overdue_codes(org.rep_a1, as_of))
    team = dict(overdue_codes(org.kam_a1, as_of))
    assert {"A1-001", "A1-002", "A1-101"} <= set(team) and "B1-001" not in team
    assert next(iter(team)) == "A1-101"  # most overdue first
    Distributor.objects.filter(pk=visited.a1b.pk).update(
        status="terminated", terminated_reason="x", terminated_on=date(2026, 12, 2)
    )
    assert "A1-101" not in dict(overdue_codes(org.kam_a1, as_of))
