"""The office reads a moment with its date whenever it is not today."""

import datetime as dt
from zoneinfo import ZoneInfo

import time_machine

from dispatch.templatetags.formatting import when

NEW_YORK = ZoneInfo("America/New_York")


@time_machine.travel(dt.datetime(2026, 12, 1, 13, 30, tzinfo=NEW_YORK), tick=False)
def test_a_moment_today_is_its_time_and_another_days_carries_its_date(settings):
    settings.TIME_ZONE = "America/New_York"
    assert when(dt.datetime(2026, 12, 1, 8, 55, tzinfo=NEW_YORK)) == "8:55 AM"
    assert when(dt.datetime(2026, 11, 30, 13, 12, tzinfo=NEW_YORK)) == "Mon Nov 30, 1:12 PM"
    assert when(None) == ""
