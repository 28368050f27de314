"""The critical-event banner every office page shows until the events are resolved."""

from django import template

from fieldops.models import OperationalEvent, Severity

register = template.Library()

SHOWN = 3


@register.inclusion_tag("partials/critical_events.html")
def critical_events() -> dict:
    """Open critical events, newest first: one query over the open-events index."""
    events = list(
        OperationalEvent.objects.filter(severity=Severity.CRITICAL, resolved_at__isnull=True).order_by(
            "-created_at"
        )[: SHOWN + 1]
    )
    return {"events": events[:SHOWN], "more": len(events) > SHOWN}
