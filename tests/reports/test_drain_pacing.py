"""The rollups' drain paced (``ROLLUP_DRAIN_INTERVAL_SECONDS``, issue 16): at once after a quiet spell, then at most
one drain per interval, each refreshing everything the interval's writes stored, so that no write waits more than
an interval plus a drain for its dashboards."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test.utils import override_settings
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from reports.analytics.models import DistributorDay, PendingRefresh
from reports.analytics.rollups import services as rollups
from tests.reports.test_api import visit_payload

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


class Worker:
    """The broker and one worker, on a clock of the test's: a queued drain runs when its countdown is over."""

    def __init__(self, monkeypatch, start: float = 1_000_000.0):
        self.now, self.queued, self.starts = start, [], []
        monkeypatch.setattr(rollups, "wall_clock", lambda: self.now)
        monkeypatch.setattr(rollups.outbox, "enqueue", self.enqueue)

    def enqueue(self, task, *, countdown=None, **_kwargs):
        assert task == "reports.tasks.drain_rollup_refreshes"
        self.queued.append(self.now + (countdown or 0))

    def run_until(self, moment: float) -> None:
        """Every drain due up to ``moment``, at the time it is due (one worker: one after the other)."""
        while self.queued and min(self.queued) <= moment:
            due = min(self.queued)
            self.queued.remove(due)
            self.now = max(self.now, due)
            self.starts.append(self.now)
            rollups.drain()
        self.now = max(self.now, moment)


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@settings(max_examples=30, deadline=None)
@given(
    last_start=st.none() | st.floats(0, 100, allow_nan=False),
    now=st.floats(0, 100, allow_nan=False),
    interval=st.integers(0, 10),
)
def test_the_next_drain_waits_for_the_rest_of_the_interval_and_never_longer(last_start, now, interval):
    with override_settings(ROLLUP_DRAIN_INTERVAL_SECONDS=interval):
        wait = rollups.drain_countdown(last_start, now)
    if interval == 0 or last_start is None or last_start + interval <= now:
        assert wait is None  # at once
    else:
        assert 0 < wait <= interval
        if last_start <= now:
            assert now + wait == pytest.approx(last_start + interval, abs=0.001)


def test_after_a_quiet_spell_a_visit_is_drained_at_once_and_under_a_stream_once_per_interval(
    org, cards, api_for, monkeypatch, django_capture_on_commit_callbacks
):
    worker = Worker(monkeypatch)

    def post(at: float) -> None:
        worker.run_until(at)
        with django_capture_on_commit_callbacks(execute=True):
            response = api_for(org.rep_a1).post("/api/visits/", visit_payload(cards.a1), format="json")
        assert response.status_code == 201

    with override_settings(ROLLUP_DRAIN_INTERVAL_SECONDS=2):
        start = worker.now
        post(start)  # quiet: drained at once
        worker.run_until(start)
        assert worker.starts == [start] and DistributorDay.objects.get(distributor=cards.a1, day=TODAY).visits == 1
        for offset in (0.5, 0.8, 1.1, 1.9):  # a stream: one drain at start + 2 for all four
            post(start + offset)
        assert len(worker.queued) == 1 and PendingRefresh.objects.count() == 4
        worker.run_until(start + 1.99)
        assert DistributorDay.objects.get(distributor=cards.a1, day=TODAY).visits == 1  # not yet
        worker.run_until(start + 2)
        assert worker.starts == [start, start + 2] and not PendingRefresh.objects.exists()
        assert DistributorDay.objects.get(distributor=cards.a1, day=TODAY).visits == 5
        post(start + 30)  # quiet again: at once
        worker.run_until(start + 30)
        assert worker.starts[-1] == start + 30
        assert DistributorDay.objects.get(distributor=cards.a1, day=TODAY).visits == 6

    with override_settings(ROLLUP_DRAIN_INTERVAL_SECONDS=0):  # off: every write's drain at once
        post(start + 30.1)
        worker.run_until(start + 30.1)
        assert worker.starts[-1] == start + 30.1


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    interval=st.integers(1, 5),
    gaps=st.lists(st.floats(0, 4, allow_nan=False), min_size=1, max_size=25),
)
def test_drains_are_an_interval_apart_and_no_write_waits_longer_than_one(cards, monkeypatch, interval, gaps):
    """Writes at any times (marks stored at their commit, as every write does): drains start at least an interval
    apart, each write's request is drained by a drain that starts within an interval of it, and none is left."""
    cache.clear()
    PendingRefresh.objects.all().delete()
    worker = Worker(monkeypatch, start=2_000_000.0 + 100 * len(gaps))
    written = []
    with override_settings(ROLLUP_DRAIN_INTERVAL_SECONDS=interval):
        moment = worker.now
        for gap in gaps:
            moment += gap
            worker.run_until(moment)
            rollups.request({cards.a1.pk: (TODAY - timedelta(days=1), TODAY, rollups.EVERYTHING)})
            rollups.wake_drain()
            written.append(moment)
        worker.run_until(moment + interval)
    assert not PendingRefresh.objects.exists()
    starts = worker.starts
    assert all(later - earlier >= interval - 0.001 for earlier, later in zip(starts, starts[1:], strict=False))
    for at in written:
        assert any(at <= start <= at + interval + 0.001 for start in starts)
