"""Small formatting helpers for the office pages."""

from datetime import datetime, timedelta

from django import template
from django.utils import timezone
from django.utils.dateformat import format as date_format

from dispatch import clock

register = template.Library()


@register.filter
def when(value: datetime | None) -> str:
    """A moment as the office reads it: the time today, the day and time on any other day."""
    if value is None:
        return ""
    local = timezone.localtime(value)
    if local.date() == clock.localdate():
        return date_format(local, "g:i A")
    return date_format(local, "D M j, g:i A")


@register.filter
def duration_minutes(value: timedelta | None) -> str:
    """'1 h 05 min' or '35 min'."""
    if value is None:
        return "—"
    minutes = max(0, int(value.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, ())
