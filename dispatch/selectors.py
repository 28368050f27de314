"""Reads the office pages share. Field data (travel, activity, parts) comes through relations."""

import copy
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import groupby

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Aggregate, Count, Max, Prefetch, QuerySet, Value
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from dispatch import clock, formatting
from dispatch.models import (
    ActorType,
    Channel,
    CommunicationMessage,
    Customer,
    JobType,
    ManualNotification,
    Notification,
    Technician,
    VisitHelper,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderNote,
    WorkOrderStatus,
)
from dispatch.scheduling import (
    DEFAULT_DURATION,
    booked_jobs,
    company_hours,
    duration_of,
    later_visits_begun,
    overrun,
    schedule_refusals,
    type_minutes,
    week_of,
    work_hours,
)

# What else the live office pages show, from apps dispatch may not import (fieldops registers
# the field's activity and clock records in its ready()).
_CHANGE_SOURCES: list[tuple[Callable[[], QuerySet], Aggregate]] = []


def register_change_source(rows: Callable[[], QuerySet], aggregate: Aggregate) -> None:
    """Make office_fingerprint move with `aggregate` over `rows()`: keep it one index step (a max)."""
    _CHANGE_SOURCES.append((rows, aggregate))


def _one_value(rows: QuerySet, aggregate: Aggregate) -> QuerySet:
    """`SELECT <aggregate> FROM ...`: the constant grouping keeps Django from grouping by the key."""
    return rows.order_by().values(_=Value(1)).annotate(value=aggregate).values("value")


def _change_sources() -> list[QuerySet]:
    sources = [
        # Orders are never deleted (their history protects them; the archive moves only closed,
        # old ones), so the latest change says enough: one step of idx_work_orders_updated.
        (WorkOrder.objects.all, Max("updated_at")),
        # A new alert raises the latest id; marking one read lowers the unread count, which
        # reads only the partial index of unread rows.
        (Notification.objects.all, Max("id")),
        (lambda: Notification.objects.filter(is_read=False), Count("*")),
        *_CHANGE_SOURCES,
    ]
    return [_one_value(rows(), aggregate) for rows, aggregate in sources]


def office_fingerprint() -> str:
    """A short digest that changes whenever anything the live office pages show changes.

    One statement of a few index lookups (a max per table, not a scan of any), so an
    unchanged poll costs next to nothing: the polls compare it and answer 204.
    """
    parts, params = [], []
    for queryset in _change_sources():
        sql, query_params = queryset.query.sql_with_params()
        parts.append(f"({sql})")
        params.extend(query_params)
    with connection.cursor() as cursor:
        cursor.execute("SELECT " + ", ".join(parts), params)
        row = cursor.fetchone()
    return hashlib.blake2s(repr(row).encode(), digest_size=8).hexdigest()


def inbox_fingerprint() -> str:
    """Changes when an alert arrives or one is marked read or unread: two index reads."""
    alerts = Notification.objects.alerts()
    # Each part reads a partial index (idx_notifications_alerts, _alerts_unread): no scan of the inbox.
    latest = list(alerts.order_by("-created_at", "-id").values_list("id", "created_at")[:1])
    unread = alerts.filter(is_read=False).count()
    return hashlib.blake2s(repr((latest, unread)).encode(), digest_size=8).hexdigest()


def unread_alert_count() -> int:
    return Notification.objects.alerts().filter(is_read=False).count()


# Today and the board ------------------------------------------------------------------


# A technician picker lists this many names (hundreds at scale) and searches for the rest.
TECHNICIAN_OPTIONS_LIMIT = 50


def technician_choices(
    *, query: str = "", chosen_id: int | None = None, active_only: bool = False
) -> list[Technician]:
    """A technician picker's options: the first TECHNICIAN_OPTIONS_LIMIT by name (whose name
    contains `query`), and the chosen one first when it is not among them."""
    technicians = Technician.objects.filter(active=True) if active_only else Technician.objects.all()
    if query:
        technicians = technicians.filter(name__icontains=query)
    found = list(technicians.order_by("name", "pk")[:TECHNICIAN_OPTIONS_LIMIT])
    if chosen_id is not None and all(t.pk != chosen_id for t in found):
        found[:0] = Technician.objects.filter(pk=chosen_id)
    return found


def technician_page(page_number: str | None, per_page: int, queryset: QuerySet | None = None) -> Page:
    """One page of the active technicians, by name: the live pages window their rows."""
    technicians = queryset if queryset is not None else Technician.objects.all()
    return Paginator(technicians.filter(active=True).order_by("name", "id"), per_page).get_page(page_number)


def today_overview(alerts_shown: int, page_number: str | None, technicians_shown: int) -> dict:
    """What Today shows: a page of active technicians with their clock and jobs today, today's
    unassigned jobs, the day's figures and the latest unread alerts, in a fixed number of
    queries that read no more than the day and the page."""
    page = technician_page(page_number, technicians_shown, Technician.objects.with_open_clock())
    today = WorkOrder.objects.today()
    by_technician: dict[int | None, list[WorkOrder]] = {}
    orders = today.filter(assigned_technician__in=[technician.pk for technician in page])
    for order in orders.select_related("customer", "assigned_technician"):
        by_technician.setdefault(order.assigned_technician_id, []).append(order)
    # A helper's visit and a later visit today are on that person's row too (lengths aren't shown).
    day = clock.localdate()
    for card in crew_cards(day, day + timedelta(days=1), [technician.pk for technician in page]):
        by_technician.setdefault(card.row_technician_id, []).append(card)
    for jobs in by_technician.values():
        jobs.sort(key=lambda order: (order.scheduled_for, order.pk))
    rows = [
        {
            "technician": technician,
            "clock": getattr(technician, "open_clock", None),  # unset when clocked out
            "orders": by_technician.get(technician.pk, []),
        }
        for technician in page
    ]
    return {
        "rows": rows,
        "technician_page": page,
        "unassigned": list(today.filter(assigned_technician__isnull=True).select_related("customer")),
        "late_count": today.late_to_start().count(),
        "alerts": list(
            Notification.objects.alerts().filter(is_read=False).select_related("work_order")[:alerts_shown]
        ),
        "alert_count": unread_alert_count(),
        "order_count": today.count(),
    }


def board_hours(technicians: Iterable[Technician], day: date | None = None) -> range:
    """The board's hour columns: the working day of the company and of these technicians (on `day`,
    whose weekend hours may differ)."""
    hours = [company_hours(day), *(work_hours(t, day) for t in technicians)]
    first = min(h[0] for h in hours).hour
    last = max(h[1].hour + (1 if h[1].minute else 0) for h in hours)
    return range(first, max(last, first + 1))


def _lay_out_day(orders: list[WorkOrder], hours: range, now: datetime) -> None:
    """Give each of one technician's cards of a day its place on the hour columns, in hours from the
    start of its column (`offset`) and its length (`span`), grown to `now` in warning colour when it
    runs past its planned end (`overrun`), and the knock-on `delay` of the later jobs."""
    free_at = None
    for order in sorted(orders, key=lambda o: o.scheduled_for):
        local = timezone.localtime(order.scheduled_for)
        column = min(max(local.hour, hours.start), hours.stop - 1)
        order.offset = local.minute / 60 if local.hour == column else 0.0
        # A job of several visits whose later visit has begun is on that visit (its own card).
        order.overrun = (
            timedelta(0) if getattr(order, "visit_over", False) else overrun(order, order.duration, now)
        )
        order.delay = timedelta(0)
        if order.status == WorkOrderStatus.IN_PROGRESS and not getattr(order, "visit_over", False):
            free_at = order.scheduled_for + order.duration + order.overrun
        elif order.is_open and free_at is not None:
            order.delay = max(timedelta(0), free_at - order.scheduled_for)
            free_at = order.scheduled_for + order.delay + order.duration
        # In quarter hours, which the stylesheet turns into a width (no inline styles under the CSP).
        room = round((hours.stop - column - order.offset) * 4)
        order.offset_q = round(order.offset * 4)
        order.span_q = max(1, min(round((order.duration + order.overrun).total_seconds() / 900), room))
        order.planned_q = max(1, min(round(order.duration.total_seconds() / 900), order.span_q))
        # The week view draws each card's job on a line of the board's day (start_q of day_q
        # quarters); the day view shifts a delayed card to where it will start (delay_q).
        order.start_q = round((column - hours.start) * 4 + order.offset_q)
        order.day_q = len(hours) * 4
        order.delay_q = min(round(order.delay.total_seconds() / 900), max(0, room - order.span_q))


def first_visit_crews(orders) -> dict[int, str]:
    """'With Sarah Lee and Alex Kim' for each of `orders` (ids, or a queryset of them) whose first
    visit has helpers: one query."""
    names: dict[int, list[str]] = {}
    for order_id, name in (
        VisitHelper.objects.filter(work_order__in=orders, visit__isnull=True)
        .order_by("technician__name")
        .values_list("work_order_id", "technician__name")
    ):
        names.setdefault(order_id, []).append(name)
    return {order_id: "With " + " and ".join(people) for order_id, people in names.items()}


def crew_cards(
    first: date, after: date, technician_ids: list[int], lengths: dict[str, int] | None = None
) -> list[WorkOrder]:
    """The crew visits of these technicians from `first` up to `after`, as cards on their rows: a
    copy of the order at the visit's time (`scheduled_for`, `visit_at`) and length, in the crew
    member's row, with `crew_role` ("lead" of a later visit, or "helper") and `crew` saying who
    leads it, in time order. Two queries at most, whatever the number of visits (`lengths`: the job
    types', for the cards' lengths)."""
    from dispatch.scheduling import crew_rows, duration_from

    rows = crew_rows(first, after, technician_ids=technician_ids)
    if not rows:
        return []
    orders = WorkOrder.objects.select_related("customer").in_bulk({r[4] for r in rows})
    cards = []
    for technician_id, at, minutes, job_type, order_id, visit_id, role, lead in sorted(
        rows, key=lambda r: r[1]
    ):
        card = copy.copy(orders[order_id])  # one order can have a visit on each day
        card.scheduled_for = card.visit_at = at
        card.row_technician_id, card.crew_role = technician_id, role
        card.crew_duration = duration_from(minutes, job_type, lengths or {})
        card.crew = (f"Helping {lead}" if lead else "Helping") if role == "helper" else "Later visit"
        card.crew_key = f"{order_id}-{technician_id}-{visit_id or 'first'}"
        card.crew_with = ""
        cards.append(card)
    return cards


def board_grid(
    view: str, day: date, tray_shown: int, page_number: str | None, technicians_shown: int
) -> dict:
    """The board's columns (hours of `day`, or the days of its week), a page of active
    technicians with their jobs that count in them, and the tray of work to place: a fixed
    number of queries, each reading no more than the page's technicians and the tray."""
    if view == "week":
        first, after = week_of(day)
        columns = [
            {
                "key": first + timedelta(days=i),
                "label": formatting.day_text(first + timedelta(days=i)),
                "start": (first + timedelta(days=i)).isoformat(),
                "today": first + timedelta(days=i) == clock.localdate(),
            }
            for i in range(7)
        ]
        orders = WorkOrder.objects.on_the_grid().in_days(first, after)
    else:
        page = technician_page(page_number, technicians_shown)
        hours = board_hours(page, day)
        columns = [
            {
                "key": hour,
                "label": f"{time(hour):%I %p}".lstrip("0"),
                "start": f"{day.isoformat()}T{hour:02d}:00",
                "today": False,
            }
            for hour in hours
        ]
        orders = WorkOrder.objects.on_the_grid().on_day(day)
    if view == "week":
        page = technician_page(page_number, technicians_shown)
        hours = board_hours(page)
    cells: dict[tuple, list[WorkOrder]] = {}
    on_page = orders.filter(assigned_technician__in=[technician.pk for technician in page])
    page_orders = list(on_page.select_related("customer"))
    type_lengths = type_minutes()
    lengths = {order.pk: duration_of(order, type_lengths) for order in page_orders}
    helpers = first_visit_crews(on_page.values("pk"))
    begun = later_visits_begun(on_page.filter(status=WorkOrderStatus.IN_PROGRESS), clock.now())
    for order in page_orders:
        order.crew, order.row_technician_id = "", order.assigned_technician_id
        order.visit_over = order.pk in begun
        order.crew_with = helpers.get(order.pk, "")
    crews = crew_cards(
        *(week_of(day) if view == "week" else (day, day + timedelta(days=1))),
        [t.pk for t in page],
        type_lengths,
    )
    days: dict[tuple, list[WorkOrder]] = {}
    for order in [*page_orders, *crews]:
        if order.crew:
            order.duration = order.crew_duration
        else:
            order.duration = lengths[order.pk]
        order.minutes = int(order.duration.total_seconds() // 60)
        local = timezone.localtime(order.scheduled_for)
        days.setdefault((order.row_technician_id, local.date()), []).append(order)
        hour = min(max(local.hour, hours.start), hours.stop - 1)
        key = local.date() if view == "week" else hour
        cells.setdefault((order.row_technician_id, key), []).append(order)
    now = clock.now()
    for day_orders in days.values():
        _lay_out_day(day_orders, hours, now)
    rows = [
        {
            "technician": technician,
            "cells": [(column, cells.get((technician.pk, column["key"]), [])) for column in columns],
        }
        for technician in page
    ]
    tray_query = WorkOrder.objects.to_place()
    tray = list(
        tray_query.select_related("customer", "assigned_technician").order_by("scheduled_for", "id")[
            :tray_shown
        ]
    )
    return {
        "columns": columns,
        "rows": rows,
        "technician_page": page,
        "tray": tray,
        "tray_count": tray_query.count(),
    }


# Work order detail ---------------------------------------------------------------------


def work_order_for_detail(pk: int) -> WorkOrder:
    """One work order with everything its page shows, in a fixed number of queries."""
    queryset = WorkOrder.objects.select_related(
        "customer", "assigned_technician", "created_by"
    ).prefetch_related(
        "history",
        Prefetch("notes", queryset=WorkOrderNote.objects.select_related("technician")),
        # The field's rows come through the order's relations (DESIGN: dispatch imports no other app).
        # (technicians' names come from the page's one list of technicians).
        "travel_logs",
        "activities",
        "stock_movements__item",
        "stock_movements__truck",
        "notifications",
        Prefetch("manual_notifications", queryset=ManualNotification.objects.select_related("technician")),
        Prefetch("messages", queryset=CommunicationMessage.objects.select_related("call_detail")),
        # fieldops' photos of the job, with who took them (the timeline and the job's record).
        "attachments__technician",
    )
    return get_object_or_404(queryset, pk=pk)


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    icon: str
    title: str
    detail: str = ""
    who: str = ""
    alert: bool = False
    # A call's sentiment ('negative', 'neutral', 'positive'), shown as a coloured dot.
    tone: str = ""
    work_order_id: int | None = None

    thumb: str = ""
    link: str = ""


CALL_ICONS = {
    "inbound": "bi-telephone-inbound",
    "outbound": "bi-telephone-outbound",
    "missed": "bi-telephone-x",
    "voicemail": "bi-voicemail",
}
CHANNEL_ICONS = {Channel.EMAIL: "bi-envelope", Channel.SMS: "bi-chat-dots", Channel.IN_APP: "bi-app"}


def message_entry(message: CommunicationMessage, technicians: dict[int, str] | None = None) -> TimelineEntry:
    """A call or a message to the customer as a timeline entry (its call_detail selected)."""
    detail = getattr(message, "call_detail", None) if message.channel_type == Channel.PHONE else None
    who = (technicians or {}).get(message.technician_id, "")
    if detail is not None:
        title = f"{detail.get_call_type_display()} call"
        if detail.duration_seconds:
            title += f" ({formatting.duration(timedelta(seconds=detail.duration_seconds))})"
        extra = []
        if detail.awaits_callback:
            extra.append("awaiting callback")
        elif detail.called_back_at:
            extra.append(f"called back {formatting.when(detail.called_back_at)}")
        return TimelineEntry(
            message.created_at,
            "call",
            CALL_ICONS.get(detail.call_type, "bi-telephone"),
            title,
            " · ".join(filter(None, [message.body, *extra])),
            who,
            alert=detail.awaits_callback or detail.sentiment == "negative",
            tone=detail.sentiment,
            work_order_id=message.work_order_id,
        )
    return TimelineEntry(
        message.created_at,
        "message",
        CHANNEL_ICONS.get(message.channel_type, "bi-chat-left"),
        f"{message.get_channel_type_display()} to the customer: {message.subject}"
        if message.direction == "outbound"
        else f"{message.get_channel_type_display()} from the customer",
        message.body,
        " · ".join(filter(None, [who, message.get_delivery_status_display().lower()])),
        alert=message.delivery_status == "failed",
        work_order_id=message.work_order_id,
    )


def _user_names(history, notes=()) -> dict[int, str]:
    """Names of the office and admin logins that made these changes and wrote these notes: one query."""
    people = (ActorType.OFFICE, ActorType.ADMIN)
    user_ids = {row.changed_by_id for row in history if row.changed_by_type in people}
    user_ids |= {note.created_by_id for note in notes if note.created_by_type in people}
    return {
        user.pk: user.get_full_name() or user.get_username()
        for user in get_user_model().objects.filter(pk__in=user_ids)
    }


def _who(row_type: str | None, row_id: int | None, users: dict, technicians: dict) -> str:
    if row_type == ActorType.TECHNICIAN:
        return technicians.get(row_id, "a technician")
    if row_type == ActorType.SYSTEM or row_type is None:
        return "System"
    if row_type == ActorType.VOICE_AGENT:
        return "Voice agent"
    return users.get(row_id, "an admin" if row_type == ActorType.ADMIN else "the office")


# The words a dispatcher uses for the tracked fields (never the column names).
FIELD_LABELS = {
    "customer": "Customer",
    "title": "Title",
    "brief_description": "Description",
    "full_summary": "Summary",
    "job_type": "Job type",
    "status": "Status",
    "assigned_technician": "Technician",
    "scheduled_for": "Scheduled for",
}


def field_label(field: str | None) -> str:
    return FIELD_LABELS.get(field or "", (field or "").replace("_", " ").capitalize())


def _history_text(field: str | None, value: str | None, technicians: dict, customers: dict) -> str:
    if value in (None, ""):
        return "—"
    if field == "assigned_technician":
        return technicians.get(int(value), "a technician no longer listed")
    if field == "customer":
        return customers.get(int(value), "a customer no longer listed")
    if field == "scheduled_for":
        try:
            return formatting.when(datetime.fromisoformat(value))
        except ValueError:
            return value
    if field == "status" and value in WorkOrderStatus.values:
        return WorkOrderStatus(value).label
    if field == "job_type" and value in JobType.values:
        return JobType(value).label
    return value if len(value) <= 120 else value[:117] + "…"


def _history_names(history) -> tuple[dict[int, str], dict[int, str]]:
    """The technicians and customers the rows name, by id: two queries."""
    ids = {"assigned_technician": set(), "customer": set()}
    for row in history:
        if row.field_changed in ids:
            ids[row.field_changed] |= {int(v) for v in (row.old_value, row.new_value) if v and v.isdigit()}
        if row.changed_by_type == ActorType.TECHNICIAN and row.changed_by_id:
            ids["assigned_technician"].add(row.changed_by_id)
    technicians = dict(Technician.objects.filter(pk__in=ids["assigned_technician"]).values_list("pk", "name"))
    customers = dict(Customer.objects.filter(pk__in=ids["customer"]).values_list("pk", "name"))
    return technicians, customers


def history_change_text(row, technicians: dict, customers: dict) -> str:
    """One change in words: 'Technician: — → Mike Johnson'."""
    old = _history_text(row.field_changed, row.old_value, technicians, customers)
    new = _history_text(row.field_changed, row.new_value, technicians, customers)
    return f"{field_label(row.field_changed)}: {old} → {new}"


def _is_creation(row, work_order: WorkOrder) -> bool:
    if row.version is not None:
        return row.version == 1
    # Rows from before history kept the version: the initial values, written with the order.
    return row.old_value is None and abs((row.created_at - work_order.created_at).total_seconds()) < 5


def work_order_changes_since(work_order: WorkOrder, version: int, *, viewer_type: str, viewer_id) -> str:
    """What changed after `version`, in words: when (company's time), who ('you, in another tab'
    for the viewer's own login) and each field old → new, in a dispatcher's labels."""
    rows = list(
        WorkOrderHistory.objects.filter(work_order=work_order, version__gt=version).order_by("version", "id")
    )
    if not rows:
        return ""
    technicians, customers = _history_names(rows)
    users = _user_names(rows)
    lines = []
    for _, group in groupby(rows, key=lambda row: row.version):
        group = list(group)
        first = group[0]
        if first.changed_by_type == viewer_type and first.changed_by_id == viewer_id:
            who = "you, in another tab"
        else:
            who = _who(first.changed_by_type, first.changed_by_id, users, technicians)
        changes = "; ".join(history_change_text(row, technicians, customers) for row in group)
        lines.append(f"{formatting.when(first.created_at)}, {who}: {changes}")
    return " · ".join(lines)


# History rows the timeline shows as their own entry (a photo, with its thumbnail).
RECORD_SHOWN_ITSELF = {"photo"}
RECORD_FIELDS = {"checklist", "equipment", "signature", "follow_up", "credentials", "skill_override"}
# Visits and helpers (dispatch.services.visit_add and friends): their own words on the timeline.
CREW_FIELDS = {"visit": "Visit", "helper": "Helper"}


def work_order_timeline(work_order: WorkOrder, technicians: dict[int, str]) -> list[TimelineEntry]:
    """History, notes, travel, activity, parts and notifications of one (prefetched) order, newest first."""
    history = list(work_order.history.all())
    notes = list(work_order.notes.all())
    users = _user_names(history, notes)
    _, customers = _history_names(history)
    entries = []
    created = [row for row in history if _is_creation(row, work_order)]
    if created:
        # The initial values are one event, not a row per field.
        shown = [
            row for row in created if row.field_changed not in ("title", "full_summary") and row.new_value
        ]
        entries.append(
            TimelineEntry(
                created[0].created_at,
                "history",
                "bi-plus-circle",
                "Work order created",
                " · ".join(
                    f"{field_label(row.field_changed)}: "
                    f"{_history_text(row.field_changed, row.new_value, technicians, customers)}"
                    for row in shown
                ),
                _who(created[0].changed_by_type, created[0].changed_by_id, users, technicians),
            )
        )
    for row in history:
        if row in created:
            continue
        if row.field_changed in RECORD_SHOWN_ITSELF:
            continue
        if row.field_changed in CREW_FIELDS:
            # A visit or helper added or taken off: the row's text says which and when.
            entries.append(
                TimelineEntry(
                    row.created_at,
                    "history",
                    "bi-people",
                    f"{CREW_FIELDS[row.field_changed]} {'added' if row.new_value else 'removed'}",
                    row.new_value or row.old_value or "",
                    _who(row.changed_by_type, row.changed_by_id, users, technicians),
                )
            )
            continue
        if row.field_changed in RECORD_FIELDS:
            # The job's record (fieldops): the row's text says what happened.
            entries.append(
                TimelineEntry(
                    row.created_at,
                    "record",
                    "bi-clipboard-check",
                    (row.field_changed or "").replace("_", " ").capitalize(),
                    f"{row.old_value} → {row.new_value}" if row.old_value else (row.new_value or ""),
                    _who(row.changed_by_type, row.changed_by_id, users, technicians),
                )
            )
            continue
        entries.append(
            TimelineEntry(
                row.created_at,
                "history",
                "bi-pencil-square",
                f"{field_label(row.field_changed)} changed",
                f"{_history_text(row.field_changed, row.old_value, technicians, customers)} → "
                f"{_history_text(row.field_changed, row.new_value, technicians, customers)}",
                _who(row.changed_by_type, row.changed_by_id, users, technicians),
            )
        )
    for note in notes:
        entries.append(
            TimelineEntry(
                note.created_at,
                "note",
                "bi-exclamation-triangle-fill" if note.alert_office else "bi-chat-left-text",
                "Alert to the office" if note.alert_office else "Note",
                note.note_text,
                note.technician.name
                if note.technician
                else _who(note.created_by_type, note.created_by_id, users, technicians)
                if note.created_by_type
                else "Office",
                alert=note.alert_office,
            )
        )
    for log in work_order.travel_logs.all():
        if log.travel_start_time is None:
            continue
        if log.travel_end_time:
            minutes = int((log.travel_end_time - log.travel_start_time).total_seconds() // 60)
            detail = f"{minutes} min on the road"
        else:
            detail = "On the way"
        entries.append(
            TimelineEntry(
                log.travel_start_time,
                "travel",
                "bi-truck",
                "Travel",
                detail,
                technicians.get(log.technician_id, ""),
            )
        )
    for activity in work_order.activities.all():
        entries.append(
            TimelineEntry(
                activity.created_at,
                "activity",
                "bi-geo-alt",
                activity.get_activity_type_display(),
                " · ".join(filter(None, [activity.notes, activity.address])),
                technicians.get(activity.technician_id, ""),
            )
        )
    for movement in work_order.stock_movements.all():
        entries.append(
            TimelineEntry(
                movement.created_at,
                "part",
                "bi-box-seam",
                movement.get_kind_display(),
                f"{abs(movement.quantity_change)} × {movement.item.name} ({movement.truck.name})",
                technicians.get(movement.technician_id, ""),
            )
        )
    for notification in work_order.notifications.all():
        entries.append(
            TimelineEntry(
                notification.created_at,
                "notification",
                "bi-bell",
                notification.get_notification_type_display() or "Notification",
                notification.message or "",
                "Office inbox" + (" (read)" if notification.is_read else " (unread)"),
            )
        )
    for manual in work_order.manual_notifications.all():
        entries.append(
            TimelineEntry(
                manual.created_at,
                "notification",
                "bi-send",
                f"Message to {manual.technician.name if manual.technician else 'technician'}",
                manual.message or "",
                f"{manual.get_priority_display()} · {'read' if manual.is_read else 'not read yet'}",
            )
        )
    for message in work_order.messages.all():
        entries.append(message_entry(message, technicians))
    for attachment in work_order.attachments.all():
        image = attachment.content_type.startswith("image/")
        entries.append(
            TimelineEntry(
                attachment.taken_at,
                "photo",
                "bi-camera" if image else "bi-file-earmark-pdf",
                f"{attachment.get_step_display()} photo" if image else "PDF added",
                attachment.caption,
                technicians.get(attachment.technician_id, ""),
                thumb=reverse("field:attachment_thumb", args=[attachment.pk]) if image else "",
                link=reverse("field:attachment_file", args=[attachment.pk]),
            )
        )
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries


def customer_timeline(customer: Customer, shown: int) -> list[TimelineEntry]:
    """The customer's latest history lines, calls and messages, newest first: two queries, `shown` rows."""
    history = list(customer.history.select_related("work_order")[:shown])
    messages = list(
        customer.messages.select_related("call_detail", "technician").order_by("-created_at")[:shown]
    )
    entries = [
        TimelineEntry(
            row.created_at,
            "history",
            "bi-journal-text",
            row.get_created_by_type_display() or "Note",
            row.notes or "",
            work_order_id=row.work_order_id,
        )
        for row in history
    ]
    entries += [
        message_entry(message, {message.technician_id: message.technician.name} if message.technician else {})
        for message in messages
    ]
    entries.sort(key=lambda entry: entry.at, reverse=True)
    return entries[:shown]


# Scheduling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    technician: Technician
    jobs: int
    reasons: list[str]

    @property
    def free(self) -> bool:
        return not self.reasons


def technician_availability(
    start: datetime, exclude_pk: int | None = None, duration: timedelta = DEFAULT_DURATION
) -> list[Availability]:
    """Every active technician and why (if at all) they can't take a job of `duration` at `start`:
    four queries."""
    technicians = list(Technician.objects.filter(active=True))
    jobs: dict[int, list[tuple[datetime, datetime]]] = {}
    day = timezone.localdate(start)
    # Every booking of the day, a crew's helpers and later visits included (scheduling.booked_jobs).
    for technician_id, at, end in booked_jobs(
        day, day + timedelta(days=1), exclude=[exclude_pk] if exclude_pk else []
    ):
        jobs.setdefault(technician_id, []).append((at, end))
    result = []
    for technician in technicians:
        mine = jobs.get(technician.pk, [])
        result.append(
            Availability(
                technician,
                len(mine),
                schedule_refusals(technician=technician, start=start, duration=duration, same_day_jobs=mine),
            )
        )
    return result


# Visits and crews ----------------------------------------------------------------------


@dataclass(frozen=True)
class CrewMember:
    technician_id: int
    name: str
    helper_id: int | None = None  # the VisitHelper row, for Remove


@dataclass(frozen=True)
class VisitView:
    """One visit of an order as the pages show it: the first is the order's own booking."""

    number: int
    start: datetime | None
    duration: timedelta
    lead: CrewMember | None
    helpers: list[CrewMember]
    visit_id: object = None  # None: the first visit (the order itself)

    @property
    def crew(self) -> list[CrewMember]:
        return [m for m in (self.lead, *self.helpers) if m is not None]


def order_visits(order: WorkOrder) -> list[VisitView]:
    """The order's visits in order, each with its lead and helpers: two queries (three when a visit
    takes its length from the job type)."""
    from dispatch.models import Visit, VisitHelper
    from dispatch.scheduling import duration_from, duration_of

    later = list(Visit.objects.filter(work_order=order).select_related("lead").order_by("starts_at"))
    # The job type's length only when a visit has no estimate of its own (one query then).
    needs_type = not order.estimated_minutes or any(not visit.estimated_minutes for visit in later)
    lengths = type_minutes() if needs_type and order.job_type else {}
    helpers: dict[object, list[CrewMember]] = {}
    for pk, visit_id, technician_id, name in (
        VisitHelper.objects.filter(work_order=order)
        .order_by("technician__name")
        .values_list("pk", "visit_id", "technician_id", "technician__name")
    ):
        helpers.setdefault(visit_id, []).append(CrewMember(technician_id, name, pk))
    technician = order.assigned_technician
    visits = [
        VisitView(
            1,
            order.scheduled_for,
            duration_of(order, lengths),
            CrewMember(technician.pk, technician.name) if technician else None,
            helpers.get(None, []),
        )
    ]
    for number, visit in enumerate(later, start=2):
        visits.append(
            VisitView(
                number,
                visit.starts_at,
                duration_from(visit.estimated_minutes, order.job_type, lengths),
                CrewMember(visit.lead_id, visit.lead.name),
                helpers.get(visit.pk, []),
                visit.pk,
            )
        )
    return visits
