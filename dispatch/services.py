"""Writes on work orders and customers. Every change is recorded in its history table."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from dispatch.models import (
    ActorType,
    CustomerHistory,
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
    return work_order


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
