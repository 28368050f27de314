"""Figures on the reports page and My day's week line."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from dispatch import formatting
from dispatch.models import Technician
from fieldops.reports import TechnicianNumbers, technician_week

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


@register.simple_tag
def technician_rows(technicians: list[TechnicianNumbers]) -> str:
    """The technicians table's rows (a page of them), formatted here rather than cell by cell in the
    template."""
    if not technicians:
        return format_html(
            '<tr><td colspan="11" class="text-secondary">{}</td></tr>', "Nobody worked in this period."
        )
    cells = (
        (
            row.name,
            row.jobs,
            row.days_worked,
            "—" if row.jobs_per_day is None else f"{row.jobs_per_day:.1f}",
            formatting.duration(row.clocked),
            formatting.duration(row.on_site),
            formatting.duration(row.travel),
            percent(row.travel_share),
            percent(row.utilisation),
            percent(row.on_time_rate),
            format_html(' <span class="small text-secondary">({}/{})</span>', row.on_time, row.arrivals)
            if row.arrivals
            else "",
            percent(row.first_time_fix_rate),
        )
        for row in technicians
    )
    return format_html_join(
        "\n",
        '<tr><td>{}</td><td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
        '<td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}</td>'
        '<td class="text-end">{}</td><td class="text-end">{}</td><td class="text-end">{}{}</td>'
        '<td class="text-end">{}</td></tr>',
        cells,
    )


@register.simple_tag
def technician_options(technicians, chosen: Technician | None) -> str:
    """The period form's technician choices (one option per technician: 500 at scale)."""
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((t.pk, mark_safe(" selected") if chosen and chosen.pk == t.pk else "", t.name) for t in technicians),
    )
