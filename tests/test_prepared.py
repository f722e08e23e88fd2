"""Querysets compiled once per shape (``kamcrm.prepared``): every call answers what the ORM answers for its own
values, whichever values came first; a value of a kind it cannot put in runs the ORM as it is."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncMonth
from django.test.utils import CaptureQueriesContext, override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from distributors.models import Distributor
from kamcrm import prepared
from tests import factories as f

pytestmark = pytest.mark.django_db

DAY0 = date(2026, 1, 1)


@pytest.fixture
def cards():
    prepared.clear()
    teams = [f.TeamFactory(), f.TeamFactory()]
    reps = [f.RepFactory(team=teams[i % 2]) for i in range(4)]
    found = []
    for i in range(12):
        card = f.DistributorFactory(owner=reps[i % 4], outlets_city=i, outlets_town=i % 3)
        Distributor.objects.filter(pk=card.pk).update(last_visited_on=DAY0 + timedelta(days=20 * i))
        found.append(card)
    yield teams, reps, found
    prepared.clear()


def _by_owner(cards: Q, since: date):
    return (
        Distributor.objects.filter(cards, last_visited_on__gte=since)
        .order_by("owner_id")
        .values("owner_id")
        .annotate(n=Count("pk"), outlets=Sum(F("outlets_city") + F("outlets_town")))
    )


def _listed(ids: list, since: date, team: int):
    return (
        Distributor.objects.filter(pk__in=ids, owner__team_id=team)
        .exclude(last_visited_on__lt=since)
        .order_by("pk")
        .values_list("pk", "last_visited_on")
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    calls=st.lists(
        st.tuples(st.integers(0, 3), st.integers(0, 400), st.integers(0, 1), st.lists(st.integers(0, 11), max_size=6)),
        min_size=2,
        max_size=5,
    )
)
def test_each_call_answers_what_the_orm_answers_for_its_own_values(cards, calls):
    """After the first call of a shape compiled it, later calls with other reps, teams, days and ids get their own
    answer (the ORM's), in one query each, from the statement compiled once."""
    teams, reps, found = cards
    for rep, days, team, picks in calls:
        since = DAY0 + timedelta(days=days)
        within = Q(owner_id=reps[rep].pk) | Q(owner__team_id=teams[team].pk)
        with CaptureQueriesContext(connection) as queries:
            got = prepared.rows("test.by_owner", _by_owner, cards=within, since=since)
        assert got == list(_by_owner(within, since))
        assert len(queries) == 1
        ids = list(dict.fromkeys(found[i].pk for i in picks))  # no repeats: ``__in`` drops them
        got = prepared.rows("test.listed", _listed, ids=ids, since=since, team=teams[team].pk)
        assert got == list(_listed(ids, since, teams[team].pk))
    compiled = [statement for statement in prepared._compiled.values() if statement is not None]
    assert compiled, "nothing was compiled: every call ran the ORM"


def test_the_compiled_statement_is_used_not_the_orms(cards):
    """The second call of a shape neither builds nor compiles the queryset (the check off, as in production)."""
    teams, reps, _found = cards
    built = []

    def build(cards, since):
        built.append(1)
        return _by_owner(cards, since)

    with override_settings(PREPARED_QUERIES_CHECK=False):
        first = prepared.rows("test.used", build, cards=Q(owner_id=reps[0].pk), since=DAY0)
        second = prepared.rows("test.used", build, cards=Q(owner_id=reps[1].pk), since=DAY0)
    assert len(built) == 2  # one to learn the model, one with the markers
    assert first == list(_by_owner(Q(owner_id=reps[0].pk), DAY0))
    assert second == list(_by_owner(Q(owner_id=reps[1].pk), DAY0))
    assert first != second


def test_a_value_the_orm_transforms_runs_as_it_is(cards):
    """``__year`` turns the year into two dates, ``__startswith`` a prefix into a pattern: the marker never
    reaches the parameters, so the shape is not compiled, and each call still gets its own answer."""
    _teams, _reps, _found = cards

    def build(year):
        return Distributor.objects.filter(last_visited_on__year=year).order_by("pk").values_list("pk", flat=True)

    def starting(prefix):  # ``startswith`` puts the prefix in a LIKE pattern: ``prefix%``
        return Distributor.objects.filter(code__startswith=prefix).order_by("pk").values_list("pk", flat=True)

    for year in (2026, 2027, 2026):
        assert prepared.rows("test.year", build, year=year) == list(build(year))
    codes = [card.code for card in _found]
    for prefix in (codes[0][:2], codes[1], "none", codes[2]):
        assert prepared.rows("test.prefix", starting, prefix=prefix) == list(starting(prefix))
    assert len(prepared._compiled) == 2
    assert all(statement is None for statement in prepared._compiled.values())


def test_values_of_other_kinds_and_long_lists_run_as_they_are(cards):
    _teams, _reps, found = cards
    subquery = Distributor.objects.filter(outlets_city__gte=6).values("pk")

    def build(cards):
        return Distributor.objects.filter(cards).order_by("pk").values_list("pk", flat=True)

    assert prepared.rows("test.subquery", build, cards=Q(pk__in=subquery)) == [c.pk for c in found[6:]]
    many = [c.pk for c in found] + list(range(10**6, 10**6 + prepared.MAX_LIST))
    assert prepared.rows("test.many", build, cards=Q(pk__in=many)) == [c.pk for c in found]
    assert not prepared._compiled


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "America/Los_Angeles", "UTC"])
def test_the_time_zone_is_part_of_the_shape(cards, zone):
    """A month of a timestamp is the month in the current time zone: each zone its own statement."""
    _teams, _reps, _found = cards

    def build(low):
        return (
            Distributor.objects.filter(pk__gte=low)
            .annotate(month=TruncMonth("created_at"))
            .order_by("month")
            .values_list("month", flat=True)
            .distinct()
        )

    for other in ("Asia/Shanghai", "America/Los_Angeles", "UTC"):
        with timezone.override(other):
            prepared.rows("test.zone", build, low=0)
    with timezone.override(zone):
        assert prepared.rows("test.zone", build, low=0) == list(build(0))
        assert len(prepared._compiled) == 3


def test_a_build_that_reads_a_value_of_its_own_fails_the_check(cards):
    """The test settings' check catches a build that takes a value from elsewhere than its arguments (compiled
    once and kept, it would be wrong on the next call)."""
    _teams, reps, _found = cards
    outside = {"rep": reps[0].pk}

    def build(since):
        return _by_owner(Q(owner_id=outside["rep"]), since)

    prepared.rows("test.outside", build, since=DAY0)
    outside["rep"] = reps[1].pk
    with pytest.raises(AssertionError):
        prepared.rows("test.outside", build, since=DAY0)


def test_a_small_integer_column_takes_its_values_by_marker(cards):
    """A marker out of a column's range makes the ORM drop the condition: int markers stay within a small integer
    column's, so a year or a visit frequency is compiled once like any other value."""
    _teams, _reps, found = cards
    for i, card in enumerate(found):
        Distributor.objects.filter(pk=card.pk).update(visit_frequency_days=7 * (i % 3 + 1))

    def build(days):
        return Distributor.objects.filter(visit_frequency_days__in=days).order_by("pk").values_list("pk", flat=True)

    for days in ([7], [14, 21], [7, 21], [30]):
        assert prepared.rows("test.small", build, days=days) == list(build(days))
    assert all(statement is not None for statement in prepared._compiled.values())
