"""django-tables2 tables for the office lists."""

from datetime import datetime, timedelta

import django_tables2 as tables
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django_tables2.data import TableData

from dispatch import formatting
from dispatch.models import CommunicationMessage, Customer, WorkOrder
from dispatch.selectors import CALL_ICONS

# Row links open the page itself; only sorting and paging swap the results in place.
EPOCH = datetime(1970, 1, 1)
PLAIN_LINK = {"a": {"hx-boost": "false"}}


class TodayFirst(TableData):
    """The work-order list's default order (`WorkOrderQuerySet.today_first`): runs read one after
    the other, each a range of the scheduled_for index in its own order.

    A page [start, stop) is two queries whatever the data: one UNION ALL of each run's first `stop`
    ids (a run read past `stop` can't reach the page), put in order here and sliced; then those
    orders. `data` is the union of the runs, unordered, which the paginator counts (up to its cap).
    """

    def __init__(self, orders) -> None:
        super().__init__(orders.order_by())
        self.runs = orders.today_first()

    def _ids(self, stop: int) -> list[int]:
        parts, params = [], []
        for number, run in enumerate(self.runs):
            try:
                sql, run_params = run.values_list("pk", "scheduled_for")[:stop].query.sql_with_params()
            except EmptyResultSet:  # a filter that matches nothing (an empty choice)
                continue
            parts.append(f"SELECT {number}, t.* FROM ({sql}) t")
            params += run_params
        if not parts:
            return []
        with connection.cursor() as cursor:
            cursor.execute(" UNION ALL ".join(parts), params)
            rows = cursor.fetchall()

        def place(row):
            # The order each run is read in (today_first): by time, the past latest first, then id.
            number, pk, at = row
            if at is None:
                return (number, 0, pk)
            if isinstance(at, str):  # SQLite's cursor gives the stored text
                at = datetime.fromisoformat(at)
            seconds = (at.replace(tzinfo=None) - EPOCH).total_seconds()  # all in UTC
            return (number, -seconds if number == 2 else seconds, pk)

        return [pk for _, pk, _ in sorted(rows, key=place)]

    def __getitem__(self, key):
        if not isinstance(key, slice):
            return self[key : key + 1][0]
        start, stop = key.start or 0, key.stop
        if stop is None:
            stop = self.data.count()
        ids = self._ids(stop)[start:stop]
        found = self.data.in_bulk(ids)
        return [found[pk] for pk in ids if pk in found]

    def __iter__(self):
        return iter(self[0:None])

    def __len__(self) -> int:
        return self.data.count()


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
    # Filled in by the view for the shown page only (counting every customer's orders to show 25
    # is what made the list slow); not sortable for the same reason.
    order_count = tables.Column(verbose_name="Work orders", empty_values=(), orderable=False)
    order_counts: dict[int, int] = {}

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

    def render_order_count(self, record: Customer) -> int:
        return self.order_counts.get(record.pk, 0)

    def render_preferred(self, record: Customer) -> str:
        if record.preferred_schedule_start and record.preferred_schedule_end:
            start, end = record.preferred_schedule_start, record.preferred_schedule_end
            return f"{formatting.clock_time(start)}–{formatting.clock_time(end)}"
        return "—"


class CallTable(tables.Table):
    created_at = tables.DateTimeColumn(format="D M j, g:i A", verbose_name="When")
    call_type = tables.Column(
        accessor="call_detail__call_type", verbose_name="Call", order_by=("call_detail__call_type",)
    )
    customer = tables.Column(
        order_by=("customer__name",),
        linkify=lambda record: (
            record.customer and reverse("dispatch:customer_detail", args=[record.customer_id])
        ),
        attrs=PLAIN_LINK,
    )
    work_order = tables.Column(
        verbose_name="Work order",
        linkify=lambda record: (
            record.work_order_id and reverse("dispatch:work_order_detail", args=[record.work_order_id])
        ),
        attrs=PLAIN_LINK,
    )
    technician = tables.Column(order_by=("technician__name",))
    duration = tables.Column(
        accessor="call_detail__duration_seconds",
        verbose_name="Length",
        order_by=("call_detail__duration_seconds",),
    )
    sentiment = tables.Column(
        accessor="call_detail__sentiment_score",
        verbose_name="Mood",
        order_by=("call_detail__sentiment_score",),
    )
    body = tables.Column(verbose_name="About", orderable=False)
    callback = tables.Column(
        accessor="call_detail__called_back_at", verbose_name="Callback", orderable=False, empty_values=()
    )

    class Meta:
        model = CommunicationMessage
        fields = (
            "created_at",
            "call_type",
            "customer",
            "work_order",
            "technician",
            "duration",
            "sentiment",
            "body",
            "callback",
        )
        order_by = ("-created_at",)
        attrs = {"class": "table table-sm table-hover align-middle", "id": "call-table"}
        empty_text = "No calls match these filters."

    def render_call_type(self, record: CommunicationMessage) -> str:
        return call_badge(record.call_detail)

    def render_work_order(self, record: CommunicationMessage) -> str:
        return f"#{record.work_order_id}"

    def render_technician(self, value) -> str:
        return value.name

    def render_duration(self, value: int) -> str:
        return formatting.duration(timedelta(seconds=value)) if value else "—"

    def render_sentiment(self, record: CommunicationMessage) -> str:
        return sentiment_dot(record.call_detail)

    def render_body(self, value: str) -> str:
        return value if len(value) <= 90 else value[:89] + "…"

    def render_callback(self, record: CommunicationMessage) -> str:
        detail = record.call_detail
        if detail.called_back_at:
            return f"Called back {formatting.when(detail.called_back_at)}"
        if detail.awaits_callback:
            return mark_safe('<span class="badge text-bg-warning">Awaiting callback</span>')
        return "—"


def call_badge(detail) -> str:
    return format_html(
        '<span class="call-type call-{}"><i class="bi {}" aria-hidden="true"></i> {}</span>',
        detail.call_type,
        CALL_ICONS.get(detail.call_type, "bi-telephone"),
        detail.get_call_type_display(),
    )


def sentiment_dot(detail) -> str:
    """The call's sentiment as a coloured dot with its score in words (for screen readers and the title)."""
    if not detail.sentiment:
        return "—"
    return format_html(
        '<span class="sentiment sentiment-{0}" title="Sentiment {1}">'
        '<span class="visually-hidden">{0}</span></span> {1}',
        detail.sentiment,
        f"{detail.sentiment_score:+.2f}",
    )
