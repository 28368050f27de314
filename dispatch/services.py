"""Writes on work orders and customers. Every change is recorded in its history table."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from dispatch.models import (
    ActorType,
    Customer,
    CustomerHistory,
    ManualNotification,
    Notification,
    Technician,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderNote,
    WorkOrderStatus,
)


@dataclass(frozen=True)
class Actor:
    """Who changes something: the seed's changed_by_type / changed_by_id pair."""

    type: str
    id: int | None = None

    @classmethod
    def for_user(cls, user: AbstractBaseUser) -> "Actor":
        """A technician's login acts as that technician; anyone else as office or admin by user id."""
        technician = Technician.objects.filter(user=user).only("pk").first()
        if technician is not None:
            return cls(ActorType.TECHNICIAN, technician.pk)
        if user.is_superuser:
            return cls(ActorType.ADMIN, user.pk)
        return cls(ActorType.OFFICE, user.pk)

    @classmethod
    def system(cls) -> "Actor":
        return cls(ActorType.SYSTEM, None)


def _history_value(work_order: WorkOrder, field_name: str) -> str | None:
    """A field's value as text for work_order_history: ids for relations, ISO for times."""
    field = work_order._meta.get_field(field_name)
    value = getattr(work_order, field.attname)
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    return str(value)


def work_order_record_changes(
    *, work_order: WorkOrder, before: dict[str, str | None], actor: Actor
) -> list[WorkOrderHistory]:
    """Write one history row per tracked field whose value differs from `before`."""
    rows = [
        WorkOrderHistory(
            work_order=work_order,
            changed_by_type=actor.type,
            changed_by_id=actor.id,
            field_changed=name,
            old_value=before[name],
            new_value=_history_value(work_order, name),
        )
        for name in WorkOrder.TRACKED_FIELDS
        if before[name] != _history_value(work_order, name)
    ]
    WorkOrderHistory.objects.bulk_create(rows)
    return rows


def work_order_snapshot(work_order: WorkOrder) -> dict[str, str | None]:
    """The tracked fields as history text, to compare against after a change."""
    return {name: _history_value(work_order, name) for name in WorkOrder.TRACKED_FIELDS}


@transaction.atomic
def work_order_create(
    *, actor: Actor, created_by: AbstractBaseUser | None = None, **fields: Any
) -> WorkOrder:
    """Create a work order and record its initial values in its history."""
    work_order = WorkOrder(created_by=created_by, **fields)
    work_order.full_clean()
    work_order.save()
    empty = dict.fromkeys(WorkOrder.TRACKED_FIELDS)
    work_order_record_changes(work_order=work_order, before=empty, actor=actor)
    return work_order


class StaleWorkOrder(ValidationError):
    """Someone else changed the work order since the editor loaded it."""


def _check_version(locked: WorkOrder, expected_version: int | None) -> None:
    if expected_version is None or locked.version == expected_version:
        return
    changes = WorkOrderHistory.objects.filter(work_order=locked).order_by("-created_at", "-id")[:5]
    said = "; ".join(f"{row.field_changed} is now {row.new_value or 'empty'}" for row in changes)
    raise StaleWorkOrder(
        f"Work order #{locked.pk} was changed by someone else while you were editing it"
        f"{': ' + said if said else ''}. Reload it and make your change again."
    )


@transaction.atomic
def work_order_update(
    *, work_order: WorkOrder, actor: Actor, expected_version: int | None = None, **changes: Any
) -> WorkOrder:
    """Apply field changes to a work order; each changed field gets a work_order_history row.

    The row is locked for the change so two editors don't lose each other's history; with
    `expected_version` a change made from a stale copy is refused (StaleWorkOrder).
    A status change must follow WorkOrder.TRANSITIONS.
    """
    unknown = set(changes) - set(WorkOrder.TRACKED_FIELDS)
    if unknown:
        raise ValueError(f"Not a work-order field that can be changed: {', '.join(sorted(unknown))}")
    locked = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    _check_version(locked, expected_version)
    if (
        "status" in changes
        and changes["status"] != locked.status
        and not locked.can_move_to(changes["status"])
    ):
        raise ValidationError(
            {
                "status": f"A {locked.get_status_display().lower()} work order can't become "
                f"{WorkOrderStatus(changes['status']).label.lower()}."
                if changes["status"] in WorkOrderStatus.values
                else f"{changes['status']!r} is not a work-order status."
            }
        )
    before = work_order_snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.full_clean()
    if work_order_snapshot(locked) != before:
        locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db(fields=["version", "updated_at"])
    work_order_record_changes(work_order=locked, before=before, actor=actor)
    _customer_no_longer_new(work_order=locked, before=before, actor=actor)
    # Hand the caller's instance the saved state.
    for field in WorkOrder._meta.concrete_fields:
        setattr(work_order, field.attname, getattr(locked, field.attname))
    return work_order


@transaction.atomic
def work_order_change_status(
    *, work_order: WorkOrder, status: str, actor: Actor, reason: str = "", expected_version: int | None = None
) -> WorkOrder:
    """Move a work order along an allowed transition; a reason (required to cancel) goes into its notes."""
    if status == WorkOrderStatus.CANCELLED and not reason.strip():
        raise ValidationError({"reason": "Say why the work order is cancelled."})
    work_order_update(work_order=work_order, actor=actor, expected_version=expected_version, status=status)
    if reason.strip():
        work_order_note_add(
            work_order=work_order,
            text=f"{WorkOrderStatus(status).label}: {reason.strip()}",
            actor=actor,
        )
    return work_order


@transaction.atomic
def work_order_note_add(
    *,
    work_order: WorkOrder,
    text: str,
    actor: Actor,
    technician: Technician | None = None,
    alert_office: bool = False,
) -> WorkOrderNote:
    """Add a note to a work order; an alert note also lands in the office's notifications."""
    text = (text or "").strip()
    if not text:
        raise ValidationError({"note_text": "Write the note first."})
    if len(text) > 5000:
        raise ValidationError({"note_text": "A note can be at most 5,000 characters."})
    note = WorkOrderNote.objects.create(
        work_order=work_order, technician=technician, note_text=text, alert_office=alert_office
    )
    if alert_office:
        who = technician.name if technician else "Someone"
        Notification.objects.create(
            work_order=work_order,
            notification_type=Notification.Type.NOTE_ALERT,
            message=f"{who} on #{work_order.pk} {work_order.title}: {text[:300]}",
        )
    return note


@transaction.atomic
def work_order_save_edited(
    *, work_order: WorkOrder, actor: Actor, changed_fields: Iterable[str] | None = None
) -> WorkOrder:
    """Save a work order that an editor (the admin, a model form) changed in memory, recording what changed.

    `changed_fields` is the form's changed_data: a tracked field not in it keeps its stored
    value, since form widgets round values (times lose their microseconds) and that is no edit.
    A new work order records its initial values.
    """
    if work_order._state.adding:
        before = dict.fromkeys(WorkOrder.TRACKED_FIELDS)
    else:
        stored = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
        before = work_order_snapshot(stored)
        if changed_fields is not None:
            for name in set(WorkOrder.TRACKED_FIELDS) - set(changed_fields):
                attname = WorkOrder._meta.get_field(name).attname
                setattr(work_order, attname, getattr(stored, attname))
    if not work_order._state.adding and work_order_snapshot(work_order) != before:
        work_order.version = F("version") + 1
    work_order.save()
    if isinstance(work_order.version, F):
        work_order.refresh_from_db(fields=["version"])
    work_order_record_changes(work_order=work_order, before=before, actor=actor)
    _customer_no_longer_new(work_order=work_order, before=before, actor=actor)
    return work_order


def _customer_no_longer_new(*, work_order: WorkOrder, before: dict[str, str | None], actor: Actor) -> None:
    """A customer with a completed job is not new any more: the flag goes off, in its history."""
    if before["status"] == WorkOrderStatus.COMPLETED or work_order.status != WorkOrderStatus.COMPLETED:
        return
    customer = Customer.objects.filter(pk=work_order.customer_id, is_new_customer=True).first()
    if customer is not None:
        customer.is_new_customer = False
        customer_save(customer=customer, actor=actor, changed_fields=["is_new_customer"])


def customer_history_add(
    *, customer_id: int, notes: str, actor: Actor, work_order: WorkOrder | None = None
) -> CustomerHistory:
    """Add a line to a customer's history."""
    return CustomerHistory.objects.create(
        customer_id=customer_id,
        work_order=work_order,
        notes=notes,
        created_by_type=actor.type,
        created_by_id=actor.id,
    )


# ---------------------------------------------------------------------------------------
# Scheduling rules: one place for the board, the detail page and the new-order form.
# ---------------------------------------------------------------------------------------

# A job blocks its technician for this long from its scheduled time: the seed records no
# duration, and the demo day books two jobs per technician with at least 3.5 h between
# their starts, so 2 h is a safe assumption until work orders carry an estimate.
JOB_DURATION = timedelta(hours=2)
# Working hours in the company's time zone: a job starts and ends inside them.
WORKDAY_START = time(7)
WORKDAY_END = time(17)


def max_jobs_per_day() -> int:
    return int(getattr(settings, "TECHFLOW_MAX_JOBS_PER_DAY", 2))


class OutsidePreferredWindow(ValidationError):
    """The time is outside the customer's preferred window; the dispatcher may confirm an override."""


def _fmt_time(value: time) -> str:
    return value.strftime("%I:%M %p").lstrip("0")


def schedule_refusals(
    *, technician: Technician, start: datetime, same_day_starts: Iterable[datetime]
) -> list[str]:
    """Why `technician` can't take a job at `start`, given the starts of their other jobs that day.

    A pure function so that the forms can show who is free without a query per technician.
    """
    local = timezone.localtime(start)
    end = local + JOB_DURATION
    reasons = []
    if not technician.active:
        reasons.append(f"{technician.name} is not an active technician.")
    if local.time() < WORKDAY_START or end.date() != local.date() or end.time() > WORKDAY_END:
        reasons.append(
            f"A job at {_fmt_time(local.time())} would run until {_fmt_time(end.time())}: jobs must fit "
            f"inside working hours, {_fmt_time(WORKDAY_START)} to {_fmt_time(WORKDAY_END)} "
            f"({int(JOB_DURATION.total_seconds() // 3600)} h each)."
        )
    starts = list(same_day_starts)
    limit = max_jobs_per_day()
    if len(starts) >= limit:
        reasons.append(
            f"{technician.name} already has {len(starts)} jobs on {local:%a %b %d}; the limit is {limit}."
        )
    clashes = sorted(other for other in starts if abs(other - start) < JOB_DURATION)
    if clashes:
        at = timezone.localtime(clashes[0]).time()
        reasons.append(f"{technician.name} already has a job at {_fmt_time(at)} that would overlap this one.")
    return reasons


def preferred_window_warning(*, customer: Customer | None, start: datetime) -> str:
    """A message when `start` is outside the customer's preferred window, else ''.

    The window is when the customer wants the technician to arrive: the job starts inside it.
    """
    if (
        customer is None
        or customer.preferred_schedule_start is None
        or customer.preferred_schedule_end is None
    ):
        return ""
    at = timezone.localtime(start).time()
    if customer.preferred_schedule_start <= at <= customer.preferred_schedule_end:
        return ""
    return (
        f"{_fmt_time(at)} is outside {customer.name}'s preferred window, "
        f"{_fmt_time(customer.preferred_schedule_start)} to {_fmt_time(customer.preferred_schedule_end)}."
    )


def placement_refusals(
    *, technician: Technician, start: datetime, same_day_starts: Iterable[datetime], customer: Customer | None
) -> list[str]:
    """Every rule a booking must meet with no override: the schedule rules and the preferred window.

    Pure, so the suggestions and the week planner check a placement by the same rules as
    work_order_schedule without a query per candidate.
    """
    reasons = schedule_refusals(technician=technician, start=start, same_day_starts=same_day_starts)
    warning = preferred_window_warning(customer=customer, start=start)
    return [*reasons, warning] if warning else reasons


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight of a calendar day in the company's time zone."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _check_schedule(
    *,
    technician: Technician,
    start: datetime,
    customer: Customer | None,
    exclude_pk: int | None,
    override_window: bool,
) -> None:
    # Lock the technician so two dispatchers can't both book the last free slot.
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    day_start, day_end = day_bounds(timezone.localdate(start))
    others = (
        WorkOrder.objects.filter(
            assigned_technician=technician, scheduled_for__gte=day_start, scheduled_for__lt=day_end
        )
        .exclude(status=WorkOrderStatus.CANCELLED)
        .exclude(pk=exclude_pk)
        .values_list("scheduled_for", flat=True)
    )
    reasons = schedule_refusals(technician=technician, start=start, same_day_starts=others)
    if reasons:
        raise ValidationError(reasons)
    warning = preferred_window_warning(customer=customer, start=start)
    if warning and not override_window:
        raise OutsidePreferredWindow(f"{warning} Confirm the override to book it anyway.")


@transaction.atomic
def work_order_schedule(
    *,
    work_order: WorkOrder,
    actor: Actor,
    technician: Technician | None,
    scheduled_for: datetime | None,
    override_window: bool = False,
    expected_version: int | None = None,
) -> WorkOrder:
    """Assign, reassign, reschedule or unassign a work order, enforcing the scheduling rules.

    Refuses (ValidationError, with every reason) a job beyond the technician's daily limit,
    outside working hours or overlapping another job; refuses a time outside the customer's
    preferred window (OutsidePreferredWindow) unless `override_window`. A pending order that
    gets a technician and a time becomes scheduled; a scheduled one that loses either goes
    back to pending. Every change is recorded in work_order_history.
    """
    locked = (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("customer").get(pk=work_order.pk)
    )
    _check_version(locked, expected_version)
    if not locked.is_open:
        raise ValidationError(
            f"Work order #{locked.pk} is {locked.get_status_display().lower()}; it can't be rescheduled."
        )
    moved = technician != locked.assigned_technician or scheduled_for != locked.scheduled_for
    if technician is not None and scheduled_for is not None and moved:
        _check_schedule(
            technician=technician,
            start=scheduled_for,
            customer=locked.customer,
            exclude_pk=locked.pk,
            override_window=override_window,
        )
    changes: dict[str, Any] = {"assigned_technician": technician, "scheduled_for": scheduled_for}
    if locked.status == WorkOrderStatus.PENDING and technician is not None and scheduled_for is not None:
        changes["status"] = WorkOrderStatus.SCHEDULED
    elif locked.status == WorkOrderStatus.SCHEDULED and (technician is None or scheduled_for is None):
        changes["status"] = WorkOrderStatus.PENDING
    return work_order_update(work_order=work_order, actor=actor, **changes)


def work_order_assign(
    *,
    work_order: WorkOrder,
    actor: Actor,
    technician: Technician | None,
    override_window: bool = False,
    expected_version: int | None = None,
) -> WorkOrder:
    """Give a work order to a technician (or take it away) at its current time, by the same rules."""
    return work_order_schedule(
        work_order=work_order,
        actor=actor,
        technician=technician,
        scheduled_for=work_order.scheduled_for,
        override_window=override_window,
        expected_version=expected_version,
    )


@transaction.atomic
def work_order_open(
    *,
    actor: Actor,
    created_by: AbstractBaseUser | None,
    customer: Customer,
    title: str,
    brief_description: str,
    job_type: str | None = None,
    technician: Technician | None = None,
    scheduled_for: datetime | None = None,
    override_window: bool = False,
) -> WorkOrder:
    """Create an office work order; with a technician and a time it is scheduled by the same rules."""
    if technician is not None and scheduled_for is not None:
        _check_schedule(
            technician=technician,
            start=scheduled_for,
            customer=customer,
            exclude_pk=None,
            override_window=override_window,
        )
    status = (
        WorkOrderStatus.SCHEDULED
        if technician is not None and scheduled_for is not None
        else WorkOrderStatus.PENDING
    )
    return work_order_create(
        actor=actor,
        created_by=created_by,
        customer=customer,
        title=title,
        brief_description=brief_description,
        job_type=job_type or None,
        assigned_technician=technician,
        scheduled_for=scheduled_for,
        status=status,
    )


# ---------------------------------------------------------------------------------------
# Customers and notifications
# ---------------------------------------------------------------------------------------

CUSTOMER_FIELDS = (
    "name",
    "address",
    "phone",
    "email",
    "is_new_customer",
    "preferred_schedule_start",
    "preferred_schedule_end",
)


@transaction.atomic
def customer_save(
    *, customer: Customer, actor: Actor, changed_fields: Iterable[str] | None = None
) -> Customer:
    """Save a new or edited customer and note what changed in its customer history."""
    adding = customer._state.adding
    customer.full_clean()
    customer.save()
    if adding:
        customer_history_add(customer_id=customer.pk, notes="Customer created.", actor=actor)
    else:
        changed = [
            str(Customer._meta.get_field(name).verbose_name)
            for name in (changed_fields or ())
            if name in CUSTOMER_FIELDS
        ]
        if changed:
            customer_history_add(
                customer_id=customer.pk, notes=f"Details changed: {', '.join(changed)}.", actor=actor
            )
    return customer


@transaction.atomic
def technician_save(*, technician: Technician) -> Technician:
    """Save a technician's edited details; an inactive technician keeps their booked jobs."""
    technician.full_clean()
    technician.save()
    return technician


def notification_set_read(*, notification: Notification, is_read: bool) -> Notification:
    """Mark one office notification read or unread."""
    Notification.objects.filter(pk=notification.pk).update(is_read=is_read)
    notification.is_read = is_read
    return notification


def notifications_mark_all_read() -> int:
    """Mark every unread office notification read; returns how many were."""
    return Notification.objects.filter(is_read=False).update(is_read=True)


def manual_notification_send(
    *, technician: Technician, message: str, priority: str, work_order: WorkOrder | None = None
) -> ManualNotification:
    """Send a technician a message from the office."""
    message = (message or "").strip()
    if not message:
        raise ValidationError({"message": "Write the message first."})
    notification = ManualNotification(
        technician=technician, work_order=work_order, message=message, priority=priority
    )
    notification.full_clean()
    notification.save()
    return notification


# ---------------------------------------------------------------------------------------
# Job summaries
# ---------------------------------------------------------------------------------------


@transaction.atomic
def work_order_summary_write(*, work_order: WorkOrder, actor: Actor) -> WorkOrder:
    """Write the order's full_summary from its notes, travel, activity and parts; history records it."""
    # selectors imports this module for the scheduling rules, so it is imported here.
    from dispatch import selectors

    text = selectors.work_order_summary_text(selectors.work_order_for_summary(work_order.pk))
    return work_order_update(work_order=work_order, actor=actor, full_summary=text)
