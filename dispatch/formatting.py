"""The one way TechFlow writes times and durations, on office and phone pages alike.

A time of today is the clock time ("2:14 PM"); any other day's time comes with its date
("Mon Nov 30, 2:14 PM"; another year adds the year), always in the company's time zone
and by the services' clock, so a page never shows a bare time that is not today.
Templates use the same functions as filters: `{{ at|when }}`, `{{ t|clock }}`, `{{ span|duration }}`.
"""

from datetime import date, datetime, time, timedelta

from django.utils import timezone

from dispatch import clock


def clock_time(value: time | datetime | None, *, seconds: bool = False) -> str:
    """A time of day, '2:14 PM' (a datetime is read in the company's time zone)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value).time()
    text = value.strftime("%I:%M:%S %p" if seconds else "%I:%M %p")
    return text.lstrip("0")


def day_text(day: date, *, today: date | None = None) -> str:
    """'Mon Nov 30', with the year when it is not this year's."""
    today = today or clock.localdate()
    text = f"{day:%a %b} {day.day}"
    return text if day.year == today.year else f"{text}, {day.year}"


def when(value: datetime | None, *, seconds: bool = False, dated: bool = False) -> str:
    """'2:14 PM' today in the company's time zone, 'Mon Nov 30, 2:14 PM' on any other day; `dated`:
    with its day today too (a text stored to be read on later days)."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    today = clock.localdate()
    at = clock_time(local.time(), seconds=seconds)
    if local.date() == today and not dated:
        return at
    return f"{day_text(local.date(), today=today)}, {at}"


def duration(value: timedelta | None) -> str:
    """'1 h 05 min' or '35 min'; '—' for none."""
    if value is None:
        return "—"
    minutes = max(0, int(value.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def length_text(value: timedelta) -> str:
    """A job's length: '6 h', '30 min', '1 h 30 min'."""
    minutes = max(0, int(value.total_seconds() // 60))
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest} min" if rest else "")


def hours_minutes(value: timedelta | None) -> str:
    """A duration on a timesheet, hours:minutes: '7:05' ('0:00' for none)."""
    if not value:
        return "0:00"
    minutes = max(0, int(value.total_seconds() // 60))
    return f"{minutes // 60}:{minutes % 60:02d}"
