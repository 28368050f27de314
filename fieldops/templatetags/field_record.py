"""The field record on office pages that dispatch renders: dispatch's templates load this
library, so the arithmetic stays in fieldops and dispatch's code never imports it."""

from django import template

from dispatch.models import WorkOrder
from fieldops.selectors import work_order_field_times
from fieldops.state import work_order_phase as phase_of

register = template.Library()


@register.inclusion_tag("fieldops/_work_order_times.html")
def work_order_times(work_order: WorkOrder, names: dict | None = None) -> dict:
    """Travel, on-site and working time, split per person for a crew (`names`: technicians' names by
    id, from the page); reads the order's prefetched travel logs and activity."""
    times = work_order_field_times(work_order)
    names = names or {}
    split = sorted(
        (names.get(technician_id, "A technician"), on_site, working)
        for technician_id, on_site, working in times.people
    )
    return {"times": times, "split": split if len(split) > 1 else []}


@register.simple_tag
def work_order_phase(work_order: WorkOrder) -> str:
    """'Traveling', 'On site', 'Working' or 'Paused': where an order in progress is, from its activity."""
    return phase_of(work_order)
