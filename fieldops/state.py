"""The technician's state machine: what they are doing now, and the one "may I?" per step.

`technician_state(s)` derives the state from the open clock record and the latest activities.
`check(state, step, work_order)` answers whether a step may happen now, with the refusal in
words; the services enforce it (`require`), and the job page's buttons and the voice agent
read it (`allowed_steps`, `check`) instead of restating a precondition.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import SimpleNamespace

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, QuerySet, Subquery, TextChoices
from django.utils import timezone

from dispatch import clock, formatting, scheduling
from dispatch.compiled import CompiledQuery
from dispatch.models import Technician, WorkOrder
from fieldops.models import ActivityType, ChecklistAnswer, ClockRecord, TechnicianActivity
from fieldops.record_selectors import checklist_items


class State(TextChoices):
    OFF = "off", "Off"
    ON_SHIFT = "on_shift", "On shift"
    TRAVELING = "traveling", "Traveling"
    ON_SITE = "on_site", "On site"
    WORKING = "working", "Working"
    PAUSED = "paused", "Paused"
    ON_BREAK = "on_break", "On break"


# The latest of these since the shift started says what the technician is doing.
JOB_STATE = {
    ActivityType.SHIFT_START: State.ON_SHIFT,
    ActivityType.TRAVEL_START: State.TRAVELING,
    ActivityType.TRAVEL_END: State.ON_SITE,
    ActivityType.ARRIVED_ON_SITE: State.ON_SITE,
    ActivityType.WORK_STARTED: State.WORKING,
    ActivityType.WORK_RESUMED: State.WORKING,
    ActivityType.WORK_PAUSED: State.PAUSED,
    ActivityType.WORK_COMPLETED: State.ON_SITE,
    ActivityType.LEFT_SITE: State.ON_SHIFT,
}
BREAK_TYPES = (ActivityType.BREAK_START, ActivityType.BREAK_END)
STATE_BADGE = {
    State.OFF: "text-bg-secondary",
    State.ON_SHIFT: "text-bg-success",
    State.TRAVELING: "text-bg-primary",
    State.ON_SITE: "text-bg-info",
    State.WORKING: "text-bg-warning",
    State.PAUSED: "text-bg-light border",
    State.ON_BREAK: "text-bg-dark",
}


@dataclass(frozen=True)
class TechnicianState:
    technician: Technician
    state: str
    since: datetime | None
    clock_record_id: int | None = None
    clock_in_time: datetime | None = None
    truck_id: int | None = None
    last_truck_id: int | None = None
    work_order_id: int | None = None
    latitude: Decimal | None = None
    longitude: Decimal | None = None
    accuracy_meters: int | None = None
    located_at: datetime | None = None

    @property
    def label(self) -> str:
        return State(self.state).label

    @property
    def badge_class(self) -> str:
        """Bootstrap's badge colour for the state on the office pages."""
        return STATE_BADGE[State(self.state)]

    @property
    def is_clocked_in(self) -> bool:
        return self.state != State.OFF

    def explain(self) -> str:
        """The state in words, for refusals."""
        job = f" job #{self.work_order_id}" if self.work_order_id else ""
        return {
            State.OFF: "you are not clocked in.",
            State.ON_SHIFT: "you are on shift, not on a job.",
            State.TRAVELING: f"you are traveling to{job}.",
            State.ON_SITE: f"you are on site at{job}.",
            State.WORKING: f"you are working on{job}.",
            State.PAUSED: f"work on{job} is paused.",
            State.ON_BREAK: "you are on a break.",
        }[State(self.state)]


def _with_state_columns(technicians: QuerySet[Technician]) -> QuerySet[Technician]:
    """One query: each technician with their open clock record, latest activities and last location."""
    open_clock = ClockRecord.objects.filter(technician=OuterRef("pk"), clock_out_time__isnull=True)
    last_clock = ClockRecord.objects.filter(technician=OuterRef("pk")).order_by("-clock_in_time")
    since_shift = TechnicianActivity.objects.filter(
        technician=OuterRef("pk"), created_at__gte=OuterRef("s_clock_in")
    ).order_by("-created_at", "-sequence")
    job = since_shift.filter(activity_type__in=list(JOB_STATE))
    brk = since_shift.filter(activity_type__in=BREAK_TYPES)
    located = TechnicianActivity.objects.filter(
        technician=OuterRef("pk"), latitude__isnull=False, longitude__isnull=False
    ).order_by("-created_at", "-sequence")
    return technicians.annotate(
        s_clock_id=Subquery(open_clock.values("pk")[:1]),
        s_clock_in=Subquery(open_clock.values("clock_in_time")[:1]),
        s_truck=Subquery(open_clock.values("truck_id")[:1]),
        s_last_truck=Subquery(last_clock.values("truck_id")[:1]),
        s_last_out=Subquery(last_clock.values("clock_out_time")[:1]),
        s_job_type=Subquery(job.values("activity_type")[:1]),
        s_job_at=Subquery(job.values("created_at")[:1]),
        s_job_order=Subquery(job.values("work_order_id")[:1]),
        s_break_type=Subquery(brk.values("activity_type")[:1]),
        s_break_at=Subquery(brk.values("created_at")[:1]),
        s_lat=Subquery(located.values("latitude")[:1]),
        s_lng=Subquery(located.values("longitude")[:1]),
        s_acc=Subquery(located.values("accuracy_meters")[:1]),
        s_loc_at=Subquery(located.values("created_at")[:1]),
    )


def _state_of(t: Technician) -> TechnicianState:
    location = {
        "latitude": t.s_lat,
        "longitude": t.s_lng,
        "accuracy_meters": t.s_acc,
        "located_at": t.s_loc_at,
        "last_truck_id": t.s_last_truck,
    }
    if t.s_clock_id is None:
        return TechnicianState(t, State.OFF, t.s_last_out, **location)
    state, since, work_order_id = State.ON_SHIFT, t.s_clock_in, None
    if t.s_job_type is not None:
        state, since = JOB_STATE[t.s_job_type], t.s_job_at
        if state != State.ON_SHIFT:
            work_order_id = t.s_job_order
    if t.s_break_type == ActivityType.BREAK_START:
        state, since = State.ON_BREAK, t.s_break_at
    return TechnicianState(
        t,
        state,
        since,
        clock_record_id=t.s_clock_id,
        clock_in_time=t.s_clock_in,
        truck_id=t.s_truck,
        work_order_id=work_order_id,
        **location,
    )


def technician_states(technicians: QuerySet[Technician] | None = None) -> list[TechnicianState]:
    """What each technician is doing now (off, on shift, traveling, on site, working, paused, on break).

    Derived from the open clock record and the latest activities since it opened, in one query.
    """
    if technicians is None:
        technicians = Technician.objects.filter(active=True)
    return [_state_of(t) for t in _with_state_columns(technicians)]


_STATE_COLUMNS = (
    *("s_clock_id", "s_clock_in", "s_truck", "s_last_truck", "s_last_out", "s_job_type", "s_job_at"),
    *("s_job_order", "s_break_type", "s_break_at", "s_lat", "s_lng", "s_acc", "s_loc_at"),
)
# Built and compiled once per process (dispatch.compiled): building and compiling its subqueries
# cost more than running them, and every technician page and step reads the state.
_ONE_STATE = CompiledQuery(
    lambda pk: _with_state_columns(Technician.objects.filter(pk=pk)).values(*_STATE_COLUMNS),
    pk=-918_273_645,
)


def technician_state(technician: Technician) -> TechnicianState:
    """One technician's current state (see technician_states)."""
    row = _ONE_STATE.rows(pk=technician.pk)
    if not row:
        raise Technician.DoesNotExist(f"No technician {technician.pk}.")
    state = _state_of(SimpleNamespace(**row[0]))
    return TechnicianState(**{**state.__dict__, "technician": technician})


def work_order_phase(work_order: WorkOrder) -> str:
    """Where an order in progress is, from its latest step ('Traveling', 'On site', 'Working',
    'Paused'), or "" when nobody is on it. Reads `work_order.activities` (prefetched or not)."""
    steps = [a for a in work_order.activities.all() if a.activity_type in JOB_STATE]
    if not steps:
        return ""
    latest = max(steps, key=lambda a: (a.created_at, a.sequence))
    if latest.activity_type == ActivityType.WORK_COMPLETED:
        return ""
    state = JOB_STATE[latest.activity_type]
    return "" if state == State.ON_SHIFT else State(state).label


# The steps, and the one rule for each --------------------------------------------------


class Step(TextChoices):
    CLOCK_IN = "clock_in", "clock in"
    CLOCK_OUT = "clock_out", "clock out"
    BREAK_START = "break_start", "take a break"
    BREAK_END = "break_end", "end a break"
    TRAVEL_START = "travel_start", "start travel"
    ARRIVE = "arrive", "arrive"
    WORK_START = "work_start", "start work"
    PAUSE = "pause", "pause"
    RESUME = "resume", "resume"
    COMPLETE = "complete", "complete the job"
    LEAVE = "leave", "leave the site"
    USE_PART = "use_part", "use parts"
    EVENT = "event", "record an event"


# A step on a job is allowed in these states, on the job the technician is on.
JOB_STEPS = {
    Step.ARRIVE: {State.TRAVELING},
    Step.WORK_START: {State.ON_SITE},
    Step.PAUSE: {State.WORKING},
    Step.RESUME: {State.PAUSED},
    Step.COMPLETE: {State.WORKING, State.PAUSED},
    Step.LEAVE: {State.ON_SITE, State.PAUSED},
}
# A step of the shift is allowed in these states.
SHIFT_STEPS = {
    Step.CLOCK_OUT: {State.ON_SHIFT, State.ON_BREAK},
    Step.BREAK_START: {State.ON_SHIFT, State.ON_SITE, State.PAUSED},
    Step.BREAK_END: {State.ON_BREAK},
    Step.TRAVEL_START: {State.ON_SHIFT},
}


# What each step on a job writes, and so the state it leads to (JOB_STATE of that activity):
# the services write these rows, and the job page's offline plan advances by them.
STEP_ACTIVITY = {
    Step.TRAVEL_START: ActivityType.TRAVEL_START,
    Step.ARRIVE: ActivityType.ARRIVED_ON_SITE,
    Step.WORK_START: ActivityType.WORK_STARTED,
    Step.PAUSE: ActivityType.WORK_PAUSED,
    Step.RESUME: ActivityType.WORK_RESUMED,
    Step.COMPLETE: ActivityType.WORK_COMPLETED,
    Step.LEAVE: ActivityType.LEFT_SITE,
}
# Parts go on the job the technician is at: arrived, working or paused on it.
PART_STATES = {State.ON_SITE, State.WORKING, State.PAUSED}


def _not_now(state: TechnicianState, step: str) -> str:
    return f"You can't {Step(step).label} now: {state.explain()}"


def _elsewhere(state: TechnicianState, step: str) -> str:
    return f"You can't {Step(step).label} here: you are on job #{state.work_order_id}. Finish that one first."


def not_its_day(state: TechnicianState, work_order: WorkOrder | None) -> str | None:
    """A job booked for a later day can be read, not worked: its steps open on its day (the job the
    technician is on stays theirs to finish, past midnight too)."""
    if work_order is None or not work_order.scheduled_for or state.work_order_id == work_order.pk:
        return None
    day = timezone.localtime(work_order.scheduled_for).date()
    if work_order.assigned_technician_id != state.technician.pk:
        # A crew member's day is the day of their own visit (a later visit, or the one they help on).
        starts = scheduling.crew_visit_starts(work_order, state.technician)
        day = min((timezone.localtime(at).date() for at in starts), default=day)
        if any(timezone.localtime(at).date() <= clock.localdate() for at in starts):
            return None
    if day <= clock.localdate():
        return None
    return (
        f"Job #{work_order.pk} is booked for {formatting.day_text(day)}: "
        "you can read it now; its steps open that day."
    )


def _job_refusal(state: TechnicianState, step: str, work_order: WorkOrder) -> str | None:
    if state.state in JOB_STEPS[step] and state.work_order_id == work_order.pk:
        return None
    if state.work_order_id and state.work_order_id != work_order.pk:
        return _elsewhere(state, step)
    return _not_now(state, step)


def check(
    state: TechnicianState, step: str, work_order: WorkOrder | None = None, *, event_type: str = ""
) -> str | None:
    """Why `step` may not happen now (a sentence for the technician), or None when it may.

    An emergency stop (`Step.EVENT` with `event_type="emergency_stop"`) is never refused.
    """
    if step == Step.CLOCK_IN:
        return "You are already clocked in." if state.state != State.OFF else None
    if step == Step.EVENT:
        if event_type == ActivityType.EMERGENCY_STOP or state.state != State.OFF:
            return None
        what = ActivityType(event_type).label.lower() if event_type else "an event"
        return f"You can't record a {what} now: {state.explain()}" if event_type else _not_now(state, step)
    if step == Step.BREAK_START and state.state == State.WORKING:
        return "Pause the work before you take a break."
    if step == Step.TRAVEL_START and work_order is not None and not work_order.is_open:
        return f"Job #{work_order.pk} is {work_order.get_status_display().lower()}."
    if step in (Step.TRAVEL_START, Step.USE_PART, *JOB_STEPS) and (later := not_its_day(state, work_order)):
        return later
    if step in SHIFT_STEPS:
        return None if state.state in SHIFT_STEPS[step] else _not_now(state, step)
    if step == Step.USE_PART:
        return _part_refusal(state, work_order)
    if work_order is None:
        # A step on a job, asked without naming one: only the job they are on would do.
        return _not_now(state, step)
    refusal = _job_refusal(state, step, work_order)
    if refusal is None and step == Step.COMPLETE and not work_order.is_led_by(state.technician):
        return (
            f"You are helping on job #{work_order.pk}: its lead completes it. "
            "When your part is done, pause the work and tap Left site."
        )
    if refusal is None and step == Step.COMPLETE:
        return scheduling.completion_refusal(work_order, clock.localdate()) or checklist_refusal(work_order)
    if refusal is None and step == Step.WORK_START and not work_order.is_open:
        return f"Job #{work_order.pk} is already {work_order.get_status_display().lower()}."
    return refusal


def checklist_refusal(work_order: WorkOrder) -> str | None:
    """The job's checklist items that must be answered before it is completed, named; None when done."""
    required = [item for item in checklist_items(work_order) if item.required]
    if not required:
        return None
    answered = set(
        ChecklistAnswer.objects.filter(work_order=work_order, item__in=required).values_list(
            "item_id", flat=True
        )
    )
    missing = [item.label for item in required if item.pk not in answered]
    if not missing:
        return None
    return f"Answer the checklist before you complete the job: {'; '.join(missing)}."


def _part_refusal(state: TechnicianState, work_order: WorkOrder | None) -> str | None:
    """Parts come off the truck the technician is clocked in with, onto an open job of theirs."""
    if state.truck_id is None:
        return "Clock in with your truck first: parts come off your truck."
    if work_order is None:
        return f"Parts go on the job you are on, and {state.explain()}"
    if state.work_order_id and state.work_order_id != work_order.pk:
        return _elsewhere(state, Step.USE_PART)
    if not work_order.is_open:
        return (
            f"Job #{work_order.pk} is {work_order.get_status_display().lower()}: "
            "parts go on a job that is still open."
        )
    if state.work_order_id != work_order.pk and work_order.assigned_technician_id != state.technician.pk:
        return f"Job #{work_order.pk} is not one of your jobs: parts go on your own job."
    if state.work_order_id != work_order.pk or state.state not in PART_STATES:
        return f"Parts go on a job once you have arrived on site: {state.explain()}"
    return None


def part_undo_refusal(movement, technician: Technician, now: datetime) -> str | None:
    """Why a part used on a job may not be put back with Undo, or None: only the technician's own
    use, on a job still open, within TECHFLOW_PART_UNDO_MINUTES of it."""
    minutes = settings.TECHFLOW_PART_UNDO_MINUTES
    if movement.technician_id != technician.pk or movement.quantity_change >= 0:
        return "Only parts you used yourself can be put back."
    if getattr(movement, "undone", False):
        return "These parts are already back on the truck."
    if movement.work_order is not None and not movement.work_order.is_open:
        return f"Job #{movement.work_order_id} is closed: ask the office to correct its parts."
    if now - movement.created_at > timedelta(minutes=minutes):
        return f"Undo is for {minutes} minutes after using a part: ask the office to correct it."
    return None


def require(
    state: TechnicianState, step: str, work_order: WorkOrder | None = None, *, event_type: str = ""
) -> None:
    """Raise the refusal of `check` as a ValidationError: what the services call before each step."""
    refusal = check(state, step, work_order, event_type=event_type)
    if refusal:
        raise ValidationError(refusal)


def allowed_steps(state: TechnicianState, work_order: WorkOrder | None = None) -> set[str]:
    """Every step the technician may take now (on `work_order`, for the steps on a job)."""
    steps = {Step.CLOCK_IN, Step.EVENT, *SHIFT_STEPS}
    if work_order is not None:
        steps |= {*JOB_STEPS, Step.USE_PART}
    return {step for step in steps if check(state, step, work_order) is None}


def offline_plan() -> dict[str, dict]:
    """Each step on a job: the states it is allowed in, the state it leads to, and whether it
    needs the job open; the job page sends this to the phone so that, offline, the screen advances
    to the next step by the same rules (the server checks every step again when it arrives)."""
    plan = {}
    for step, activity in STEP_ACTIVITY.items():
        allowed = SHIFT_STEPS.get(step) or JOB_STEPS[step]
        plan[step.value] = {
            "in": sorted(s.value for s in allowed),
            "to": JOB_STATE[activity].value,
            "open": step in (Step.TRAVEL_START, Step.WORK_START, Step.COMPLETE, Step.PAUSE, Step.RESUME),
            "closes": step == Step.COMPLETE,
        }
    return plan


# When a step happened ---------------------------------------------------------------------

# A phone's clock a little ahead of the server's is a clock, not a tap from the future.
CLOCK_SKEW = timedelta(minutes=2)


def tap_time_refusal(
    tapped_at: datetime, *, now: datetime, previous_at: datetime | None = None
) -> str | None:
    """Why an action saved on the phone may not be recorded at the time it was tapped, or None.

    Not in the future (beyond CLOCK_SKEW), not older than TECHFLOW_OFFLINE_MAX_AGE_HOURS, and not
    before the technician's previous recorded step (`previous_at`).
    """
    hours = settings.TECHFLOW_OFFLINE_MAX_AGE_HOURS
    if tapped_at > now + CLOCK_SKEW:
        return (
            f"It was saved with a time in the future ({formatting.when(tapped_at)}): "
            "check the phone's clock, then do it again."
        )
    if now - tapped_at > timedelta(hours=hours):
        return (
            f"It was saved on the phone more than {hours} hours ago ({formatting.when(tapped_at)}): "
            "tell the office what happened and when."
        )
    if previous_at is not None and tapped_at < previous_at:
        return (
            f"It was tapped at {formatting.when(tapped_at, seconds=True)}, before your last "
            f"recorded step ({formatting.when(previous_at, seconds=True)})."
        )
    return None


# One truck, one driver ---------------------------------------------------------------------


class OfficeRefusal(ValidationError):
    """A refusal the office should hear of: it reaches the inbox as a "Refused action" alert
    (fieldops.services.action_perform), unlike ordinary form validation. Today: a clock-in on a
    truck another technician drives (one truck, one driver)."""


def truck_refusal(truck, drivers: list[Technician], *, share: bool) -> str | None:
    """Why the technician may not clock in with `truck`, which `drivers` are clocked in with now,
    or None: one truck, one driver, unless the office lets a crew share it and the technician
    says they share it (`share`)."""
    if not drivers:
        return None
    names = " and ".join(d.name for d in drivers)
    if not truck.crew_allowed:
        return (
            f"{truck} is in use: {names} is clocked in with it. One truck, one driver: pick your "
            "own truck, or ask the office to let a crew share it."
        )
    if not share:
        return f"{truck} is in use by {names}. Are you sharing it with them as a crew?"
    return None
