"""django-tables2 tables for the office inventory lists."""

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from inventory.models import InventoryItem, MovementKind, StockMovement

ATTRS = {"class": "table table-sm table-hover align-middle mb-2"}
NOWRAP = {"td": {"class": "text-nowrap"}, "th": {"class": "text-nowrap"}}

KIND_BADGES = {
    MovementKind.RESTOCK: "text-bg-success",
    MovementKind.TRANSFER_IN: "text-bg-info",
    MovementKind.TRANSFER_OUT: "text-bg-info",
    MovementKind.ADJUSTMENT: "text-bg-warning",
    MovementKind.USED_ON_JOB: "text-bg-secondary",
    MovementKind.RETURNED_FROM_JOB: "text-bg-light border",
}


class InventoryItemTable(tables.Table):
    name = tables.Column(linkify=("inventory:item_edit", [tables.A("pk")]))
    category = tables.Column()
    unit = tables.Column(verbose_name="Unit", default="—")
    standard_quantity = tables.Column(
        verbose_name="Standard", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    minimum_quantity = tables.Column(
        verbose_name="Minimum", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    on_trucks = tables.Column(
        verbose_name="On trucks", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    active = tables.Column(verbose_name="Status", attrs={"td": {"class": "ps-4"}, "th": {"class": "ps-4"}})

    class Meta:
        model = InventoryItem
        fields = ["name", "category", "unit", "standard_quantity", "minimum_quantity", "on_trucks", "active"]
        attrs = ATTRS
        empty_text = "No items match these filters."
        order_by = ("category", "name")

    def render_on_trucks(self, value: int | None) -> str:
        return f"{value or 0:,}"

    def render_active(self, value: bool) -> str:
        if value:
            return mark_safe('<span class="badge text-bg-success">Active</span>')
        return mark_safe('<span class="badge text-bg-secondary">Retired</span>')


class StockMovementTable(tables.Table):
    created_at = tables.DateTimeColumn(verbose_name="When", format="M j, g:i A", attrs=NOWRAP)
    truck = tables.Column(
        linkify=lambda record: reverse("inventory:truck_detail", args=[record.truck_id]), attrs=NOWRAP
    )
    item = tables.Column(order_by=("item__name",))
    kind = tables.Column(verbose_name="Movement", attrs=NOWRAP)
    quantity_change = tables.Column(
        verbose_name="Change", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    quantity_after = tables.Column(
        verbose_name="After", attrs={"td": {"class": "text-end"}, "th": {"class": "text-end"}}
    )
    details = tables.Column(
        verbose_name="Why",
        empty_values=(),
        orderable=False,
        attrs={"td": {"class": "ps-3"}, "th": {"class": "ps-3"}},
    )
    actor_name = tables.Column(verbose_name="Who", empty_values=(), orderable=False, attrs=NOWRAP)

    class Meta:
        model = StockMovement
        fields = ["created_at", "truck", "item", "kind", "quantity_change", "quantity_after"]
        attrs = ATTRS
        empty_text = "No movements match these filters."
        order_by = ("-created_at",)

    def render_kind(self, record: StockMovement) -> str:
        return kind_badge(record)

    def render_quantity_change(self, value: int) -> str:
        css = "text-success" if value > 0 else "text-danger"
        return format_html('<span class="{} fw-semibold">{}</span>', css, f"{value:+,}")

    def render_details(self, record: StockMovement) -> str:
        return movement_details(record)

    def render_actor_name(self, record: StockMovement) -> str:
        return getattr(record, "actor_name", "") or record.get_created_by_type_display()


def kind_badge(movement: StockMovement) -> str:
    return format_html(
        '<span class="badge {}">{}</span>',
        KIND_BADGES.get(movement.kind, "text-bg-light"),
        movement.get_kind_display(),
    )


def movement_details(movement: StockMovement) -> str:
    """Why the stock moved: the other truck, the job, the reason."""
    parts = []
    if movement.other_truck_id:
        direction = "to" if movement.kind == MovementKind.TRANSFER_OUT else "from"
        parts.append(format_html("{} {}", direction, movement.other_truck))
    if movement.work_order_id:
        parts.append(format_html("WO #{} {}", movement.work_order_id, movement.work_order.title))
    if movement.reason:
        parts.append(format_html('<span class="text-body-secondary">{}</span>', movement.reason))
    # Each part is already escaped by format_html.
    return mark_safe(" · ".join(parts)) if parts else "—"  # noqa: S308
