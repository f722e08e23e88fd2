"""A test run never straddles midnight in the configured time zone (tests/conftest.py, tests/midnight.py)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from tests.midnight import MIDNIGHT_MARGIN, seconds_to_wait

ZONES = ["Asia/Shanghai", "UTC", "America/New_York", "Asia/Kolkata"]


@given(
    day=st.dates(min_value=date(2020, 1, 1), max_value=date(2040, 1, 1)),
    before_midnight=st.one_of(
        st.floats(min_value=0.001, max_value=2 * MIDNIGHT_MARGIN.total_seconds()),  # close to it, either side
        st.floats(min_value=0.001, max_value=86_400),  # any time of the day
    ),
    zone=st.sampled_from(ZONES),
)
def test_a_run_starting_near_midnight_starts_after_it_and_any_other_at_once(day, before_midnight, zone):
    midnight = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(zone))
    now = midnight - timedelta(seconds=before_midnight)
    starts = now + timedelta(seconds=seconds_to_wait(now))
    if before_midnight < MIDNIGHT_MARGIN.total_seconds():
        assert midnight < starts <= midnight + timedelta(seconds=10)  # just after midnight
    else:
        assert starts == now  # at once: the margin fits before midnight
