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
