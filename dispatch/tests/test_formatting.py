"""One time formatter: a time of today is bare, any other day's time comes with its date."""

import datetime as dt

import pytest
import time_machine
from django.template import Context, Template
from django.utils import timezone

from dispatch import clock, formatting

NOW = dt.datetime(2026, 12, 1, 19, 0, tzinfo=dt.UTC)  # Tue Dec 1, 2:00 PM in New York


def _local(*args) -> dt.datetime:
    return timezone.make_aware(dt.datetime(*args))


@pytest.fixture(autouse=True)
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


def test_a_time_today_is_the_bare_clock_time():
    assert formatting.when(_local(2026, 12, 1, 14, 14)) == "2:14 PM"


def test_a_time_on_another_day_comes_with_its_date():
    assert formatting.when(_local(2026, 11, 30, 14, 14)) == "Mon Nov 30, 2:14 PM"
    assert formatting.when(_local(2026, 12, 2, 9, 0)) == "Wed Dec 2, 9:00 AM"


def test_another_year_adds_the_year():
    assert formatting.when(_local(2025, 11, 30, 14, 14)) == "Sun Nov 30, 2025, 2:14 PM"


def test_today_is_the_company_zone_day_not_utc():
    # 11:30 PM in New York on Dec 1 is already Dec 2 in UTC: still today.
    late = _local(2026, 12, 1, 23, 30)
    assert late.astimezone(dt.UTC).date() == dt.date(2026, 12, 2)
    assert formatting.when(late) == "11:30 PM"


def test_today_follows_the_services_clock():
    with clock.frozen(NOW + dt.timedelta(days=1)):
        assert formatting.when(_local(2026, 12, 1, 14, 14)) == "Tue Dec 1, 2:14 PM"


def test_the_template_filters_use_the_same_function():
    html = Template("{{ a|when }} | {{ b|when }} | {{ t|clock }} | {{ d|duration }} | {{ d|hours }}").render(
        Context(
            {
                "a": _local(2026, 12, 1, 14, 14),
                "b": _local(2026, 11, 30, 14, 14),
                "t": dt.time(8, 5),
                "d": dt.timedelta(hours=1, minutes=5),
            }
        )
    )
    assert html == "2:14 PM | Mon Nov 30, 2:14 PM | 8:05 AM | 1 h 05 min | 1:05"


def test_no_time_writes_nothing():
    assert (formatting.when(None), formatting.duration(None), formatting.hours_minutes(None)) == (
        "",
        "—",
        "0:00",
    )
