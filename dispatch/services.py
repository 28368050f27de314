"""Writes on work orders and customers. Every change is recorded in its history table."""

import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from dispatch import clock, messaging, planner, push
from dispatch.formatting import when
from dispatch.models import (
    ActorType,
    Customer,
    CustomerHistory,
    ManualNotification,
    Notification,
    PlanRun,
    PlanRunStatus,
    Priority,
    Technician,
    Visit,
    VisitHelper,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderNote,
    WorkOrderStatus,
    validate_estimate,
)
from dispatch.scheduling import (  # noqa: F401  (the rules' names stay importable from here)
    JOB_DURATION,
    MissingSkill,
    OutsidePreferredWindow,
    completion_refusal,
    day_bounds,
    duration_from,
    duration_of,
    length_text,
    max_jobs_per_day,
    placement_refusals,
    preferred_window_warning,
    schedule_check,
    schedule_refusals,
    type_minutes,
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
            version=work_order.version,
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


def _check_version(locked: WorkOrder, expected_version: int | None, actor: Actor) -> None:
    if expected_version is None or locked.version == expected_version:
        return
    # selectors reads these models and the services' names; imported when a conflict is explained.
    from dispatch.selectors import work_order_changes_since

    said = work_order_changes_since(locked, expected_version, viewer_type=actor.type, viewer_id=actor.id)
    raise StaleWorkOrder(
        f"Work order #{locked.pk} changed while you were editing it"
        f"{' (' + said + ')' if said else ''}. Your change was not saved: "
        "reload it and make your change again."
    )


@transaction.atomic
def work_order_update(
    *,
    work_order: WorkOrder,
    actor: Actor,
    expected_version: int | None = None,
    override_skills: bool = False,
    **changes: Any,
) -> WorkOrder:
    """Apply field changes to a work order; each changed field gets a work_order_history row.

    The row is locked for the change so two editors don't lose each other's history; with
    `expected_version` a change made from a stale copy is refused (StaleWorkOrder).
    A status change must follow WorkOrder.TRANSITIONS. A booked order whose length or job type
    changes is re-checked where it is booked (booked_order_recheck): a new job type's skills
    the technician lacks are refused (MissingSkill) unless `override_skills`, recorded.
    """
    unknown = set(changes) - set(WorkOrder.TRACKED_FIELDS)
    if unknown:
        raise ValueError(f"Not a work-order field that can be changed: {', '.join(sorted(unknown))}")
    locked = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    _check_version(locked, expected_version, actor)
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
    completing = changes.get("status") == WorkOrderStatus.COMPLETED != locked.status
    if completing and (refusal := completion_refusal(locked, clock.localdate())):
        raise ValidationError({"status": refusal})
    before = work_order_snapshot(locked)
    old_length, old_type = locked.estimated_minutes, locked.job_type
    for name, value in changes.items():
        setattr(locked, name, value)
    if "status" in changes and (refusal := locked.status_refusal()):
        raise ValidationError({"status": refusal})
    locked.full_clean()
    overridden: list[str] = []
    if (locked.estimated_minutes, locked.job_type) != (old_length, old_type):
        overridden = booked_order_recheck(
            locked, job_type_changed=locked.job_type != old_type, override_skills=override_skills
        )
    if work_order_snapshot(locked) != before:
        locked.version = F("version") + 1
    locked.save()
    locked.refresh_from_db(fields=["version", "updated_at"])
    work_order_record_changes(work_order=locked, before=before, actor=actor)
    _record_skill_override(locked, overridden, actor)
    _customer_returning_once_completed(work_order=locked, before=before, actor=actor)
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
def work_order_reopen_as_new(
    *, work_order: WorkOrder, actor: Actor, created_by: AbstractBaseUser | None = None
) -> WorkOrder:
    """A cancelled order stays cancelled (final); its request comes back as a new pending order for
    the same customer, each order's notes pointing at the other."""
    locked = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    if locked.status != WorkOrderStatus.CANCELLED:
        raise ValidationError("Only a cancelled work order is reopened as a new one.")
    new = work_order_create(
        actor=actor,
        created_by=created_by,
        customer=locked.customer,
        title=locked.title,
        brief_description=locked.brief_description,
        job_type=locked.job_type,
        status=WorkOrderStatus.PENDING,
    )
    work_order_note_add(work_order=new, text=f"Reopened from cancelled #{locked.pk}.", actor=actor)
    work_order_note_add(work_order=locked, text=f"Reopened as #{new.pk}.", actor=actor)
    return new


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
        work_order=work_order,
        technician=technician,
        note_text=text,
        alert_office=alert_office,
        created_by_type=actor.type,
        created_by_id=actor.id,
    )
    if alert_office:
        who = technician.name if technician else "Someone"
        Notification.objects.create(
            work_order=work_order,
            notification_type=Notification.Type.NOTE_ALERT,
            message=f"{who} on #{work_order.pk} {work_order.title}: {text[:300]}",
        )
    return note


def work_order_edit_refusals(
    *, work_order: WorkOrder, changed_fields: Iterable[str] | None = None
) -> list[str]:
    """Every rule an edit made in memory (the admin's form) would break: the status rule, reopening
    or moving a closed order, and the scheduling rules (scheduling.schedule_check)."""
    changed = set(WorkOrder.TRACKED_FIELDS if changed_fields is None else changed_fields)
    stored = None if work_order._state.adding else WorkOrder.objects.get(pk=work_order.pk)
    reasons: list[str] = []
    if (
        stored is not None
        and "status" in changed
        and work_order.status != stored.status
        and not stored.can_move_to(work_order.status)
    ):
        reasons.append(
            f"A {stored.get_status_display().lower()} work order can't become "
            f"{WorkOrderStatus(work_order.status).label.lower()}."
        )
    moved = stored is None or (
        (
            "assigned_technician" in changed
            and work_order.assigned_technician_id != stored.assigned_technician_id
        )
        or ("scheduled_for" in changed and work_order.scheduled_for != stored.scheduled_for)
        or ("estimated_minutes" in changed and work_order.estimated_minutes != stored.estimated_minutes)
        or ("job_type" in changed and work_order.job_type != stored.job_type)
    )
    if stored is not None and moved and not stored.is_open:
        reasons.append(
            f"Work order #{stored.pk} is {stored.get_status_display().lower()}; it can't be rescheduled."
        )
    if moved and work_order.assigned_technician_id and work_order.scheduled_for and work_order.is_open:
        try:
            if stored is not None:
                _first_visit_crew_check(
                    work_order,
                    technician=work_order.assigned_technician,
                    start=work_order.scheduled_for,
                    duration=duration_of(work_order),
                )
            schedule_check(
                technician=work_order.assigned_technician,
                start=work_order.scheduled_for,
                customer=work_order.customer,
                exclude_pk=work_order.pk,
                override_window=False,
                duration=duration_of(work_order),
                job_type=work_order.job_type,
            )
        except ValidationError as error:
            reasons.extend(error.messages)
    if stored is not None and moved and not work_order.assigned_technician_id and _has_crew(work_order):
        reasons.append(CREW_UNASSIGN)
    if (
        stored is not None
        and "status" in changed
        and work_order.status == WorkOrderStatus.COMPLETED != stored.status
        and (refusal := completion_refusal(work_order, clock.localdate()))
    ):
        reasons.append(refusal)
    return reasons


@transaction.atomic
def work_order_save_edited(
    *,
    work_order: WorkOrder,
    actor: Actor,
    changed_fields: Iterable[str] | None = None,
    override_reason: str = "",
) -> WorkOrder:
    """Save a work order that an editor (the admin, a model form) changed in memory, recording what changed.

    The edit must keep the rules the office pages enforce (work_order_edit_refusals); an admin
    (superuser) may set them aside with `override_reason`, which is kept as a note on the order.
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
    refusals = work_order_edit_refusals(work_order=work_order, changed_fields=changed_fields)
    override_reason = override_reason.strip()
    if refusals and not override_reason:
        raise ValidationError(refusals)
    if refusals and actor.type != ActorType.ADMIN:
        raise ValidationError("Only an admin (superuser) can override the scheduling and status rules.")
    if not work_order._state.adding and work_order_snapshot(work_order) != before:
        work_order.version = F("version") + 1
    work_order.save()
    if isinstance(work_order.version, F):
        work_order.refresh_from_db(fields=["version"])
    work_order_record_changes(work_order=work_order, before=before, actor=actor)
    _customer_returning_once_completed(work_order=work_order, before=before, actor=actor)
    if refusals:
        work_order_note_add(
            work_order=work_order,
            text=f"Admin override: {override_reason} (rules set aside: {' '.join(refusals)})",
            actor=actor,
        )
    return work_order


def _customer_returning_once_completed(
    *, work_order: WorkOrder, before: dict[str, str | None], actor: Actor
) -> None:
    """A customer with a completed job is no longer new: the job that completes clears the flag,
    with a line in the customer's history saying which job did."""
    if before["status"] == WorkOrderStatus.COMPLETED or work_order.status != WorkOrderStatus.COMPLETED:
        return
    cleared = Customer.objects.filter(pk=work_order.customer_id, is_new_customer=True).update(
        is_new_customer=False
    )
    if cleared:
        customer_history_add(
            customer_id=work_order.customer_id,
            notes=f"No longer a new customer: #{work_order.pk} {work_order.title} was completed.",
            actor=actor,
            work_order=work_order,
        )


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
# Scheduling: the rules live in dispatch.scheduling; these services enforce them.
# ---------------------------------------------------------------------------------------


@transaction.atomic
def work_order_schedule(
    *,
    work_order: WorkOrder,
    actor: Actor,
    technician: Technician | None,
    scheduled_for: datetime | None,
    override_window: bool = False,
    expected_version: int | None = None,
    override_skills: bool = False,
) -> WorkOrder:
    """Assign, reassign, reschedule or unassign a work order, enforcing the scheduling rules.

    A technician without a skill the job type requires is refused (MissingSkill) unless
    `override_skills`; an override is recorded in work_order_history ("skill_override").

    Refuses (ValidationError, with every reason) a job beyond the technician's daily limit,
    outside working hours or overlapping another job; refuses a time outside the customer's
    preferred window (OutsidePreferredWindow) unless `override_window`. A pending order that
    gets a technician and a time becomes scheduled; a scheduled one that loses either goes
    back to pending. Every change is recorded in work_order_history.
    """
    locked = (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("customer").get(pk=work_order.pk)
    )
    _check_version(locked, expected_version, actor)
    if not locked.is_open:
        raise ValidationError(
            f"Work order #{locked.pk} is {locked.get_status_display().lower()}; it can't be rescheduled."
        )
    moved = technician != locked.assigned_technician or scheduled_for != locked.scheduled_for
    if moved and (technician is None or scheduled_for is None) and _has_crew(locked):
        raise ValidationError(CREW_UNASSIGN)
    overridden: list[str] = []
    if technician is not None and scheduled_for is not None and moved:
        duration = duration_of(locked)
        # The crew first: a helper made the lead is told so, not that they overlap themselves.
        _first_visit_crew_check(locked, technician=technician, start=scheduled_for, duration=duration)
        overridden = schedule_check(
            technician=technician,
            start=scheduled_for,
            customer=locked.customer,
            exclude_pk=locked.pk,
            override_window=override_window,
            duration=duration,
            job_type=locked.job_type,
            override_skills=override_skills,
        )
    changes: dict[str, Any] = {"assigned_technician": technician, "scheduled_for": scheduled_for}
    if locked.status == WorkOrderStatus.PENDING and technician is not None and scheduled_for is not None:
        changes["status"] = WorkOrderStatus.SCHEDULED
    elif locked.status == WorkOrderStatus.SCHEDULED and (technician is None or scheduled_for is None):
        changes["status"] = WorkOrderStatus.PENDING
    updated = work_order_update(work_order=work_order, actor=actor, **changes)
    _record_skill_override(updated, overridden, actor)
    if moved:
        messaging.booking_confirmed(updated)
    return updated


def _record_skill_override(work_order: WorkOrder, overridden: list[str], actor: Actor) -> None:
    if overridden:
        WorkOrderHistory.objects.create(
            work_order=work_order,
            changed_by_type=actor.type,
            changed_by_id=actor.id,
            field_changed="skill_override",
            new_value=f"Booked anyway: {' '.join(overridden)}",
            version=work_order.version,
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
    estimated_minutes: int | None = None,
    override_skills: bool = False,
) -> WorkOrder:
    """Create an office work order; with a technician and a time it is scheduled by the same rules."""
    overridden: list[str] = []
    if technician is not None and scheduled_for is not None:
        overridden = schedule_check(
            technician=technician,
            start=scheduled_for,
            customer=customer,
            exclude_pk=None,
            override_window=override_window,
            duration=duration_from(estimated_minutes, job_type, type_minutes()),
            job_type=job_type or None,
            override_skills=override_skills,
        )
    status = (
        WorkOrderStatus.SCHEDULED
        if technician is not None and scheduled_for is not None
        else WorkOrderStatus.PENDING
    )
    order = work_order_create(
        actor=actor,
        created_by=created_by,
        customer=customer,
        title=title,
        brief_description=brief_description,
        job_type=job_type or None,
        estimated_minutes=estimated_minutes,
        assigned_technician=technician,
        scheduled_for=scheduled_for,
        status=status,
    )
    _record_skill_override(order, overridden, actor)
    messaging.booking_confirmed(order)
    return order


def booked_order_recheck(
    order: WorkOrder, *, job_type_changed: bool = False, override_skills: bool = False
) -> list[str]:
    """Re-check a booked open order whose length or job type changed, where it is booked (the
    board's resize and the order's form alike): it must still fit its technician's day, and
    with a new job type the technician must have its skills (MissingSkill unless
    `override_skills`). The start doesn't move, so the customer's window was settled when it was
    booked. Returns the skill refusals overridden, for the caller to record."""
    if not (order.is_open and order.assigned_technician_id and order.scheduled_for):
        return []
    duration = duration_of(order)
    try:
        overridden = schedule_check(
            technician=order.assigned_technician,
            start=order.scheduled_for,
            customer=order.customer,
            exclude_pk=order.pk,
            override_window=True,
            duration=duration,
            job_type=order.job_type if job_type_changed else None,
            override_skills=override_skills,
        )
        _first_visit_crew_check(
            order, technician=order.assigned_technician, start=order.scheduled_for, duration=duration
        )
        return overridden + _later_visits_recheck(
            order, job_type_changed=job_type_changed, override_skills=override_skills
        )
    except MissingSkill:
        raise
    except ValidationError as error:
        raise ValidationError(
            [f"#{order.pk} can't take {length_text(duration)} where it is booked:", *error.messages]
        ) from None


@transaction.atomic
def work_order_resize(
    *, work_order: WorkOrder, actor: Actor, minutes: int | None, expected_version: int | None = None
) -> WorkOrder:
    """Change a work order's estimate (None: back to its job type's length), re-checking its booking
    by the rules (booked_order_recheck): a length that would run past the technician's
    hours or into their next job is refused with the reasons and nothing changes. Recorded in
    work_order_history."""
    locked = (
        WorkOrder.objects.select_for_update(of=("self",)).select_related("customer").get(pk=work_order.pk)
    )
    _check_version(locked, expected_version, actor)
    validate_estimate(minutes)
    if not locked.is_open:
        raise ValidationError(
            f"Work order #{locked.pk} is {locked.get_status_display().lower()}; its length can't change."
        )
    if locked.estimated_minutes == minutes:
        return locked
    return work_order_update(work_order=work_order, actor=actor, estimated_minutes=minutes)


@dataclass(frozen=True)
class PlanPlacement:
    """One placement of a week plan as the office saw it: the order at its version, who and when."""

    work_order: WorkOrder
    technician: Technician
    start: datetime
    version: int


@dataclass(frozen=True)
class PlanOutcome:
    applied: list[WorkOrder]
    refused: list[str]


@transaction.atomic
def week_plan_apply(*, placements: Iterable[PlanPlacement], actor: Actor) -> PlanOutcome:
    """Book a week plan's placements, each re-checked by work_order_schedule in its own savepoint.

    A placement that no longer meets the rules (someone booked the slot, the order changed
    since the plan was made) is refused with its reasons and left out; the others are booked.
    """
    applied, refused = [], []
    for placement in placements:
        order = placement.work_order
        try:
            with transaction.atomic():
                work_order_schedule(
                    work_order=order,
                    actor=actor,
                    technician=placement.technician,
                    scheduled_for=placement.start,
                    expected_version=placement.version,
                )
        except ValidationError as error:
            refused.append(f"#{order.pk} {order.title} was not placed: {' '.join(error.messages)}")
        else:
            applied.append(order)
    return PlanOutcome(applied, refused)


class _Refused(Exception):
    pass


@dataclass(frozen=True)
class FixPlacement:
    """One move of a "Fix my day" proposal as the office saw it (technician None: to the tray)."""

    work_order: WorkOrder
    technician: Technician | None
    start: datetime | None
    version: int
    why: str = ""


def day_fix_apply(*, moves: Iterable[FixPlacement], actor: Actor) -> PlanOutcome:
    """Apply a "Fix my day" proposal all or nothing: each move booked by work_order_schedule (every
    rule re-checked), each with a note saying why. Moves can depend on each other (one takes the
    slot another leaves), so a refused move is tried again after the others, until a round books
    none; then nothing is kept and the refusals say why."""
    moves = list(moves)
    try:
        with transaction.atomic():
            left, refusals = moves, {}
            while left:
                refusals, after = {}, []
                for move in left:
                    try:
                        with transaction.atomic():
                            _fix_move(move, actor)
                    except ValidationError as error:
                        refusals[move.work_order.pk] = error.messages
                        after.append(move)
                if len(after) == len(left):
                    raise _Refused
                left = after
    except _Refused:
        refused = [
            f"#{move.work_order.pk} {move.work_order.title}: {' '.join(refusals[move.work_order.pk])}"
            for move in left
        ]
        return PlanOutcome([], ["Nothing was changed.", *refused])
    return PlanOutcome([move.work_order for move in moves], [])


def _fix_move(move: FixPlacement, actor: Actor) -> None:
    work_order_schedule(
        work_order=move.work_order,
        actor=actor,
        technician=move.technician,
        scheduled_for=move.start,
        expected_version=move.version,
    )
    where = f"{move.technician.name}, {when(move.start)}" if move.technician else "back to the tray"
    work_order_note_add(
        work_order=move.work_order,
        text=f"Fix my day: moved to {where}.{' ' + move.why if move.why else ''}",
        actor=actor,
    )


# Seconds between two progress writes of a running plan: the page polls about once a second.
PLAN_PROGRESS_EVERY = 0.5


@transaction.atomic
def plan_run_start(*, day: date, user: AbstractBaseUser | None) -> PlanRun:
    """Record a "Plan the week" request and enqueue the planner for the background worker.

    With the database backend the task's row commits with the run's, so the worker never sees
    one without the other; with the immediate backend the plan is made before this returns.
    """
    from dispatch.tasks import plan_week_task  # the task module imports this one

    run = PlanRun.objects.create(day=day, requested_by=user if user and user.is_authenticated else None)
    plan_week_task.enqueue(str(run.pk))
    run.refresh_from_db()
    return run


def plan_run_execute(*, run_id: str) -> PlanRun | None:
    """Make the plan of a queued run, writing its progress as it goes and the proposal at the end.

    Not one transaction: progress must be visible to the page while the planner runs. A run that
    fails is marked failed with the error's message, and the error raised again for the worker.
    """
    run = PlanRun.objects.filter(pk=run_id).first()
    if run is None or run.status != PlanRunStatus.QUEUED:
        return run  # deleted since (the demo's reset), or run already (a task delivered twice)
    started = clock.now()
    PlanRun.objects.filter(pk=run.pk).update(status=PlanRunStatus.RUNNING, started_at=started)
    last = [0.0]

    def progress(considered: int, total: int) -> None:
        now = time.monotonic()
        if now - last[0] >= PLAN_PROGRESS_EVERY:
            last[0] = now
            PlanRun.objects.filter(pk=run.pk).update(considered=considered, total=total)

    try:
        plan = planner.week_plan(run.day, now=started, progress=progress)
    except Exception as error:
        PlanRun.objects.filter(pk=run.pk).update(
            status=PlanRunStatus.FAILED,
            error=str(error)[:1000] or type(error).__name__,
            finished_at=clock.now(),
        )
        raise
    decided = len(plan.placements) + len(plan.unplaced)
    PlanRun.objects.filter(pk=run.pk).update(
        status=PlanRunStatus.DONE,
        result=planner.plan_to_json(plan),
        considered=decided,
        total=decided,
        finished_at=clock.now(),
    )
    run.refresh_from_db()
    return run


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
    "messages_opt_out",
    "zone",
    "latitude",
    "longitude",
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
def technician_save(*, technician: Technician, skills=None) -> Technician:
    """Save a technician's edited details (and their skills, when given); an inactive technician
    keeps their booked jobs."""
    technician.full_clean()
    with transaction.atomic():
        technician.save()
        if skills is not None:
            technician.skills.set(skills)
    return technician


def notification_set_read(*, notification: Notification, is_read: bool) -> Notification:
    """Mark one office notification read or unread."""
    Notification.objects.filter(pk=notification.pk).update(is_read=is_read)
    notification.is_read = is_read
    return notification


def notifications_mark_all_read() -> int:
    """Mark every unread office notification read; returns how many were."""
    return Notification.objects.alerts().filter(is_read=False).update(is_read=True)


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
    if notification.priority == Priority.URGENT:
        # Web Push for a phone whose page is closed, once the message is committed (dispatch/push.py).
        transaction.on_commit(lambda: push.manual_notification_push(notification_id=notification.pk))
    return notification


# Visits and crews ----------------------------------------------------------------------
# A work order's first visit is the order itself (its time, length and technician, the lead);
# a later visit is a Visit row with its own time, length and lead. Any visit can have helpers.
# Every person on a visit is booked by the same rules as a lead (hours, overlaps, the cap); the
# job type's skills are asked of the lead, not of a helper.


def _first_visit_crew_check(
    order: WorkOrder, *, technician: Technician, start: datetime, duration: timedelta
) -> None:
    """The first visit's helpers still fit where it is booked (they move with it), the lead is not
    one of them, and the first visit stays before the later ones."""
    helpers = list(
        VisitHelper.objects.filter(work_order=order, visit__isnull=True).select_related("technician")
    )
    if any(helper.technician_id == technician.pk for helper in helpers):
        raise ValidationError(
            f"{technician.name} is helping on this visit: remove them as a helper to make them the lead."
        )
    later = Visit.objects.filter(work_order=order, starts_at__lte=start).order_by("starts_at").first()
    if later is not None:
        raise ValidationError(
            f"#{order.pk} has a later visit on {when(later.starts_at)}: the first visit comes before it."
        )
    for helper in helpers:
        _helper_fits(
            helper.technician,
            start=start,
            duration=duration,
            customer=order.customer,
            heading=f"{helper.technician.name} helps on this visit:",
            exclude_visit=("first", order.pk),
        )


def _helper_fits(
    technician: Technician,
    *,
    start: datetime,
    duration: timedelta,
    customer,
    heading: str,
    exclude_visit=None,
) -> None:
    """A helper booked by the scheduling rules at a visit's time (no window or skill to confirm: the
    lead carries those); a refusal comes under `heading`."""
    try:
        schedule_check(
            technician=technician,
            start=start,
            customer=customer,
            exclude_pk=None,
            override_window=True,
            duration=duration,
            exclude_visit=exclude_visit,
        )
    except ValidationError as error:
        raise ValidationError([heading, *error.messages]) from None


CREW_UNASSIGN = (
    "This job has a crew (helpers or later visits): take them off on its page before it goes back "
    "to the tray, or book it with another lead and time."
)


def _has_crew(order: WorkOrder) -> bool:
    return (
        Visit.objects.filter(work_order=order).exists()
        or VisitHelper.objects.filter(work_order=order).exists()
    )


def _later_visits_recheck(order: WorkOrder, *, job_type_changed: bool, override_skills: bool) -> list[str]:
    """After a job-type change, each later visit still fits: one without its own length takes the new
    type's, for its lead and its helpers, and its lead must have the new type's skills (MissingSkill
    unless `override_skills`). Returns the skill refusals overridden."""
    if not job_type_changed:
        return []
    overridden: list[str] = []
    lengths = type_minutes()
    for visit in (
        Visit.objects.filter(work_order=order).select_related("lead").prefetch_related("helpers__technician")
    ):
        duration = duration_from(visit.estimated_minutes, order.job_type, lengths)
        at = when(visit.starts_at, dated=True)
        heading = f"The visit of {at} no longer fits {visit.lead.name}:"
        try:
            overridden += schedule_check(
                technician=visit.lead,
                start=visit.starts_at,
                customer=order.customer,
                exclude_pk=None,
                override_window=True,
                duration=duration,
                job_type=order.job_type,
                override_skills=override_skills,
                exclude_visit=visit.pk,
            )
        except MissingSkill:
            raise
        except ValidationError as error:
            raise ValidationError([heading, *error.messages]) from None
        for helper in visit.helpers.all():
            _helper_fits(
                helper.technician,
                start=visit.starts_at,
                duration=duration,
                customer=order.customer,
                heading=f"The visit of {at} no longer fits {helper.technician.name}:",
                exclude_visit=visit.pk,
            )
    return overridden


def _crew_changed(
    order: WorkOrder, actor: Actor, what: str, *, old: str | None = None, new: str | None = None
) -> None:
    """A visit or helper change: the order's version moves on (editors and the live pages see it) and
    the change is written to its history."""
    WorkOrder.objects.filter(pk=order.pk).update(version=F("version") + 1)
    version = WorkOrder.objects.values_list("version", flat=True).get(pk=order.pk)
    WorkOrderHistory.objects.create(
        work_order=order,
        changed_by_type=actor.type,
        changed_by_id=actor.id,
        field_changed=what,
        old_value=old,
        new_value=new,
        version=version,
    )


def visit_text(*, start: datetime, duration: timedelta, lead: Technician) -> str:
    return f"{when(start, dated=True)}, {length_text(duration)}, led by {lead.name}"


def _lock_open_order(work_order: WorkOrder) -> WorkOrder:
    locked = (
        WorkOrder.objects.select_for_update(of=("self",))
        .select_related("customer", "assigned_technician")
        .get(pk=work_order.pk)
    )
    if not locked.is_open:
        raise ValidationError(
            f"Work order #{locked.pk} is {locked.get_status_display().lower()}; its visits can't change."
        )
    return locked


@transaction.atomic
def visit_add(
    *,
    work_order: WorkOrder,
    actor: Actor,
    starts_at: datetime,
    lead: Technician,
    estimated_minutes: int | None = None,
    helpers: Iterable[Technician] = (),
    override_window: bool = False,
    override_skills: bool = False,
) -> Visit:
    """Book a later visit of an open, booked order (day two of an install, a return for a part), with
    its lead and helpers, each by the scheduling rules; recorded in the order's history."""
    locked = _lock_open_order(work_order)
    helpers = list(dict.fromkeys(helpers))
    if locked.assigned_technician_id is None or locked.scheduled_for is None:
        raise ValidationError(
            f"Book #{locked.pk}'s first visit (a technician and a time) before a later one."
        )
    if starts_at <= locked.scheduled_for:
        raise ValidationError(f"A later visit starts after the first one ({when(locked.scheduled_for)}).")
    if lead in helpers:
        raise ValidationError(f"{lead.name} leads this visit, so can't also be a helper on it.")
    validate_estimate(estimated_minutes)
    duration = duration_from(estimated_minutes, locked.job_type, type_minutes())
    overridden = schedule_check(
        technician=lead,
        start=starts_at,
        customer=locked.customer,
        exclude_pk=None,
        override_window=override_window,
        duration=duration,
        job_type=locked.job_type,
        override_skills=override_skills,
    )
    for helper in helpers:
        _helper_fits(
            helper,
            start=starts_at,
            duration=duration,
            customer=locked.customer,
            heading=f"{helper.name} can't help then:",
        )
    visit = Visit.objects.create(
        work_order=locked, starts_at=starts_at, estimated_minutes=estimated_minutes, lead=lead
    )
    VisitHelper.objects.bulk_create(
        [VisitHelper(work_order=locked, visit=visit, technician=helper) for helper in helpers]
    )
    text = visit_text(start=starts_at, duration=duration, lead=lead)
    if helpers:
        text += ", helped by " + ", ".join(helper.name for helper in helpers)
    _crew_changed(locked, actor, "visit", new=text)
    _record_skill_override(locked, overridden, actor)
    messaging.visit_booked(visit)
    return visit


@transaction.atomic
def visit_remove(*, visit: Visit, actor: Actor) -> None:
    """Take a later visit (and its helpers) off the order; recorded."""
    locked = _lock_open_order(visit.work_order)
    visit = Visit.objects.select_related("lead").get(pk=visit.pk, work_order=locked)
    if visit.activities.exists():
        raise ValidationError(
            "This visit has begun (its crew's steps are on the job's record), so it stays: "
            "book another visit for the rest of the work."
        )
    duration = duration_from(visit.estimated_minutes, locked.job_type, type_minutes())
    text = visit_text(start=visit.starts_at, duration=duration, lead=visit.lead)
    visit.delete()
    _crew_changed(locked, actor, "visit", old=text)


@transaction.atomic
def helper_add(
    *, work_order: WorkOrder, technician: Technician, actor: Actor, visit: Visit | None = None
) -> VisitHelper:
    """Add a helper to a visit (None: the first visit), booked by the rules at that visit's time."""
    locked = _lock_open_order(work_order)
    if visit is None:
        if locked.assigned_technician_id is None or locked.scheduled_for is None:
            raise ValidationError(f"Book #{locked.pk} (a technician and a time) before adding a helper.")
        start, duration, lead = locked.scheduled_for, duration_of(locked), locked.assigned_technician
    else:
        visit = Visit.objects.select_related("lead").get(pk=visit.pk, work_order=locked)
        start, lead = visit.starts_at, visit.lead
        duration = duration_from(visit.estimated_minutes, locked.job_type, type_minutes())
    if technician.pk == lead.pk:
        raise ValidationError(f"{technician.name} leads this visit, so can't also help on it.")
    if VisitHelper.objects.filter(work_order=locked, visit=visit, technician=technician).exists():
        raise ValidationError(f"{technician.name} is already helping on this visit.")
    _helper_fits(
        technician,
        start=start,
        duration=duration,
        customer=locked.customer,
        heading=f"{technician.name} can't help then:",
    )
    helper = VisitHelper.objects.create(work_order=locked, visit=visit, technician=technician)
    _crew_changed(
        locked, actor, "helper", new=f"{technician.name} helps on the visit of {when(start, dated=True)}"
    )
    return helper


@transaction.atomic
def helper_remove(*, helper: VisitHelper, actor: Actor) -> None:
    locked = _lock_open_order(helper.work_order)
    helper = VisitHelper.objects.select_related("technician", "visit").get(pk=helper.pk, work_order=locked)
    # Someone whose steps on this visit are on the record stays on it (and keeps their job page).
    steps = locked.activities.filter(technician=helper.technician)
    steps = steps.filter(visit=helper.visit) if helper.visit else steps.filter(visit__isnull=True)
    if steps.exists():
        raise ValidationError(
            f"{helper.technician.name} has begun on this visit (their steps are on the job's record), "
            "so they stay on it."
        )
    start = helper.visit.starts_at if helper.visit else locked.scheduled_for
    at = when(start, dated=True) if start else "no time"
    helper.delete()
    _crew_changed(
        locked,
        actor,
        "helper",
        old=f"{helper.technician.name} helped on the visit of {at}",
    )
