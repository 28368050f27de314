"""django-tables2 tables for the office lists."""

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from dispatch import formatting
from dispatch.models import Customer, WorkOrder

# Row links open the page itself; only sorting and paging swap the results in place.
PLAIN_LINK = {"a": {"hx-boost": "false"}}


class WorkOrderTable(tables.Table):
    id = tables.Column(
        verbose_name="#", linkify=("dispatch:work_order_detail", {"pk": tables.A("pk")}), attrs=PLAIN_LINK
    )
    scheduled_for = tables.Column(verbose_name="Scheduled")
    title = tables.Column(linkify=("dispatch:work_order_detail", {"pk": tables.A("pk")}), attrs=PLAIN_LINK)
    customer = tables.Column(order_by=("customer__name",))
    assigned_technician = tables.Column(verbose_name="Technician", order_by=("assigned_technician__name",))
    status = tables.Column()

    class Meta:
        model = WorkOrder
        fields = ("id", "scheduled_for", "title", "customer", "job_type", "assigned_technician", "status")
        # No default sort here: the list opens on today (WorkOrderQuerySet.today_first); every
        # column's sort link still works.
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = "No work orders match these filters."

    def render_scheduled_for(self, value) -> str:
        return formatting.when(value)

    def render_status(self, record: WorkOrder, value: str) -> str:
        late = mark_safe(' <span class="badge text-bg-danger">Late</span>') if record.is_late_to_start else ""
        return format_html(
            '<span class="badge status-{}">{}</span>{}', record.status, record.get_status_display(), late
        )

    def render_assigned_technician(self, value) -> str:
        return value.name


class CustomerTable(tables.Table):
    name = tables.Column(linkify=("dispatch:customer_detail", {"pk": tables.A("pk")}), attrs=PLAIN_LINK)
    is_new_customer = tables.Column(verbose_name="", orderable=True)
    preferred = tables.Column(verbose_name="Preferred window", empty_values=(), orderable=False)
    order_count = tables.Column(verbose_name="Work orders")

    class Meta:
        model = Customer
        fields = ("name", "is_new_customer", "phone", "email", "address", "preferred", "order_count")
        order_by = ("name",)
        attrs = {"class": "table table-sm table-hover align-middle"}
        empty_text = "No customers match."

    def render_is_new_customer(self, value: bool) -> str:
        if value:
            return mark_safe('<span class="badge text-bg-primary">New</span>')
        return mark_safe('<span class="badge text-bg-light border">Returning</span>')

    def render_preferred(self, record: Customer) -> str:
        if record.preferred_schedule_start and record.preferred_schedule_end:
            start, end = record.preferred_schedule_start, record.preferred_schedule_end
            return f"{formatting.clock_time(start)}–{formatting.clock_time(end)}"
        return "—"
