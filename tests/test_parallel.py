"""Independent reads side by side (``kamcrm.parallel``): on their own connections outside a transaction, in the
caller's thread inside one, with the caller's language; and a dashboard read side by side is the dashboard read
one read after the other, and the source rows' figures.

These tests commit (``transaction=True``): the reads side by side only run outside a transaction, on connections
that see what is committed.
"""

import threading
from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone, translation

from accounts.models import User
from kamcrm import parallel
from reports.analytics.dashboards import selectors as dashboard
from tests.reports.test_dashboard_figures import TODAY, expected, history, pick  # noqa: F401 (history: a fixture)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="side by side on PostgreSQL only"),
]


def _backend() -> tuple[int, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return threading.get_ident(), cursor.fetchone()[0]


def test_outside_a_transaction_the_reads_run_side_by_side_on_connections_of_their_own(settings):
    settings.PARALLEL_READS = 3
    started = threading.Barrier(3, timeout=10)  # all three wait for each other: they only pass if they run at once

    def read():
        started.wait()
        return _backend()

    first, second, third = parallel.together(read, read, read)
    assert len({first[0], second[0], third[0]}) == 3  # three threads
    assert len({first[1], second[1], third[1]}) == 3  # three connections
    assert first[0] == threading.get_ident()  # the first in the caller's


def test_inside_a_transaction_every_read_is_the_callers_and_sees_its_uncommitted_writes(settings):
    settings.PARALLEL_READS = 3
    with transaction.atomic():
        User.objects.create(username="uncommitted")
        results = parallel.together(
            _backend, lambda: User.objects.filter(username="uncommitted").exists(), lambda: _backend()[0]
        )
    assert results[0][0] == results[2] == threading.get_ident()
    assert results[1] is True


def test_with_no_threads_configured_the_reads_run_one_after_the_other(settings):
    settings.PARALLEL_READS = 0
    assert {ident for ident, _pid in parallel.together(_backend, _backend)} == {threading.get_ident()}


def test_a_read_side_by_side_has_the_callers_language_and_time_zone_and_its_error_reaches_the_caller(settings):
    settings.PARALLEL_READS = 2
    with translation.override("zh-hans"), timezone.override("Europe/Paris"):
        _none, language, zone = parallel.together(
            lambda: None, translation.get_language, timezone.get_current_timezone_name
        )
    assert (language, zone) == ("zh-hans", "Europe/Paris")
    ended = []

    def fails():
        raise ValueError("a read failed")

    def slow():
        threading.Event().wait(0.2)
        ended.append(True)
        return 1

    with pytest.raises(ValueError, match="a read failed"):
        parallel.together(lambda: None, fails, slow)
    assert ended == [True]  # every read had ended when the error was raised


def test_a_read_side_by_side_fans_out_no_further(settings):
    settings.PARALLEL_READS = 2

    def inner():
        return parallel.enabled()

    assert parallel.enabled() is True
    assert parallel.together(lambda: None, inner)[1] is False


@pytest.mark.usefixtures("history")
def test_dashboards_read_side_by_side_equal_those_read_one_after_the_other_and_the_source_rows(
    org, settings, monkeypatch
):
    pooled = []
    run_in_pool = parallel._run_in_pool
    monkeypatch.setattr(
        parallel, "_run_in_pool", lambda call, *context: pooled.append(call) or run_in_pool(call, *context)
    )
    cases = [
        ("company", None, "month"),
        ("company", None, "year"),
        ("region", org.region_a, "quarter"),
        ("region", org.region_b, "month"),
        ("team", org.team_a1, "month"),
        ("team", org.team_a2, "week"),
        ("rep", org.rep_a1, "month"),
    ]
    for level, obj, kind in cases:
        for day in (TODAY, TODAY - timedelta(days=40)):
            scope, period = dashboard.Scope(level, obj), dashboard.period_containing(kind, day)
            settings.PARALLEL_READS = 3
            before = len(pooled)
            side_by_side = dashboard.dashboard(scope=scope, period=period)
            assert len(pooled) > before, (level, kind)
            settings.PARALLEL_READS = 0
            one_by_one = dashboard.dashboard(scope=scope, period=period)
            assert dashboard.dashboard_json(side_by_side) == dashboard.dashboard_json(one_by_one), (level, kind, day)
            assert pick(side_by_side.figures) == expected(level, scope.id, period)
