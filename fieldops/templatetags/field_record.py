"""The field record on office pages that dispatch renders: dispatch's templates load this
library, so the arithmetic stays in fieldops and dispatch's code never imports it."""

from django import template

from dispatch.models import WorkOrder
from fieldops.selectors import work_order_field_times
from fieldops.state import work_order_phase as phase_of

register = template.Library()


@register.inclusion_tag("fieldops/_work_order_times.html")
def work_order_times(work_order: WorkOrder) -> dict:
    """Travel, on-site and working time; reads the order's prefetched travel logs and activity."""
    return {"times": work_order_field_times(work_order)}


@register.simple_tag
def work_order_phase(work_order: WorkOrder) -> str:
    """'Traveling', 'On site', 'Working' or 'Paused': where an order in progress is, from its activity."""
    return phase_of(work_order)
