"""Reads the technician pages and the office's field pages share."""

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from dispatch import clock, formatting, scheduling
from dispatch.models import (
    ManualNotification,
    Technician,
    WorkOrder,
    WorkOrderNote,
    WorkOrderStatus,
)
from dispatch.selectors import crew_cards, first_visit_crews, order_visits
from fieldops.live import technician_messages
from fieldops.models import (
    ActivityType,
    ClockRecord,
    TechnicianActivity,
    VoiceAgentInteraction,
    VoiceAgentSession,
)
from fieldops.state import (  # noqa: F401  (the state's readers import it from here too)
    BREAK_TYPES,
    JOB_STATE,
    JOB_STEPS,
    STATE_BADGE,
    STEP_ACTIVITY,
    State,
    Step,
    TechnicianState,
    allowed_steps,
    check,
    not_its_day,
    offline_plan,
    part_undo_refusal,
    technician_state,
    technician_states,
)
from inventory.models import COUNT_UNITS, MovementKind, StockMovement, Truck, TruckInventory

# The technician's pages


@dataclass(frozen=True)
class TruckChoice:
    """A truck as My day shows it: on the clock-in list, or as the one the technician drives."""

    pk: int
    name: str
    drivers: str  # who else is clocked in with it: "in use" on the list, "shared with" once on it
    selected: bool


# A fleet up to this size is listed whole on My day; a larger one lists the trucks the technician
# drove last (RECENT_TRUCKS of them) and finds any other by name (truck_search).
TRUCK_LIST_MAX = 25
RECENT_TRUCKS = 5
TRUCK_MATCHES = 20


def _truck_choices(technician: Technician, state: TechnicianState) -> tuple[list[TruckChoice], bool]:
    """The clock-in list while the technician is off (the last one driven preselected), and
    whether the fleet is too large to list whole (then: the trucks they drove last, and a search);
    on shift, only the truck driven. A fixed number of queries of plain values: a fleet of 500
    trucks was 500 options on every My day load (a third of the page's time at that size)."""
    chosen = state.truck_id or state.last_truck_id
    trucks = Truck.objects.filter(active=True, is_office_truck=False)
    if state.state != State.OFF:
        if not state.truck_id:
            return [], False
        driven = Truck.objects.filter(pk=state.truck_id).values_list("pk", "name")
        return _with_drivers(list(driven), technician, chosen), False
    first = list(trucks.order_by("name", "pk").values_list("pk", "name")[: TRUCK_LIST_MAX + 1])
    if len(first) <= TRUCK_LIST_MAX:
        return _with_drivers(first, technician, chosen), False
    driven = (
        ClockRecord.objects.filter(technician=technician, truck__active=True, truck__is_office_truck=False)
        .order_by("-clock_in_time")
        .values_list("truck_id", "truck__name")[:50]
    )
    recent = list(dict.fromkeys(driven))[:RECENT_TRUCKS]  # (pk, name), the last driven first
    return _with_drivers(recent, technician, chosen), True


def truck_matches(technician: Technician, query: str) -> list[TruckChoice]:
    """Active trucks whose name holds `query` (at most TRUCK_MATCHES, by name), for the clock-in
    search of a large fleet; an empty query gives the list My day starts with."""
    query = query.strip()[:50]
    if not query:
        return _truck_choices(technician, technician_state(technician))[0]
    found = Truck.objects.filter(active=True, is_office_truck=False, name__icontains=query)
    rows = list(found.order_by("name", "pk").values_list("pk", "name")[:TRUCK_MATCHES])
    return _with_drivers(rows, technician, None)


def _with_drivers(
    rows: list[tuple[int, str]], technician: Technician, chosen: int | None
) -> list[TruckChoice]:
    """Trucks as (pk, name) rows, each with who else is clocked in with it: one query."""
    others = ClockRecord.objects.filter(
        clock_out_time__isnull=True, truck_id__in=[pk for pk, _ in rows]
    ).exclude(technician=technician)
    drivers: dict[int, list[str]] = defaultdict(list)
    for truck_id, name in others.order_by("technician__name").values_list("truck_id", "technician__name"):
        drivers[truck_id].append(name)
    return [TruckChoice(pk, name, " and ".join(drivers[pk]), pk == chosen) for pk, name in rows]


@dataclass
class MyDay:
    state: TechnicianState
    orders: list[WorkOrder]
    current: WorkOrder | None
    next_order: WorkOrder | None
    tomorrow: list[WorkOrder]
    messages: list[ManualNotification]
    unread: int
    trucks: list[TruckChoice] = field(default_factory=list)
    truck: TruckChoice | None = None
    truck_search: bool = False  # a fleet too large to list whole: the clock-in list can be searched

    @property
    def steps(self) -> set[str]:
        """The shift steps the technician may take now (fieldops.state decides)."""
        return allowed_steps(self.state)


def _crew_jobs(technician: Technician, today: date, own: list[WorkOrder]) -> dict[date, list[WorkOrder]]:
    """The technician's crew visits today and tomorrow (a later visit they lead, a visit they help
    on, as dispatch.selectors.crew_cards), and the helpers on their own jobs: each order carries
    `visit_at`, when this technician's visit starts, and `crew`, a few words on who is with whom.
    A fixed number of queries."""
    with_me = first_visit_crews([o.pk for o in own]) if own else {}
    for order in own:
        order.visit_at, order.crew = order.scheduled_for, with_me.get(order.pk, "")
    by_day: dict[date, list[WorkOrder]] = defaultdict(list)
    for card in crew_cards(today, today + timedelta(days=2), [technician.pk]):
        if card.crew_role == "lead":
            card.crew = "Later visit: you lead"
        by_day[timezone.localtime(card.visit_at).date()].append(card)
    return by_day


def _by_visit_time(orders: list[WorkOrder]) -> list[WorkOrder]:
    return sorted(orders, key=lambda o: (o.visit_at is None, o.visit_at or clock.now(), o.pk))


def day_jobs(technician: Technician, today: date) -> tuple[list[WorkOrder], list[WorkOrder]]:
    """The technician's jobs today and tomorrow, their own and their crew visits, each in order of
    the technician's visit (`visit_at`, with `crew` saying who is with whom): My day and the voice
    agent read the same list."""
    mine = WorkOrder.objects.for_technician(technician).select_related("customer")
    orders = list(mine.on_day(today))
    tomorrow = list(mine.on_day(today + timedelta(days=1)))
    crews = _crew_jobs(technician, today, [*orders, *tomorrow])
    return (
        _by_visit_time([*orders, *crews.get(today, [])]),
        _by_visit_time([*tomorrow, *crews.get(today + timedelta(days=1), [])]),
    )


def my_day(technician: Technician) -> MyDay:
    """Everything My day shows, in a fixed number of queries."""
    state = technician_state(technician)
    today = clock.localdate()
    orders, tomorrow = day_jobs(technician, today)
    current = None
    if state.work_order_id:
        current = next((o for o in orders if o.pk == state.work_order_id), None)
        if current is None:
            current = (
                WorkOrder.objects.worked_by(technician)
                .select_related("customer")
                .filter(pk=state.work_order_id)
                .first()
            )
            if current is not None:
                current.visit_at, current.crew = current.scheduled_for, ""
    next_order = current or next((o for o in orders if o.is_open), None)
    messages = technician_messages(technician)  # unread first, urgent first
    unread = ManualNotification.objects.filter(technician=technician, is_read=False).count()
    trucks, truck_search = _truck_choices(technician, state)
    truck = next((t for t in trucks if t.selected), None)
    return MyDay(state, orders, current, next_order, tomorrow, messages, unread, trucks, truck, truck_search)


@dataclass
class JobPage:
    state: TechnicianState
    past_jobs: list[WorkOrder]
    notes: list[WorkOrderNote]
    stock: list[TruckInventory]
    steps: set[str] = field(default_factory=set)
    part_refusal: str = ""
    parts_used: list[StockMovement] = field(default_factory=list)
    offline_plan: str = "{}"
    not_yet: str = ""  # a later day's job: read-only until then (fieldops.state.not_its_day)
    # Why Complete is not offered although the technician is at work on this job (the checklist).
    complete_refusal: str = ""
    # The position the phone sent with Arrived, when the customer has none yet: the page asks
    # "Save this spot as the customer's location?" (services.customer_location_from_arrival).
    location_offer: TechnicianActivity | None = None
    # The order's visits with their crews (dispatch.selectors.order_visits), for a crew job.
    visits: list = field(default_factory=list)


def arrival_position(technician: Technician, work_order: WorkOrder) -> TechnicianActivity | None:
    """The latest Arrived of `technician` at `work_order` that carries a position, or None."""
    return (
        TechnicianActivity.objects.filter(
            technician=technician,
            work_order=work_order,
            activity_type=STEP_ACTIVITY[Step.ARRIVE],
            latitude__isnull=False,
            longitude__isnull=False,
        )
        .order_by("-created_at", "-sequence")
        .first()
    )


def job_page(technician: Technician, work_order: WorkOrder) -> JobPage:
    """The job page's reads besides the order itself, in a fixed number of queries.

    Each past job of the customer carries its notes as `recent_notes`.
    """
    state = technician_state(technician)
    past_jobs: list[WorkOrder] = []
    if work_order.customer_id:
        past_jobs = list(
            WorkOrder.objects.filter(customer_id=work_order.customer_id, scheduled_for__lt=clock.now())
            .exclude(pk=work_order.pk)
            .select_related("assigned_technician")
            .order_by("-scheduled_for")[:5]
        )
    notes_by_order: dict[int, list[WorkOrderNote]] = defaultdict(list)
    for note in (
        WorkOrderNote.objects.filter(work_order_id__in=[work_order.pk, *(p.pk for p in past_jobs)])
        .select_related("technician")
        .order_by("-created_at", "-id")[:40]
    ):
        notes_by_order[note.work_order_id].append(note)
    for past in past_jobs:
        past.recent_notes = notes_by_order[past.pk]
    stock: list[TruckInventory] = []
    if state.truck_id:
        stock = list(
            TruckInventory.objects.filter(truck_id=state.truck_id, quantity__gt=0)
            .select_related("item")
            .order_by("item__category", "item__name")
        )
    steps = allowed_steps(state, work_order)
    part_refusal = check(state, Step.USE_PART, work_order) or ""
    parts_used = part_uses(work_order, technician)
    not_yet = not_its_day(state, work_order) or ""
    plan = json.dumps(
        {
            "state": state.state,
            "open": work_order.is_open,
            "steps": offline_plan(),
            "labels": {s.value: s.label for s in State},
            "statuses": {s.value: s.label for s in WorkOrder.Status},
        }
    )
    complete_refusal = ""
    if state.work_order_id == work_order.pk and state.state in JOB_STEPS[Step.COMPLETE]:
        complete_refusal = check(state, Step.COMPLETE, work_order) or ""
    location_offer = None
    customer = work_order.customer
    if (
        customer is not None
        and not customer.has_position
        and state.work_order_id == work_order.pk
        and state.state in (State.ON_SITE, State.WORKING, State.PAUSED)
    ):
        location_offer = arrival_position(technician, work_order)
    return JobPage(
        state,
        past_jobs,
        notes_by_order[work_order.pk],
        stock,
        steps,
        part_refusal,
        parts_used,
        plan,
        not_yet,
        complete_refusal,
        location_offer,
        order_visits(work_order),
    )


# The ledger's return movement that undoes a use names it in its reason.
UNDO_REASON = "Undo of #{pk}"


def part_uses(work_order: WorkOrder, technician: Technician) -> list[StockMovement]:
    """The parts used on a job, newest first, each marked `undone` when Undo put them back and
    carrying `undo_refusal` (fieldops.state.part_undo_refusal: "" when Undo may be offered)."""
    movements = list(
        StockMovement.objects.filter(
            work_order=work_order, kind__in=[MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB]
        )
        .select_related("item", "work_order")
        .order_by("-created_at", "-pk")
    )
    undone = {m.reason for m in movements if m.kind == MovementKind.RETURNED_FROM_JOB}
    used = [m for m in movements if m.kind == MovementKind.USED_ON_JOB]
    now = clock.now()
    for movement in used:
        movement.undone = UNDO_REASON.format(pk=movement.pk) in undone
        movement.undo_refusal = part_undo_refusal(movement, technician, now) or ""
    return used


# Timesheets


@dataclass
class TimesheetRow:
    technician: Technician
    days: list[timedelta]
    breaks: timedelta
    records: list[ClockRecord]

    @property
    def total(self) -> timedelta:
        return sum(self.days, timedelta())

    @property
    def net(self) -> timedelta:
        return max(self.total - self.breaks, timedelta())


def week_start_of(day: date) -> date:
    return scheduling.week_start(day)


def timesheet_week(week_start: date, technician_ids: list[int] | None = None) -> list[TimesheetRow]:
    """Hours on the clock per technician per day of a week (Monday first), with breaks, in two queries;
    only the technicians of `technician_ids` when given (a page of them).

    A shift counts on the day it started; a shift still open counts up to now.
    """
    start, end = scheduling.days_bounds(week_start, week_start + timedelta(days=7))
    now = clock.now()
    records = ClockRecord.objects.filter(clock_in_time__gte=start, clock_in_time__lt=end)
    breaks = TechnicianActivity.objects.filter(
        created_at__gte=start, created_at__lt=end, activity_type__in=BREAK_TYPES
    ).order_by("technician_id", "created_at", "sequence")
    if technician_ids is not None:
        records = records.filter(technician__in=technician_ids)
        breaks = breaks.filter(technician__in=technician_ids)
    records = list(
        records.select_related("technician", "truck").order_by(
            "technician__name", "technician_id", "clock_in_time"
        )
    )
    break_events: dict[int, list[tuple[datetime, str]]] = defaultdict(list)
    for technician_id, at, kind in breaks.values_list("technician_id", "created_at", "activity_type"):
        break_events[technician_id].append((at, kind))
    rows: dict[int, TimesheetRow] = {}
    for record in records:
        row = rows.get(record.technician_id)
        if row is None:
            row = rows[record.technician_id] = TimesheetRow(
                record.technician,
                [timedelta()] * 7,
                paired_spans(
                    break_events[record.technician_id],
                    {ActivityType.BREAK_START},
                    {ActivityType.BREAK_END},
                    min(now, end),
                ),
                [],
            )
        day = (timezone.localtime(record.clock_in_time).date() - week_start).days
        row.days[day] += (record.clock_out_time or now) - record.clock_in_time
        row.records.append(record)
    return list(rows.values())


# The voice agent's transcripts


@dataclass(frozen=True)
class TranscriptLine:
    """One line of a voice-agent conversation: what the technician said, or what the agent answered."""

    at: datetime
    session_id: int
    technician: Technician | None
    work_order_id: int | None
    kind: str
    speaker: str  # "technician" or "agent"
    text: str
    intent: str = ""
    slots: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)

    @property
    def link(self) -> dict | None:
        return self.result.get("link")

    @property
    def understood(self) -> str:
        """'Use parts: job #49, 2, RJ45 Connector', in words."""
        if not self.intent:
            return ""
        slots = _slot_words(self.slots)
        return f"{intent_words(self.intent)}: {slots}" if slots else intent_words(self.intent)

    @property
    def did(self) -> str:
        action = self.result.get("action")
        if not action:
            return ""
        return ACTION_WORDS.get(action, action.removeprefix("job_").replace("_", " ").capitalize())


# What the agent understood, in the words a dispatcher reads (never the parser's intent names).
INTENT_WORDS = {
    "clock_in": "Clock in", "clock_out": "Clock out", "break_start": "Start a break",
    "break_end": "End the break", "next_job": "Next job", "list_jobs": "List my jobs",
    "job_details": "Job details", "navigate": "Directions", "call_customer": "Call the customer",
    "travel_start": "Start travelling", "arrived": "Arrived on site", "work_start": "Start work",
    "work_pause": "Pause work", "work_resume": "Resume work", "job_complete": "Complete the job",
    "leave_site": "Leave the site", "add_note": "Add a note", "alert_office": "Alert the office",
    "use_part": "Use parts", "check_stock": "Check stock", "read_messages": "Read messages",
    "help": "Help", "fuel_stop": "Fuel stop", "vehicle_inspection": "Vehicle inspection",
    "emergency_stop": "Emergency stop", "report_delay": "Report a delay",
    "latest_message": "Latest message", "due_at": "When a job is due", "status": "Where am I",
    "clarify": "Asked which was meant", "confirm": "Yes", "deny": "No", "cancel": "Cancel",
    "goodbye": "Goodbye", "unknown": "Not understood",
}  # fmt: skip
# What the agent did: the service that ran, in words.
ACTION_WORDS = {
    "clock_in": "Clocked in", "clock_out": "Clocked out", "break_start": "Break started",
    "break_end": "Break ended", "job_travel_start": "Travel started", "job_arrive": "Arrived",
    "job_work_start": "Work started", "job_pause": "Work paused", "job_resume": "Work resumed",
    "job_complete": "Job completed", "job_leave": "Left the site", "job_part_use": "Parts used",
    "job_note_add": "Note added", "event_record": "Event recorded",
    "message_mark_read": "Message marked read",
}  # fmt: skip
# An action row written as a call (the demo's, older rows): work_order_update(#49, status=completed).
CALL = re.compile(r"^\s*(?P<name>\w+)\(#(?P<pk>\d+)(?:,\s*(?P<args>.*))?\)\s*$")


def intent_words(intent: str) -> str:
    return INTENT_WORDS.get(intent, intent.replace("_", " ").capitalize())


def _slot_words(slots: dict) -> str:
    words = []
    for key, value in slots.items():
        if value in (None, "") or key == "said":
            continue
        if key == "job":
            words.append(f"job #{value}" if str(value).isdigit() else f"job: {value}")
        elif key == "minutes":
            words.append(f"{value} min")
        elif key == "text":
            words.append(f"“{value}”")
        elif key == "truck":
            words.append(f"truck {value}")
        else:
            words.append(str(value))
    return ", ".join(words)


def _call_words(text: str) -> str:
    """'work_order_update(#49, status=completed)' as 'Job #49: status Completed'."""
    match = CALL.match(text)
    if not match:
        return text
    changes = []
    for pair in (match["args"] or "").split(","):
        name, _, value = pair.partition("=")
        name, value = name.strip(), value.strip()
        if not name:
            continue
        if name == "status" and value in WorkOrderStatus.values:
            value = WorkOrderStatus(value).label
        changes.append(f"{name.replace('_', ' ')} {value}".strip())
    what = "; ".join(changes) or match["name"].replace("_", " ")
    return f"Job #{match['pk']}: {what}"


def _transcript_line(row: VoiceAgentInteraction) -> TranscriptLine:
    """Turns the agent logged are JSON; older rows (and the demo's) are plain text."""
    speaker = (
        "technician" if row.interaction_type == VoiceAgentInteraction.Type.TECHNICIAN_SPEECH else "agent"
    )
    try:
        content = json.loads(row.content or "")
    except ValueError:
        content = None
    if not isinstance(content, dict):
        content = {}
        text = row.content or ""
        if row.interaction_type == VoiceAgentInteraction.Type.ACTION:
            text = _call_words(text)
    else:
        text = content.get("text" if speaker == "technician" else "reply") or ""
    return TranscriptLine(
        at=row.created_at,
        session_id=row.session_id,
        technician=row.session.technician if row.session_id else None,
        work_order_id=row.work_order_id or (row.session.work_order_id if row.session_id else None),
        kind=row.interaction_type or "",
        speaker=speaker,
        text=text,
        intent=content.get("intent", ""),
        slots=content.get("slots") or {},
        result=content.get("result") or {},
    )


def voice_transcripts(
    technician: Technician | None = None,
    work_order: WorkOrder | None = None,
    *,
    session: VoiceAgentSession | None = None,
    limit: int = 200,
) -> list[TranscriptLine]:
    """The latest voice-agent lines, oldest first: a technician's, a work order's or a session's.

    A work order's lines are the turns about it, and every line of sessions that were about it.
    One query, whatever the filter.
    """
    rows = VoiceAgentInteraction.objects.select_related("session__technician")
    if technician is not None:
        rows = rows.filter(session__technician=technician)
    if work_order is not None:
        rows = rows.filter(Q(work_order=work_order) | Q(session__work_order=work_order))
    if session is not None:
        rows = rows.filter(session=session)
    latest = list(rows.order_by("-created_at", "-id")[:limit])
    return [_transcript_line(row) for row in reversed(latest)]


# Field times: travel, on site, working --------------------------------------------------


@dataclass(frozen=True)
class FieldTimes:
    """A job's field time. For a crew each person's spans are paired on their own (one person's
    arrival never closes on another's departure) and the totals are person-hours; `people` splits
    them: (technician id, on site, working) per person."""

    travel: timedelta
    on_site: timedelta
    working: timedelta
    on_site_now: bool
    people: list[tuple[int, timedelta, timedelta]] = field(default_factory=list)


def paired_spans(
    events: list[tuple[datetime, str]], opens: set[str], closes: set[str], now: datetime
) -> timedelta:
    """Total time between each opening event and the closing one after it; an open span runs to now."""
    total, opened = timedelta(), None
    for at, kind in events:
        if kind in opens and opened is None:
            opened = at
        elif kind in closes and opened is not None:
            total += at - opened
            opened = None
    if opened is not None:
        total += now - opened
    return total


def site_time_from_sums(
    *,
    start: datetime,
    now: datetime,
    arrivals: int,
    leaves: int,
    arrived_sum: timedelta | None,
    left_sum: timedelta | None,
    first_arrival: datetime | None,
    first_leave: datetime | None,
    open_at_start: bool = False,
) -> timedelta:
    """paired_spans(events, ARRIVED, LEFT, now) from what a GROUP BY returns instead of the events:
    how many arrivals and departures there were, the sums of their times (each as time since
    `start`) and the first of each.

    A technician's arrivals and departures at one job alternate (fieldops.state allows Arrived only
    when not on a site, Left only when on this one), so the time on site is the departures' sum less
    the arrivals'. A departure before the first arrival belongs to a visit begun before `start`, and
    is left out, as paired_spans leaves out a close with nothing open; an arrival not yet followed by
    a departure runs to `now`. test_selectors checks the two agree.

    `open_at_start`: `start` is a midnight that cut a visit (the reports' days): the part of that
    visit after `start`, up to its departure, counts too (the day before counted it up to
    midnight).
    """
    arrived_sum, left_sum = arrived_sum or timedelta(), left_sum or timedelta()
    carried = timedelta()
    if first_leave is not None and (first_arrival is None or first_leave < first_arrival):
        left_sum -= first_leave - start
        leaves -= 1
        if open_at_start:
            carried = first_leave - start
    if not arrivals:
        return carried
    open_spans = arrivals - leaves
    return left_sum - arrived_sum + open_spans * (now - start) + carried


ARRIVED, LEFT = {ActivityType.ARRIVED_ON_SITE}, {ActivityType.LEFT_SITE}
WORKING = {ActivityType.WORK_STARTED, ActivityType.WORK_RESUMED}
NOT_WORKING = {ActivityType.WORK_PAUSED, ActivityType.WORK_COMPLETED, ActivityType.LEFT_SITE}


def activity_events(work_order: WorkOrder) -> list[tuple[datetime, str]]:
    """The order's (prefetched) activity as (time, type), in the order it happened.

    Two steps can share one instant, so the technician's running number breaks the tie.
    """
    activities = sorted(work_order.activities.all(), key=lambda a: (a.created_at, a.sequence))
    return [(a.created_at, a.activity_type) for a in activities]


def work_order_field_times(work_order: WorkOrder) -> FieldTimes:
    """Travel time (travel logs), on-site and working time (activities); open spans count to now.

    Reads work_order.travel_logs.all() and work_order.activities.all(), so a page that
    prefetches both runs no query here.
    """
    now = clock.now()
    travel = timedelta()
    for log in work_order.travel_logs.all():
        if log.travel_start_time:
            travel += (log.travel_end_time or now) - log.travel_start_time
    by_person: dict[int | None, list[tuple[datetime, str]]] = {}
    for activity in sorted(work_order.activities.all(), key=lambda a: (a.created_at, a.sequence)):
        by_person.setdefault(activity.technician_id, []).append((activity.created_at, activity.activity_type))
    people, on_site_now = [], False
    for technician_id, events in by_person.items():
        people.append(
            (
                technician_id,
                paired_spans(events, ARRIVED, LEFT, now),
                paired_spans(events, WORKING, NOT_WORKING, now),
            )
        )
        kinds = [kind for _, kind in events if kind in ARRIVED | LEFT]
        on_site_now = on_site_now or (bool(kinds) and kinds[-1] in ARRIVED)
    return FieldTimes(
        travel=travel,
        on_site=sum((p[1] for p in people), timedelta()),
        working=sum((p[2] for p in people), timedelta()),
        on_site_now=on_site_now,
        people=[p for p in people if p[1] or p[2]],
    )


# Job summaries: the paragraph the office could send the customer ---------------------

PAUSED = {ActivityType.WORK_PAUSED}
RESUMED = {ActivityType.WORK_RESUMED, ActivityType.WORK_COMPLETED, ActivityType.LEFT_SITE}


def work_order_for_summary(pk: int) -> WorkOrder:
    """One work order with what its summary reads: five queries."""
    queryset = WorkOrder.objects.select_related("customer", "assigned_technician").prefetch_related(
        Prefetch("notes", queryset=WorkOrderNote.objects.select_related("technician")),
        "travel_logs",
        "activities",
        Prefetch("stock_movements", queryset=StockMovement.objects.select_related("item")),
    )
    return queryset.get(pk=pk)


def _minutes_text(span: timedelta) -> str:
    minutes = max(0, round(span.total_seconds() / 60))
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} hour{'s' if hours > 1 else ''} {minutes} minute{'s' if minutes != 1 else ''}"
    if hours:
        return f"{hours} hour{'s' if hours > 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


def _sentence(text: str) -> str:
    text = " ".join(text.split())
    return text if text[-1:] in ".!?" else f"{text}."


# Where a summary's facts begin: above it is what people wrote (the technician's words first, and
# whatever the office typed), which rebuilding the facts never touches.
FACTS_MARK = "From the job's record:"


def technician_words(work_order: WorkOrder) -> str:
    """What the technician wrote about the work (their notes), then the points they raised."""
    notes = [n for n in work_order.notes.all() if n.technician_id is not None or n.alert_office]
    work = [
        _sentence(text)
        for n in notes
        if not n.alert_office and (text := n.note_text.strip().removeprefix("Completed:").strip())
    ]
    raised = [_sentence(n.note_text) for n in notes if n.alert_office and n.note_text.strip()]
    parts = []
    if work:
        parts.append("Work done: " + " ".join(work))
    if raised:
        parts.append("Points raised during the visit: " + " ".join(raised))
    return " ".join(parts)


def work_order_summary_text(work_order: WorkOrder, existing: str | None = None) -> str:
    """The customer-ready summary: the technician's words first, then the facts of the job's record.

    With `existing` (the summary as it stands), everything above FACTS_MARK is kept as it is, since a
    person wrote it; only the facts are rebuilt. A summary with no mark is kept whole, facts after."""
    kept = (existing or "").split(FACTS_MARK, 1)[0].strip()
    words = kept or technician_words(work_order)
    facts = f"{FACTS_MARK} {record_facts(work_order)}"
    return f"{words}\n\n{facts}" if words else facts


def record_facts(work_order: WorkOrder) -> str:
    """The facts from the order's prefetched travel, activity and parts, in a sentence each; times in
    the company's time zone. Parts that were not there say nothing."""
    technician = work_order.assigned_technician
    who = technician.name if technician else "Our technician"
    first_name = who.split()[0] if technician else "The technician"
    events = activity_events(work_order)
    arrived = next((at for at, kind in events if kind in ARRIVED), None)
    finished = next((at for at, kind in reversed(events) if kind == ActivityType.WORK_COMPLETED), None)
    day = arrived or finished or work_order.scheduled_for
    customer = work_order.customer.name if work_order.customer else "the customer"

    opening = f"{who} visited {customer}" + (
        f" on {timezone.localtime(day):%A, %B} {timezone.localtime(day).day}" if day else ""
    )
    opening += f" for: {work_order.title.strip()}."
    parts = [opening]

    times = work_order_field_times(work_order)
    if times.travel:
        parts.append(f"Travel to the site took {_minutes_text(times.travel)}.")
    if arrived and finished and finished >= arrived:
        parts.append(
            f"{first_name} arrived at {formatting.clock_time(arrived)} "
            f"and finished at {formatting.clock_time(finished)}."
        )
    elif arrived:
        parts.append(f"{first_name} arrived at {formatting.clock_time(arrived)}.")
    if times.on_site:
        on_site = f"Time on site was {_minutes_text(times.on_site)}"
        if len(times.people) > 1:
            on_site += f" for a crew of {len(times.people)}"
        pauses = [a for a, kind in events if kind in PAUSED]
        paused = paired_spans(events, PAUSED, RESUMED, clock.now())
        if pauses and paused:
            count = "one pause" if len(pauses) == 1 else f"{len(pauses)} pauses"
            on_site += f", including {count} totalling {_minutes_text(paused)}"
        parts.append(on_site + ".")

    used: dict[str, list] = {}
    for movement in work_order.stock_movements.all():
        if movement.kind not in (MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB):
            continue
        entry = used.setdefault(movement.item.name, [0, movement.item.unit])
        entry[0] += -movement.quantity_change
    items = [
        f"{quantity} {unit + ' of ' if unit and unit.lower() not in COUNT_UNITS else '× '}{name}"
        for name, (quantity, unit) in sorted(used.items())
        if quantity > 0
    ]
    if items:
        parts.append("Parts used: " + ", ".join(items) + ".")
    return " ".join(parts)
