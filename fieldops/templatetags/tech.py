"""Template helpers for the technician pages."""

import uuid

from django import template
from django.utils.html import format_html

register = template.Library()


@register.simple_tag
def action_fields() -> str:
    """An action form's hidden fields: a fresh idempotency key, and the location tech.js fills in."""
    return format_html(
        '<input type="hidden" name="idempotency_key" value="{}">'
        '<input type="hidden" name="latitude" value="">'
        '<input type="hidden" name="longitude" value="">'
        '<input type="hidden" name="accuracy" value="">',
        uuid.uuid4(),
    )


@register.simple_tag
def turn_key() -> str:
    """A voice-agent turn's key: a double tap is one turn. Not an idempotency_key, so tech.js
    does not queue agent turns offline (a reply to an old sentence would make no sense)."""
    return format_html('<input type="hidden" name="turn_key" value="{}">', uuid.uuid4())


@register.filter
def amount(item, quantity: int) -> str:
    """`{{ row.item|amount:row.quantity }}`: '542 ft', '4' (inventory's way of saying a quantity)."""
    return item.amount(quantity)


@register.filter
def amount_of(item, change: int) -> str:
    """`{{ m.item|amount_of:m.quantity_change }}`: '4 × RJ45 Connector', '20 ft of Cat6 Cable'."""
    return item.amount_of(abs(change))


@register.simple_tag
def status_text(order, state) -> str:
    """The order's status; in progress, with where the technician is on it ('In progress · On site')."""
    text = order.get_status_display()
    if order.status == "in_progress" and state is not None and state.work_order_id == order.pk:
        return f"{text} · {state.label}"
    return text
