"""Figures on the reports page and My day's week line."""

from django import template

from dispatch.models import Technician
from fieldops.reports import technician_week

register = template.Library()


@register.filter
def percent(value: float | None) -> str:
    """A ratio as a whole percentage, '—' when there is nothing to divide by."""
    return "—" if value is None else f"{value * 100:.0f}%"


@register.inclusion_tag("fieldops/_my_week.html")
def my_week(technician: Technician) -> dict:
    """The technician's own week so far: jobs completed and hours on site."""
    week = technician_week(technician)
    return {"week": week, "hours": f"{week.on_site.total_seconds() / 3600:.1f}"}
