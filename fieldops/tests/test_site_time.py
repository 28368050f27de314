"""The reports' time on site from a GROUP BY's sums (site_time_from_sums) is paired_spans' time on
site from the events themselves, for every way a period can cut a technician's visits to a job."""

import datetime as dt

from hypothesis import given, settings
from hypothesis import strategies as st

from fieldops.models import ActivityType
from fieldops.selectors import ARRIVED, LEFT, paired_spans, site_time_from_sums

START = dt.datetime(2026, 11, 2, 5, 0, tzinfo=dt.UTC)
ARRIVE, LEAVE = ActivityType.ARRIVED_ON_SITE, ActivityType.LEFT_SITE


def _sums(events, now):
    arrivals = [at for at, kind in events if kind in ARRIVED]
    leaves = [at for at, kind in events if kind in LEFT]
    return site_time_from_sums(
        start=START,
        now=now,
        arrivals=len(arrivals),
        leaves=len(leaves),
        arrived_sum=sum((at - START for at in arrivals), dt.timedelta()) if arrivals else None,
        left_sum=sum((at - START for at in leaves), dt.timedelta()) if leaves else None,
        first_arrival=min(arrivals, default=None),
        first_leave=min(leaves, default=None),
    )


@st.composite
def visits_in_a_period(draw):
    """Alternating arrivals and departures (as fieldops.state allows them), as the period sees them:
    it may open after an arrival (the first event is a departure) and end before the last departure
    (an open visit); `now` is at or after the last event."""
    gaps = draw(st.lists(st.integers(min_value=1, max_value=600), min_size=0, max_size=12))
    starts_on_site = draw(st.booleans())
    events, at = [], START
    for i, minutes in enumerate(gaps):
        at += dt.timedelta(minutes=minutes)
        on_site_before = (i % 2 == 1) != starts_on_site
        events.append((at, LEAVE if on_site_before else ARRIVE))
    now = at + dt.timedelta(minutes=draw(st.integers(min_value=0, max_value=600)))
    return events, now


@settings(max_examples=300, deadline=None)
@given(visits_in_a_period())
def test_the_sums_give_the_same_time_on_site_as_the_events(case):
    events, now = case
    assert _sums(events, now) == paired_spans(events, ARRIVED, LEFT, now)


def test_a_departure_before_the_first_arrival_belongs_to_an_earlier_visit():
    at = START + dt.timedelta(hours=1)
    events = [(at, LEAVE), (at + dt.timedelta(hours=2), ARRIVE), (at + dt.timedelta(hours=3), LEAVE)]
    assert _sums(events, at + dt.timedelta(hours=5)) == dt.timedelta(hours=1)


def test_an_open_visit_runs_to_now_and_no_arrival_is_no_time():
    at = START + dt.timedelta(hours=1)
    assert _sums([(at, ARRIVE)], at + dt.timedelta(minutes=45)) == dt.timedelta(minutes=45)
    assert _sums([(at, LEAVE)], at + dt.timedelta(hours=1)) == dt.timedelta()
    assert _sums([], at) == dt.timedelta()
