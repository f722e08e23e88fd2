"""When a test run may start: never across midnight in the configured time zone."""

from datetime import datetime, timedelta

# Many test modules read today's date when they are imported (``TODAY = timezone.localdate()``) and the code under
# test reads it while the tests run: a run across midnight in the configured time zone compares two different days (a
# CI run at 16:00 UTC failed three rollup tests that way). A run that would start this close to midnight waits for it.
MIDNIGHT_MARGIN = timedelta(minutes=15)


def seconds_to_wait(now: datetime) -> float:
    """How long a run starting at ``now`` (aware, in the configured time zone) waits: until just after midnight when
    it is less than MIDNIGHT_MARGIN away, else 0."""
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), tzinfo=now.tzinfo)
    left = midnight - now
    return left.total_seconds() + 5 if left < MIDNIGHT_MARGIN else 0.0
