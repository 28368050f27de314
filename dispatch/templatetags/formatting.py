"""The time and duration filters every template has (a builtin: see TEMPLATES in settings)."""

from datetime import datetime, time, timedelta

from django import template

from dispatch import formatting

register = template.Library()


@register.filter
def when(value: datetime | None, arg: str = "") -> str:
    """`{{ at|when }}`: '2:14 PM' today, 'Mon Nov 30, 2:14 PM' otherwise; `|when:"seconds"` adds seconds."""
    return formatting.when(value, seconds=arg == "seconds")


@register.filter
def clock(value: time | datetime | None) -> str:
    """`{{ t|clock }}`: a time of day with no date, for windows, working hours and a page's own day."""
    return formatting.clock_time(value)


@register.filter
def duration(value: timedelta | None) -> str:
    return formatting.duration(value)


@register.filter
def hours(value: timedelta | None) -> str:
    return formatting.hours_minutes(value)


@register.filter
def job_length(value: timedelta | None) -> str:
    """`{{ order.duration|job_length }}`: a job's length, '6 h', '1 h 30 min'."""
    return formatting.length_text(value) if value is not None else ""


@register.filter
def add_duration(value: datetime | None, delta: timedelta | None) -> datetime | None:
    """`{{ start|add_duration:order.duration }}`: a moment plus a length (a job's planned end)."""
    if value is None or delta is None:
        return value
    return value + delta
