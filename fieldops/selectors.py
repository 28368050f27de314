"""Reads the technician pages and the office's field pages share."""

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Prefetch, Q
from django.utils import timezone

from dispatch import clock, formatting, scheduling
from dispatch.models import ManualNotification, Technician, WorkOrder, WorkOrderNote
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
    State,
    Step,
    TechnicianState,
    allowed_steps,
    check,
    technician_state,
    technician_states,
)
from inventory.models import MovementKind, StockMovement, Truck, TruckInventory

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

    @property
    def steps(self) -> set[str]:
        """The shift steps the technician may take now (fieldops.state decides)."""
        return allowed_steps(self.state)


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
    steps: set[str] = field(default_factory=set)
    part_refusal: str = ""
    # Why Complete is not offered although the technician is at work on this job (the checklist).
    complete_refusal: str = ""


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
    complete_refusal = ""
    if state.work_order_id == work_order.pk and state.state in JOB_STEPS[Step.COMPLETE]:
        complete_refusal = check(state, Step.COMPLETE, work_order) or ""
    return JobPage(
        state, past_jobs, notes_by_order[work_order.pk], stock, steps, part_refusal, complete_refusal
    )


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


def timesheet_week(week_start: date) -> list[TimesheetRow]:
    """Hours on the clock per technician per day of a week (Monday first), with breaks, in two queries.

    A shift counts on the day it started; a shift still open counts up to now.
    """
    start, end = scheduling.days_bounds(week_start, week_start + timedelta(days=7))
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


# Field times: travel, on site, working --------------------------------------------------


@dataclass(frozen=True)
class FieldTimes:
    travel: timedelta
    on_site: timedelta
    working: timedelta
    on_site_now: bool


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
    events = activity_events(work_order)
    on_site_kinds = [kind for _, kind in events if kind in ARRIVED | LEFT]
    return FieldTimes(
        travel=travel,
        on_site=paired_spans(events, ARRIVED, LEFT, now),
        working=paired_spans(events, WORKING, NOT_WORKING, now),
        on_site_now=bool(on_site_kinds) and on_site_kinds[-1] in ARRIVED,
    )


# Job summaries: the paragraph the office could send the customer ---------------------

COUNT_UNITS = {"unit", "units", "each", "ea", "pc", "pcs", "piece", "pieces"}
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


def work_order_summary_text(work_order: WorkOrder) -> str:
    """A short paragraph the office could send the customer, from the order's prefetched notes,
    travel, activity and parts; times in the company's time zone. Parts that were not there say nothing."""
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

    notes = [n for n in work_order.notes.all() if n.technician_id is not None or n.alert_office]
    work = [
        _sentence(text)
        for n in notes
        if not n.alert_office and (text := n.note_text.strip().removeprefix("Completed:").strip())
    ]
    raised = [_sentence(n.note_text) for n in notes if n.alert_office and n.note_text.strip()]
    if work:
        parts.append("Work done: " + " ".join(work))
    if raised:
        parts.append("Points raised during the visit: " + " ".join(raised))
    return " ".join(parts)
