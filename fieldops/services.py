"""What a technician does during the day, one step at a time, each step recorded in technician_activity.

Every step locks the technician's row first, so two devices of one technician (or a
double tap) are applied one after the other and the second sees what the first did.
"""

import uuid
from collections.abc import Callable
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from dispatch import clock, formatting, messaging, scheduling
from dispatch.models import (
    ActorType,
    Customer,
    ManualNotification,
    Notification,
    Technician,
    WorkOrder,
    WorkOrderStatus,
)
from dispatch.services import (
    Actor,
    customer_history_add,
    work_order_change_status,
    work_order_note_add,
    work_order_update,
)
from fieldops import events, incidents, selectors
from fieldops.models import (
    ActivityType,
    ClockRecord,
    ProcessedAction,
    TechnicianActivity,
    TravelLog,
)
from fieldops.reports import report_day_stale
from fieldops.state import (
    STEP_ACTIVITY,
    OfficeRefusal,
    State,
    Step,
    TechnicianState,
    part_undo_refusal,
    require,
    tap_time_refusal,
    technician_state,
    truck_refusal,
)
from inventory.models import InventoryItem, MovementKind, StockMovement, Truck
from inventory.services import truck_stock_consume, truck_stock_return


@dataclass(frozen=True)
class Location:
    """Where the phone was, when the technician allowed the browser to say."""

    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_meters: int | None = None


NOWHERE = Location()


def _actor(technician: Technician) -> Actor:
    return Actor(ActorType.TECHNICIAN, technician.pk)


@dataclass(frozen=True)
class _Tap:
    """An action saved on the phone: when it was tapped, and when the server received it."""

    tapped_at: datetime
    received_at: datetime


_tap: ContextVar[_Tap | None] = ContextVar("techflow_tap", default=None)


@contextmanager
def _tapped(tapped_at: datetime, received_at: datetime):
    """Within the block the services' clock reads the tap time, and activity rows keep the receive time."""
    token = _tap.set(_Tap(tapped_at, received_at))
    try:
        with clock.frozen(tapped_at):
            yield
        if timezone.localdate(tapped_at) < timezone.localdate(received_at):
            report_day_stale(timezone.localdate(tapped_at))  # that day's rollup is out of date
    finally:
        _tap.reset(token)


def _lock(technician: Technician) -> TechnicianState:
    """Lock the technician's row and read their state under the lock.

    A step tapped offline is refused when it was tapped before the technician's last recorded step.
    """
    Technician.objects.select_for_update().filter(pk=technician.pk).values_list("pk", flat=True).get()
    tap = _tap.get()
    if tap is not None:
        previous = (
            TechnicianActivity.objects.filter(technician=technician)
            .order_by("-created_at", "-sequence")
            .values_list("created_at", flat=True)
            .first()
        )
        refusal = tap_time_refusal(tap.tapped_at, now=tap.received_at, previous_at=previous)
        if refusal:
            raise ValidationError(f"Not recorded: {refusal}")
    return technician_state(technician)


def _activity(
    *,
    technician: Technician,
    activity_type: str,
    location: Location,
    work_order: WorkOrder | None = None,
    truck_id: int | None = None,
    notes: str | None = None,
    metadata: dict | None = None,
) -> TechnicianActivity:
    # A step on a later visit names it (the seed's visit_id); on the first visit the order does.
    visit = scheduling.visit_of_the_day(work_order, technician, clock.localdate()) if work_order else None
    return TechnicianActivity.objects.create(
        technician=technician,
        activity_type=activity_type,
        work_order=work_order,
        visit=visit,
        truck_id=truck_id,
        latitude=location.latitude,
        longitude=location.longitude,
        accuracy_meters=location.accuracy_meters,
        notes=notes or None,
        metadata=_with_receive_time(metadata or {}),
    )


def _with_receive_time(metadata: dict) -> dict:
    """An activity tapped offline keeps, beside its time (the tap), when the server received it."""
    tap = _tap.get()
    if tap is None:
        return metadata
    return {**metadata, "received_at": tap.received_at.isoformat(), "tapped_offline": True}


# Shift


def truck_drivers(truck: Truck, *, besides: Technician) -> list[Technician]:
    """Who else is clocked in with `truck` now."""
    return list(
        Technician.objects.filter(clock_records__truck=truck, clock_records__clock_out_time__isnull=True)
        .exclude(pk=besides.pk)
        .order_by("name")
    )


def _lock_truck(truck: Truck) -> None:
    """Two technicians clocking in with one truck at once are taken one after the other.

    An advisory lock on PostgreSQL (a row lock on trucks would need UPDATE on it, which the
    technicians' role has no business with); SQLite runs one write transaction at a time anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [TRUCK_LOCK, truck.pk])


TRUCK_LOCK = 201  # the advisory lock's namespace: trucks


@transaction.atomic
def clock_in(
    *, technician: Technician, truck: Truck, location: Location = NOWHERE, share: bool = False
) -> ClockRecord:
    """Open the technician's one clock record on a service truck, with a shift_start activity.

    One truck, one driver: a truck another technician is clocked in with is refused, unless the
    office lets a crew share it and the technician says so (`share`); the shift_start activity
    then records who shares it.
    """
    state = _lock(technician)
    require(state, Step.CLOCK_IN)
    if truck.is_office_truck or not truck.active:
        raise ValidationError(f"{truck} is not a service truck in use: pick your truck.")
    _lock_truck(truck)
    truck = Truck.objects.get(pk=truck.pk)  # the office's latest word on sharing
    drivers = truck_drivers(truck, besides=technician)
    refusal = truck_refusal(truck, drivers, share=share)
    if refusal:
        # Not allowed to share: the office hears of it. Allowed, unasked: only a question to the phone.
        raise (ValidationError if truck.crew_allowed else OfficeRefusal)(refusal)
    now = clock.now()
    try:
        # The database allows one open record per technician; a second device racing us is refused.
        with transaction.atomic():
            record = ClockRecord.objects.create(technician=technician, truck=truck, clock_in_time=now)
    except IntegrityError as error:
        raise ValidationError("You are already clocked in.") from error
    crew = {"shares_truck_with": [{"id": d.pk, "name": d.name} for d in drivers]} if drivers else None
    _activity(
        technician=technician,
        activity_type=ActivityType.SHIFT_START,
        location=location,
        truck_id=truck.pk,
        metadata=crew,
    )
    return record


@transaction.atomic
def clock_out(*, technician: Technician, location: Location = NOWHERE) -> ClockRecord:
    """Close the open clock record (ending a break that is still running), with a shift_end activity."""
    state = _lock(technician)
    require(state, Step.CLOCK_OUT)
    record = ClockRecord.objects.get(pk=state.clock_record_id)
    if state.state == State.ON_BREAK:
        _activity(
            technician=technician,
            activity_type=ActivityType.BREAK_END,
            location=location,
            truck_id=record.truck_id,
        )
    record.clock_out_time = clock.now()
    record.save(update_fields=["clock_out_time"])
    _activity(
        technician=technician,
        activity_type=ActivityType.SHIFT_END,
        location=location,
        truck_id=record.truck_id,
    )
    return record


@transaction.atomic
def break_start(*, technician: Technician, location: Location = NOWHERE) -> TechnicianActivity:
    """Start a break: between jobs, on site before work, or with the work paused."""
    state = _lock(technician)
    require(state, Step.BREAK_START)
    return _activity(
        technician=technician,
        activity_type=ActivityType.BREAK_START,
        location=location,
        truck_id=state.truck_id,
    )


@transaction.atomic
def break_end(*, technician: Technician, location: Location = NOWHERE) -> TechnicianActivity:
    """End the running break."""
    state = _lock(technician)
    require(state, Step.BREAK_END)
    return _activity(
        technician=technician,
        activity_type=ActivityType.BREAK_END,
        location=location,
        truck_id=state.truck_id,
    )


# A job, step by step


@transaction.atomic
def job_travel_start(
    *, technician: Technician, work_order: WorkOrder, location: Location = NOWHERE
) -> TravelLog:
    """Start driving to a job: a travel log opens, a travel_start activity is written and the work
    order is in progress (traveling, on site, working or paused is the activity's to say)."""
    state = _lock(technician)
    require(state, Step.TRAVEL_START, work_order)
    now = clock.now()
    log = TravelLog.objects.create(work_order=work_order, technician=technician, travel_start_time=now)
    _activity(
        technician=technician,
        activity_type=STEP_ACTIVITY[Step.TRAVEL_START],
        location=location,
        work_order=work_order,
        truck_id=state.truck_id,
        metadata={"travel_log_id": log.pk},
    )
    _in_progress(work_order, technician)
    messaging.on_my_way(work_order, now)
    return log


def _in_progress(work_order: WorkOrder, technician: Technician) -> None:
    if work_order.status != WorkOrderStatus.IN_PROGRESS:
        work_order_change_status(
            work_order=work_order, status=WorkOrderStatus.IN_PROGRESS, actor=_actor(technician)
        )


@transaction.atomic
def job_arrive(
    *, technician: Technician, work_order: WorkOrder, location: Location = NOWHERE
) -> TechnicianActivity:
    """Arrive on site: the travel log ends and the work order is in progress."""
    state = _lock(technician)
    require(state, Step.ARRIVE, work_order)
    now = clock.now()
    TravelLog.objects.filter(
        technician=technician, work_order=work_order, travel_end_time__isnull=True
    ).update(travel_end_time=now)
    _activity(
        technician=technician,
        activity_type=ActivityType.TRAVEL_END,
        location=location,
        work_order=work_order,
        truck_id=state.truck_id,
    )
    arrived = _activity(
        technician=technician,
        activity_type=STEP_ACTIVITY[Step.ARRIVE],
        location=location,
        work_order=work_order,
        truck_id=state.truck_id,
    )
    # An order whose travel started before statuses meant what they say.
    _in_progress(work_order, technician)
    return arrived


@transaction.atomic
def customer_location_from_arrival(*, technician: Technician, work_order: WorkOrder) -> Customer:
    """The technician said yes to "Save this spot as the customer's location?": the position their
    phone sent with Arrived (as recorded, not a new one) becomes the customer's, noted in the
    customer's history. Only for a customer with no location yet, by the technician on site there."""
    state = _lock(technician)
    if state.work_order_id != work_order.pk:
        raise ValidationError("The spot can be saved while you are on site at this job.")
    if work_order.customer_id is None:
        raise ValidationError("This job has no customer to save a location for.")
    customer = Customer.objects.select_for_update().get(pk=work_order.customer_id)
    if customer.has_position:
        raise ValidationError(f"{customer.name} already has a location; the office can change it.")
    arrival = selectors.arrival_position(technician, work_order)
    if arrival is None:
        raise ValidationError("Your arrival was recorded without a position, so there is no spot to save.")
    customer.latitude, customer.longitude = arrival.latitude, arrival.longitude
    customer.full_clean()
    customer.save(update_fields=["latitude", "longitude", "updated_at"])
    accuracy = f" (within {arrival.accuracy_meters} m)" if arrival.accuracy_meters else ""
    customer_history_add(
        customer_id=customer.pk,
        notes=(
            f"Location saved from {technician.name}'s arrival on site for #{work_order.pk}: "
            f"{arrival.latitude}, {arrival.longitude}{accuracy}."
        ),
        actor=_actor(technician),
        work_order=work_order,
    )
    return customer


def _job_step(
    technician: Technician, work_order: WorkOrder, step: Step, location: Location
) -> TechnicianActivity:
    """A step that is only its activity row: lock the technician, ask the state machine, record it."""
    state = _lock(technician)
    require(state, step, work_order)
    return _activity(
        technician=technician,
        activity_type=STEP_ACTIVITY[step],
        location=location,
        work_order=work_order,
        truck_id=state.truck_id,
    )


@transaction.atomic
def job_work_start(
    *, technician: Technician, work_order: WorkOrder, location: Location = NOWHERE
) -> TechnicianActivity:
    """Start the work on site."""
    return _job_step(technician, work_order, Step.WORK_START, location)


@transaction.atomic
def job_pause(
    *, technician: Technician, work_order: WorkOrder, location: Location = NOWHERE
) -> TechnicianActivity:
    """Pause the work."""
    return _job_step(technician, work_order, Step.PAUSE, location)


@transaction.atomic
def job_resume(
    *, technician: Technician, work_order: WorkOrder, location: Location = NOWHERE
) -> TechnicianActivity:
    """Resume paused work."""
    return _job_step(technician, work_order, Step.RESUME, location)


@transaction.atomic
def job_complete(
    *, technician: Technician, work_order: WorkOrder, note: str, location: Location = NOWHERE
) -> TechnicianActivity:
    """Complete the job with a completion note: the work order is completed and the note added to it."""
    note = (note or "").strip()
    if not note:
        raise ValidationError("Write what you did before you complete the job.")
    state = _lock(technician)
    require(state, Step.COMPLETE, work_order)
    done = _activity(
        technician=technician,
        activity_type=STEP_ACTIVITY[Step.COMPLETE],
        location=location,
        work_order=work_order,
        truck_id=state.truck_id,
        notes=note,
    )
    actor = _actor(technician)
    work_order_note_add(work_order=work_order, text=f"Completed: {note}", actor=actor, technician=technician)
    work_order_change_status(work_order=work_order, status=WorkOrderStatus.COMPLETED, actor=actor)
    messaging.job_completed(work_order_summary_write(work_order=work_order, actor=actor))
    from fieldops.report import service_report_request_on_change  # the report imports the record

    service_report_request_on_change(work_order)  # made by the worker once this commits
    return done


@transaction.atomic
def job_leave(
    *, technician: Technician, work_order: WorkOrder, location: Location = NOWHERE
) -> TechnicianActivity:
    """Leave the site: the technician is free for the next job."""
    return _job_step(technician, work_order, Step.LEAVE, location)


@transaction.atomic
def job_note_add(*, technician: Technician, work_order: WorkOrder, text: str, alert_office: bool = False):
    """Add the technician's note to their job; an alert also reaches the office's notifications."""
    return work_order_note_add(
        work_order=work_order,
        text=text,
        actor=_actor(technician),
        technician=technician,
        alert_office=alert_office,
    )


@transaction.atomic
def job_part_use(
    *, technician: Technician, work_order: WorkOrder, item: InventoryItem, quantity: int
) -> StockMovement:
    """Take parts used on the job off the truck the technician is clocked in with, never below zero."""
    state = _lock(technician)
    require(state, Step.USE_PART, work_order)
    truck = Truck.objects.get(pk=state.truck_id)
    movement = truck_stock_consume(
        truck=truck,
        item=item,
        quantity=quantity,
        work_order=work_order,
        actor=_actor(technician),
        technician=technician,
    )
    events.truck_low_stock_check(truck_id=truck.pk, item=item, work_order=work_order)
    return movement


@transaction.atomic
def job_part_undo(*, technician: Technician, movement: StockMovement) -> StockMovement:
    """Put back on the truck parts the technician used on a job a few minutes ago: a returning
    movement in the ledger (the use stays in it), refused after TECHFLOW_PART_UNDO_MINUTES."""
    _lock(technician)
    movement = StockMovement.objects.select_related("work_order", "item", "truck").get(pk=movement.pk)
    movement.undone = StockMovement.objects.filter(
        kind=MovementKind.RETURNED_FROM_JOB, reason=selectors.UNDO_REASON.format(pk=movement.pk)
    ).exists()
    refusal = part_undo_refusal(movement, technician, clock.now())
    if refusal:
        raise ValidationError(refusal)
    return truck_stock_return(
        truck=movement.truck,
        item=movement.item,
        quantity=-movement.quantity_change,
        work_order=movement.work_order,
        actor=_actor(technician),
        technician=technician,
        reason=selectors.UNDO_REASON.format(pk=movement.pk),
    )


# Other events on the road

EVENT_TYPES = (ActivityType.FUEL_STOP, ActivityType.VEHICLE_INSPECTION, ActivityType.EMERGENCY_STOP)


@transaction.atomic
def event_record(
    *, technician: Technician, activity_type: str, location: Location = NOWHERE, notes: str = ""
) -> TechnicianActivity:
    """Record a fuel stop, a vehicle inspection or an emergency stop.

    An emergency stop is never refused: it opens an incident (fieldops/incidents.py: an emergency
    notification and a critical operational event) in the same transaction.
    """
    if activity_type not in EVENT_TYPES:
        raise ValidationError("That is not an event a technician can record.")
    state = _lock(technician)
    require(state, Step.EVENT, event_type=activity_type)
    activity = _activity(
        technician=technician,
        activity_type=activity_type,
        location=location,
        truck_id=state.truck_id,
        notes=notes.strip(),
    )
    if activity_type == ActivityType.EMERGENCY_STOP:
        incidents.incident_raise(
            technician=technician,
            activity=activity,
            work_order_id=state.work_order_id,
            truck_id=state.truck_id,
            notes=notes,
        )
    return activity


# Office messages


@transaction.atomic
def message_mark_read(*, technician: Technician, message: ManualNotification) -> ManualNotification:
    """Mark one of the technician's office messages read; the office sees is_read."""
    if message.technician_id != technician.pk:
        raise ValidationError("That message is not yours.")
    if not message.is_read:
        ManualNotification.objects.filter(pk=message.pk).update(is_read=True)
        message.is_read = True
    return message


# Idempotency


@dataclass(frozen=True)
class Outcome:
    """How an action ended, and what the phone is told: the same answer every time the key comes back."""

    ok: bool
    message: str
    redirect_to: str
    replayed: bool = False
    # The key came back with a different request: refused (422), nothing done.
    conflict: bool = False


KEY_REUSED = (
    "This action was already sent with different details, so nothing was changed. "
    "Reload the page and try again."
)


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


def action_perform(
    *,
    technician: Technician,
    key: uuid.UUID,
    action: str,
    perform: Callable[[], object],
    success_message: str,
    redirect_to: str,
    fingerprint: str = "",
    tapped_at: datetime | None = None,
    work_order_id: int | None = None,
) -> Outcome:
    """Run an action once per idempotency key; a repeat of the key answers what the first run answered.

    Keys are scoped per technician: another technician's key is another action. The key is written
    first, in the same transaction as the action: a concurrent repeat waits on the key's unique
    index and then finds the finished answer. A refusal is kept too, so a replay is refused the
    same way and nothing half-done is left behind. The key back with a different action or request
    (`fingerprint`, the hash of what was sent) is a conflict (the IETF Idempotency-Key draft's 422):
    nothing is done and the first answer is not given.

    `tapped_at`: an action saved on the phone offline is performed at the time it was tapped
    (the services' clock reads it), within the bounds of `fieldops.state.tap_time_refusal`;
    its activity rows keep the receive time in their metadata.

    A refusal the office should know of reaches its inbox (`refusal_notify`, once per key, in the
    transaction that keeps the refusal): any action saved offline and refused on replay, and an
    `OfficeRefusal` (a truck in use). Ordinary form validation never does.
    """
    run = perform
    if tapped_at is not None:
        received_at = clock.now()
        refusal = tap_time_refusal(tapped_at, now=received_at)
        at = min(tapped_at, received_at)

        def run() -> object:
            if refusal:
                raise ValidationError(f"Not recorded: {refusal}")
            with _tapped(at, received_at):
                return perform()

    try:
        with transaction.atomic():
            record = ProcessedAction.objects.create(
                key=key,
                technician=technician,
                action=action,
                redirect_to=redirect_to,
                fingerprint=fingerprint,
            )
            try:
                with transaction.atomic():
                    run()
            except ValidationError as error:
                record.ok = False
                record.message = _error_text(error)
                if tapped_at is not None or isinstance(error, OfficeRefusal):
                    refusal_notify(
                        technician=technician,
                        action=action,
                        reason=record.message,
                        tapped_at=tapped_at,
                        work_order_id=work_order_id,
                    )
            else:
                record.message = success_message
            record.save(update_fields=["ok", "message"])
            return Outcome(record.ok, record.message, record.redirect_to)
    except IntegrityError:
        earlier = ProcessedAction.objects.filter(technician=technician, key=key).first()
        if earlier is None:
            raise
    if earlier.action != action or (
        fingerprint and earlier.fingerprint and earlier.fingerprint != fingerprint
    ):
        return Outcome(False, KEY_REUSED, redirect_to, conflict=True)
    return Outcome(earlier.ok, earlier.message, earlier.redirect_to, replayed=True)


ACTION_LABELS = {
    "clock_in": "Clock in",
    "clock_out": "Clock out",
    "break_start": "Start break",
    "break_end": "End break",
    "job_travel_start": "Start travel",
    "job_arrive": "Arrived",
    "job_work_start": "Start work",
    "job_pause": "Pause",
    "job_resume": "Resume",
    "job_leave": "Left site",
    "job_complete": "Complete",
    "job_note_add": "Note",
    "job_part_use": "Use part",
    "job_part_undo": "Undo part",
    "message_mark_read": "Mark read",
    ActivityType.FUEL_STOP: "Fuel stop",
    ActivityType.VEHICLE_INSPECTION: "Vehicle inspection",
    ActivityType.EMERGENCY_STOP: "Emergency stop",
}


def refusal_notify(
    *,
    technician: Technician,
    action: str,
    reason: str,
    tapped_at: datetime | None = None,
    work_order_id: int | None = None,
) -> Notification:
    """A "Refused action" alert in the office's inbox: who, what, when it was tapped (offline) and why."""
    label = ACTION_LABELS.get(action) or action.removeprefix("job_").replace("_", " ").capitalize()
    on = f" on #{work_order_id}" if work_order_id else ""
    offline = ""
    if tapped_at is not None:
        offline = (
            f", saved offline at {formatting.when(tapped_at)} and sent at {formatting.when(clock.now())},"
        )
    order = WorkOrder.objects.filter(pk=work_order_id).first() if work_order_id else None
    return Notification.objects.create(
        notification_type=Notification.Type.REFUSAL,
        work_order=order,
        message=f"{technician.name}: “{label}”{on}{offline} was refused: {reason}",
    )


# ---------------------------------------------------------------------------------------
# Job summaries
# ---------------------------------------------------------------------------------------


@transaction.atomic
def work_order_summary_write(*, work_order: WorkOrder, actor: Actor) -> WorkOrder:
    """Write a completed order's full_summary: the technician's words first, the facts of its travel,
    activity and parts after. Rewriting it rebuilds only the facts: text a person wrote is kept.
    History records it. Refused (ValidationError) before the job is completed."""
    if not work_order.can_have_summary:
        raise ValidationError("A summary is written once the job is completed.")
    order = selectors.work_order_for_summary(work_order.pk)
    text = selectors.work_order_summary_text(order, existing=order.full_summary)
    return work_order_update(work_order=work_order, actor=actor, full_summary=text)
