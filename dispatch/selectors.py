"""Reads the office pages share. Field data (travel, activity, parts) comes through relations."""

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone

from dispatch import clock, formatting
from dispatch.models import (
    ActorType,
    Customer,
    JobType,
    ManualNotification,
    Notification,
    Technician,
    WorkOrder,
    WorkOrderNote,
    WorkOrderStatus,
)
from dispatch.scheduling import WORKDAY_END, WORKDAY_START, schedule_refusals, week_of


def office_fingerprint() -> str:
    """A short digest that changes whenever anything the live office pages show changes.

    Three aggregate queries over indexed columns: the polls compare it and answer 204
    when nothing moved.
    """
    orders = WorkOrder.objects.aggregate(at=Max("updated_at"), n=Count("id"))
    alerts = Notification.objects.aggregate(last=Max("id"), unread=Count("id", filter=Q(is_read=False)))
    field = Technician.objects.aggregate(
        act=Max("activities__created_at"),
        clock_in=Max("clock_records__clock_in_time"),
        clock_out=Max("clock_records__clock_out_time"),
    )
    raw = repr((sorted(orders.items()), sorted(alerts.items()), sorted(field.items())))
    return hashlib.blake2s(raw.encode(), digest_size=8).hexdigest()


def unread_alert_count() -> int:
    return Notification.objects.filter(is_read=False).count()


# Today and the board ------------------------------------------------------------------


def today_overview(alerts_shown: int) -> dict:
    """What Today shows: each active technician's clock and jobs today, the unassigned and late
    jobs and the latest unread alerts, in a fixed number of queries."""
    orders = list(WorkOrder.objects.today().select_related("customer", "assigned_technician"))
    technicians = list(Technician.objects.filter(active=True).with_open_clock())
    by_technician: dict[int | None, list[WorkOrder]] = {}
    for order in orders:
        by_technician.setdefault(order.assigned_technician_id, []).append(order)
    rows = [
        {
            "technician": technician,
            "clock": getattr(technician, "open_clock", None),  # unset when clocked out
            "orders": by_technician.get(technician.pk, []),
        }
        for technician in technicians
    ]
    return {
        "rows": rows,
        "unassigned": by_technician.get(None, []),
        "late": [order for order in orders if order.is_late_to_start],
        "alerts": list(
            Notification.objects.filter(is_read=False).select_related("work_order")[:alerts_shown]
        ),
        "alert_count": unread_alert_count(),
        "order_count": len(orders),
    }


# The board's hour columns: the working day.
BOARD_HOURS = range(WORKDAY_START.hour, WORKDAY_END.hour)


def board_grid(view: str, day: date, tray_shown: int) -> dict:
    """The board's columns (hours of `day`, or the days of its week), each active technician's
    jobs that count in them, and the tray of work to place: a fixed number of queries."""
    if view == "week":
        first, after = week_of(day)
        columns = [
            {
                "key": first + timedelta(days=i),
                "label": f"{first + timedelta(days=i):%a %b %d}",
                "start": (first + timedelta(days=i)).isoformat(),
                "today": first + timedelta(days=i) == clock.localdate(),
            }
            for i in range(7)
        ]
        orders = WorkOrder.objects.booked().in_days(first, after)
    else:
        columns = [
            {
                "key": hour,
                "label": f"{time(hour):%I %p}".lstrip("0"),
                "start": f"{day.isoformat()}T{hour:02d}:00",
                "today": False,
            }
            for hour in BOARD_HOURS
        ]
        orders = WorkOrder.objects.booked().on_day(day)
    technicians = list(Technician.objects.filter(active=True))
    cells: dict[tuple, list[WorkOrder]] = {}
    for order in orders.select_related("customer"):
        local = timezone.localtime(order.scheduled_for)
        hour = min(max(local.hour, BOARD_HOURS.start), BOARD_HOURS.stop - 1)
        key = local.date() if view == "week" else hour
        cells.setdefault((order.assigned_technician_id, key), []).append(order)
    rows = [
        {
            "technician": technician,
            "cells": [(column, cells.get((technician.pk, column["key"]), [])) for column in columns],
        }
        for technician in technicians
    ]
    tray_query = WorkOrder.objects.open().filter(
        Q(assigned_technician__isnull=True) | Q(status=WorkOrderStatus.PENDING)
    )
    tray = list(
        tray_query.select_related("customer", "assigned_technician").order_by("scheduled_for", "id")[
            :tray_shown
        ]
    )
    return {"columns": columns, "rows": rows, "tray": tray, "tray_count": tray_query.count()}


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
        # fieldops' photos of the job, with who took them (the timeline and the job's record).
        Prefetch(
            "attachments", queryset=related_queryset(WorkOrder, "attachments").select_related("technician")
        ),
    )
    return get_object_or_404(queryset, pk=pk)


def related_queryset(model, name: str) -> QuerySet:
    """The default queryset of a reverse relation's model, without importing the other app."""
    return model._meta.get_field(name).related_model._default_manager.all()


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str
    icon: str
    title: str
    detail: str = ""
    who: str = ""
    alert: bool = False
    thumb: str = ""
    link: str = ""


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
        return technicians.get(row_id, f"technician #{row_id}")
    if row_type == ActorType.SYSTEM or row_type is None:
        return "System"
    if row_type == ActorType.VOICE_AGENT:
        return "Voice agent"
    return users.get(row_id, f"{row_type} #{row_id}")


def _history_text(field: str | None, value: str | None, technicians: dict, customers: dict) -> str:
    if value in (None, ""):
        return "—"
    if field == "assigned_technician":
        return technicians.get(int(value), f"#{value}")
    if field == "customer":
        return customers.get(int(value), f"#{value}")
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


# History rows the timeline shows as their own entry (a photo, with its thumbnail).
RECORD_SHOWN_ITSELF = {"photo"}
RECORD_FIELDS = {"checklist", "equipment", "signature", "follow_up", "credentials"}


def work_order_timeline(work_order: WorkOrder, technicians: dict[int, str]) -> list[TimelineEntry]:
    """History, notes, travel, activity, parts and notifications of one (prefetched) order, newest first."""
    history = list(work_order.history.all())
    notes = list(work_order.notes.all())
    users = _user_names(history, notes)
    customer_ids = {
        int(value)
        for row in history
        if row.field_changed == "customer"
        for value in (row.old_value, row.new_value)
        if value
    }
    customers = dict(Customer.objects.filter(pk__in=customer_ids).values_list("pk", "name"))
    entries = []
    for row in history:
        if row.field_changed in RECORD_SHOWN_ITSELF:
            continue
        label = (row.field_changed or "").replace("_", " ")
        if row.field_changed in RECORD_FIELDS:
            # The job's record (fieldops): the row's text says what happened.
            entries.append(
                TimelineEntry(
                    row.created_at,
                    "record",
                    "bi-clipboard-check",
                    label.capitalize(),
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
                f"{label.capitalize()} changed",
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


# Scheduling ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Availability:
    technician: Technician
    jobs: int
    reasons: list[str]

    @property
    def free(self) -> bool:
        return not self.reasons


def technician_availability(start: datetime, exclude_pk: int | None = None) -> list[Availability]:
    """Every active technician and why (if at all) they can't take a job at `start`: two queries."""
    technicians = list(Technician.objects.filter(active=True))
    starts: dict[int, list[datetime]] = {}
    orders = (
        WorkOrder.objects.booked()
        .on_day(timezone.localdate(start))
        .exclude(pk=exclude_pk)
        .values_list("assigned_technician_id", "scheduled_for")
    )
    for technician_id, at in orders:
        starts.setdefault(technician_id, []).append(at)
    result = []
    for technician in technicians:
        mine = starts.get(technician.pk, [])
        result.append(
            Availability(
                technician,
                len(mine),
                schedule_refusals(technician=technician, start=start, same_day_starts=mine),
            )
        )
    return result
