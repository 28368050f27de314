"""Small formatting helpers for the office pages."""

from datetime import timedelta

from django import template

register = template.Library()


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
