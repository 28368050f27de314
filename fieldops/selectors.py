"""Reads the technician pages and the office's field pages share."""

import functools
import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db.models import OuterRef, Q, QuerySet, Subquery, TextChoices
from django.utils import timezone

from dispatch import clock
from dispatch.models import ManualNotification, Technician, WorkOrder, WorkOrderNote
from dispatch.selectors import paired_spans
from fieldops.models import (
    ActivityType,
    ClockRecord,
    TechnicianActivity,
    VoiceAgentInteraction,
    VoiceAgentSession,
)
from inventory.models import Truck, TruckInventory


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

    @property
    def on_job(self) -> bool:
        return self.work_order_id is not None

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


@functools.cache
def _all_with_state_columns() -> QuerySet[Technician]:
    """The state query, built once and filtered per call: building its subqueries costs
    more than running them, and every technician step reads the state under its lock."""
    return _with_state_columns(Technician.objects.all())


def technician_state(technician: Technician) -> TechnicianState:
    """One technician's current state (see technician_states)."""
    annotated = _all_with_state_columns().filter(pk=technician.pk).get()
    state = _state_of(annotated)
    return TechnicianState(**{**state.__dict__, "technician": technician})


# The technician's pages


@dataclass
class MyDay:
    state: TechnicianState
    orders: list[WorkOrder]
    current: WorkOrder | None
    next_order: WorkOrder | None
    tomorrow: list[WorkOrder]
    messages: list[ManualNotification]
    unread: int
    trucks: list[Truck] = field(default_factory=list)
    truck: Truck | None = None


def my_day(technician: Technician) -> MyDay:
    """Everything My day shows, in a fixed number of queries."""
    state = technician_state(technician)
    today = clock.localdate()
    mine = WorkOrder.objects.for_technician(technician).select_related("customer")
    orders = list(mine.on_day(today))
    current = None
    if state.work_order_id:
        current = (
            next((o for o in orders if o.pk == state.work_order_id), None)
            or mine.filter(pk=state.work_order_id).first()
        )
    next_order = current or next((o for o in orders if o.is_open), None)
    tomorrow = list(mine.on_day(today + timedelta(days=1)))
    messages = list(
        ManualNotification.objects.filter(technician=technician)
        .select_related("work_order")
        .order_by("is_read", "-created_at")[:10]
    )
    unread = ManualNotification.objects.filter(technician=technician, is_read=False).count()
    trucks = list(Truck.objects.filter(active=True, is_office_truck=False).order_by("name"))
    truck = next((t for t in trucks if t.pk == (state.truck_id or state.last_truck_id)), None)
    return MyDay(state, orders, current, next_order, tomorrow, messages, unread, trucks, truck)


@dataclass
class JobPage:
    state: TechnicianState
    past_jobs: list[WorkOrder]
    notes: list[WorkOrderNote]
    stock: list[TruckInventory]


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
    return JobPage(state, past_jobs, notes_by_order[work_order.pk], stock)


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
    return day - timedelta(days=day.weekday())


def timesheet_week(week_start: date) -> list[TimesheetRow]:
    """Hours on the clock per technician per day of a week (Monday first), with breaks, in two queries.

    A shift counts on the day it started; a shift still open counts up to now.
    """
    start = timezone.make_aware(datetime.combine(week_start, time.min))
    end = timezone.make_aware(datetime.combine(week_start + timedelta(days=7), time.min))
    now = clock.now()
    records = list(
        ClockRecord.objects.filter(clock_in_time__gte=start, clock_in_time__lt=end)
        .select_related("technician", "truck")
        .order_by("technician__name", "technician_id", "clock_in_time")
    )
    breaks = TechnicianActivity.objects.filter(
        created_at__gte=start, created_at__lt=end, activity_type__in=BREAK_TYPES
    ).order_by("technician_id", "created_at", "sequence")
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
