""" "Fix my day": after a cancellation, an emergency insert or an overrun, the fewest moves that
make one day of the board's technicians valid again, and which customers need a new time.

A read (nothing is written): the day as it stands goes to dispatch.optimiser.repair through the
one instance builder "Plan the week" uses (planner.optimiser_instance); the dispatcher applies
the proposal through services.day_fix_apply, which books each move by work_order_schedule (the
rules re-check every one) or nothing at all.

What the day holds:
- movable: the open jobs of the day that have not started (their current slot is what the
  customer was told; the repair keeps it unless it must change). One whose start has passed
  without starting (the job before ran over) can't keep it: today's shift opens now;
- fixed: jobs in progress and completed jobs stay where they are; a job running past its planned
  end holds its technician at least OVERRUN_MARGIN from now;
- waiting: the tray's orders of that day (a time that day but no technician, or pending) and up
  to TRAY_OFFERED orders with no time yet, oldest first, so that a gap left by a cancellation
  is filled. The optimiser places as much as it can first, then moves the fewest jobs.

Inline, not on the background worker: the problem is bounded by the board's page (at most
TECHNICIANS_SHOWN technicians, one day, their jobs and TRAY_OFFERED waiting orders), and CP-SAT
stops at TECHFLOW_FIX_DAY_SECONDS (default 5 s) with the best repair found by then.
"""

import dataclasses
import time
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone

from dispatch import clock, optimiser
from dispatch.formatting import clock_time
from dispatch.models import JobTypeSkill, Technician, VisitHelper, WorkOrder, WorkOrderStatus
from dispatch.planner import Bucket, _minute, moment, optimiser_instance
from dispatch.scheduling import (
    crew_rows,
    day_bounds,
    day_text,
    duration_of,
    intervals,
    max_jobs_per_day,
    order_places,
    overrun,
    place,
    placement_refusals,
    type_minutes,
)

TRAY_OFFERED = 10
OVERRUN_MARGIN = timedelta(minutes=15)


def fix_seconds() -> float:
    """How long the repair may search (TECHFLOW_FIX_DAY_SECONDS)."""
    return float(getattr(settings, "TECHFLOW_FIX_DAY_SECONDS", 5))


@dataclass(frozen=True)
class FixMove:
    """One change of the proposal: the order at its version, where it was and where it goes."""

    order: WorkOrder
    version: int
    before_technician: Technician | None
    before_start: datetime | None
    technician: Technician | None  # None: back to the tray
    start: datetime | None
    why: str
    new_time: bool  # the customer must be told a new time
    added: bool  # it was waiting in the tray

    @property
    def value(self) -> str:
        """The move as the proposal's form sends it back: order|technician|start|version (back to
        the tray keeps the order's time, so it waits for that day)."""
        at = self.start if self.technician else self.before_start
        start = timezone.localtime(at).strftime("%Y-%m-%dT%H:%M") if at else ""
        return f"{self.order.pk}|{self.technician.pk if self.technician else ''}|{start}|{self.version}"


@dataclass
class DayFix:
    day: date
    technicians: list[Technician]
    moves: list[FixMove] = field(default_factory=list)
    unplaced: list[tuple[WorkOrder, str]] = field(default_factory=list)
    found: bool = True  # False: the solver found no repair in its time
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)  # what was wrong with the day before the fix

    @property
    def calls(self) -> list[FixMove]:
        return [m for m in self.moves if m.new_time and not m.added]


def _waiting(day: date):
    begins, ends = day_bounds(day)
    tray = WorkOrder.objects.to_place().select_related("customer")
    dated = list(
        tray.filter(scheduled_for__gte=begins, scheduled_for__lt=ends).order_by("scheduled_for", "id")
    )
    undated = list(tray.filter(scheduled_for__isnull=True).order_by("created_at", "id")[:TRAY_OFFERED])
    return [*dated, *undated]


def day_fix(day: date, technicians: Iterable[Technician], now: datetime | None = None) -> DayFix:
    """The proposal for `day` over `technicians` (the board's page): a fixed number of queries."""
    started = time.monotonic()
    now = now or clock.now()
    ids = [t.pk for t in technicians]
    techs = list(
        Technician.objects.filter(pk__in=ids, active=True).prefetch_related("skills").order_by("name")
    )
    fix = DayFix(day=day, technicians=techs)
    if day < timezone.localdate(now):
        fix.found = False
        fix.problems.append(f"{day_text(day)} is over: only today and later days can be fixed.")
        return fix
    by_id = {t.pk: t for t in techs}
    skills = {t.pk: {s.name for s in t.skills.all()} for t in techs}
    required: dict[str, set[str]] = defaultdict(set)
    for job_type, skill in JobTypeSkill.objects.values_list("job_type", "skill__name"):
        required[job_type].add(skill)
    lengths = type_minutes()
    on_day = list(
        WorkOrder.objects.on_the_grid()
        .on_day(day)
        .filter(assigned_technician__in=list(by_id))
        .select_related("customer")
        .order_by("scheduled_for", "id")
    )
    waiting = _waiting(day)
    durations = {o.pk: duration_of(o, lengths) for o in [*on_day, *waiting]}
    # A crew's job stays where it is (its helpers and later visits are booked with it), and a crew
    # visit holds its people's time like their own jobs (scheduling.crew_rows).
    crews = crew_rows(day, day + timedelta(days=1))
    crewed = {row[4] for row in crews} | set(
        VisitHelper.objects.filter(work_order__in=[o.pk for o in on_day]).values_list(
            "work_order_id", flat=True
        )
    )
    movable = [
        o for o in on_day if o.is_open and o.status != WorkOrderStatus.IN_PROGRESS and o.pk not in crewed
    ]
    booked: dict[Bucket, list] = defaultdict(list)
    for technician_id, at, end in intervals([row[:4] for row in crews], lengths):
        if technician_id in by_id:
            booked[(technician_id, day)].append((at, end))
    running: dict[int, tuple[WorkOrder, datetime]] = {}
    # Where the jobs that stay are (a crew's too): the drive to and from them counts.
    crew_places = order_places(row[4] for row in crews) if crews else {}
    places = {(row[0], row[1]): crew_places.get(row[4]) for row in crews}
    for order in on_day:
        if order in movable:
            continue
        end = order.scheduled_for + durations[order.pk]
        late = overrun(order, durations[order.pk], now)
        if late:
            end = max(end, now + OVERRUN_MARGIN)
            running[order.assigned_technician_id] = (order, end)
            planned = clock_time(timezone.localtime(order.scheduled_for + durations[order.pk]).time())
            fix.problems.append(
                f"#{order.pk} {order.title} ({by_id[order.assigned_technician_id].name}) is running "
                f"over: planned to end {planned}."
            )
        booked[(order.assigned_technician_id, day)].append((order.scheduled_for, end))
        if order.customer is not None:
            places[(order.assigned_technician_id, order.scheduled_for)] = place(
                order.customer.latitude, order.customer.longitude
            )
    instance = optimiser_instance(
        technicians=techs,
        days=[day],
        now=now,
        orders=[*movable, *waiting],
        durations=durations,
        booked=booked,
        skills=skills,
        required=required,
        limit=max_jobs_per_day(),
        booked_places=places,
    )
    current = []
    for order in movable:
        minute = _minute(timezone.localtime(order.scheduled_for))
        current.append(optimiser.Assignment(order.pk, order.assigned_technician_id, day, minute))
    # A time booked outside the customer's window (the dispatcher overrode it) stands: the repair
    # doesn't move a job only for that.
    kept = {a.order_id: a.start for a in current}
    instance.jobs = [
        dataclasses.replace(job, window=None)
        if job.window and job.order_id in kept and not job.window[0] <= kept[job.order_id] <= job.window[1]
        else job
        for job in instance.jobs
    ]
    shift_open = {(s.technician_id, s.day): s.start for s in instance.shifts}
    for order, a in zip(movable, current, strict=True):
        if a.start < shift_open.get((a.technician_id, day), 0):
            at = clock_time(timezone.localtime(order.scheduled_for).time())
            fix.problems.append(f"#{order.pk} {order.title} was due at {at} and hasn't started.")
    result = optimiser.repair(instance, current, fix_seconds())
    fix.seconds = time.monotonic() - started
    if result.plan.status == "unknown":
        fix.found = False
        return fix
    orders = {o.pk: o for o in [*movable, *waiting]}
    after = {a.order_id: a for a in result.plan.assignments}
    final: dict[int, list] = defaultdict(list)  # technician -> the day's intervals after the fix
    for (tech_id, _), spans in booked.items():
        final[tech_id].extend(spans)
    for a in result.plan.assignments:
        start = moment(day, a.start)
        final[a.technician_id].append((start, start + durations[a.order_id], a.order_id))
    waiting_ids = {o.pk for o in waiting}
    added = [
        _asked_time(a, orders[a.order_id], day, final, durations, by_id, skills, required, now)
        for a in result.added
    ]
    context = (day, by_id, booked, running, shift_open)
    for move in result.moves:
        order = orders[move.order_id]
        common = (order, move.after, *context)
        fix.moves.append(_move(*common, added, waiting=False, duration=durations[order.pk]))
    for a in added:
        fix.moves.append(
            _move(orders[a.order_id], a, *context, [], waiting=True, duration=durations[a.order_id])
        )
    # The last word is the rules', move by move, as the board would check it.
    for m in fix.moves:
        if m.technician is None:
            continue
        others = [(s, e) for s, e, *pk in final[m.technician.pk] if not pk or pk[0] != m.order.pk]
        refusals = placement_refusals(
            technician=m.technician,
            start=m.start,
            duration=durations[m.order.pk],
            same_day_jobs=others,
            customer=m.order.customer,
            technician_skills=skills.get(m.technician.pk, set()),
            required=required.get(m.order.job_type, set()),
        )
        window_kept = m.order.pk in kept and not m.new_time
        if refusals and not (window_kept and all("preferred window" in r for r in refusals)):
            fix.problems.append(f"#{m.order.pk} can't go there after all: {' '.join(refusals)}")
    fix.moves.sort(key=lambda m: (m.added, m.start or m.before_start or now, m.order.pk))
    for pk in waiting_ids - set(after):
        fix.unplaced.append((orders[pk], result.plan.unplaced.get(pk, "no room")))
    fix.unplaced.sort(key=lambda u: u[0].pk)
    return fix


def _asked_time(a, order, day, final, durations, by_id, skills, required, now):
    """A waiting order that already has a time that day (the customer asked for it) keeps it when
    the technician the fix gives it is free then by the rules; else the fix's time stands."""
    asked = order.scheduled_for
    if asked is None or timezone.localdate(asked) != day or asked == moment(day, a.start) or asked <= now:
        return a
    spans = final[a.technician_id]
    others = [(s, e) for s, e, *pk in spans if not pk or pk[0] != order.pk]
    technician = by_id[a.technician_id]
    if placement_refusals(
        technician=technician,
        start=asked,
        duration=durations[order.pk],
        same_day_jobs=others,
        customer=order.customer,
        technician_skills=skills.get(technician.pk, set()),
        required=required.get(order.job_type, set()),
    ):
        return a
    final[a.technician_id] = [*others, (asked, asked + durations[order.pk], order.pk)]
    return dataclasses.replace(a, start=_minute(timezone.localtime(asked)))


def _move(order, assignment, day, by_id, booked, running, shift_open, added, *, waiting, duration) -> FixMove:
    """One change in words: where it was, where it goes, and why."""
    start = moment(day, assignment.start) if assignment else None
    technician = by_id[assignment.technician_id] if assignment else None
    before_tech = None if waiting else by_id.get(order.assigned_technician_id)
    if waiting:
        cause = "It was waiting in the tray" + (f" for {day_text(day)}" if order.scheduled_for else "")
    else:
        cause = _cause(order, before_tech, booked, running, shift_open, added, day, duration)
    if assignment is None:
        why = f"{cause}; no technician shown has room for it that day, so it goes back to the tray."
    else:
        why = f"{cause}. New slot: {assignment.reason}."
    return FixMove(
        order=order,
        version=order.version,
        before_technician=before_tech,
        before_start=order.scheduled_for,
        technician=technician,
        start=start,
        why=why,
        new_time=start is None or order.scheduled_for is None or start != order.scheduled_for,
        added=waiting,
    )


def _cause(order, technician, booked, running, shift_open, added, day, duration) -> str:
    start = order.scheduled_for
    at = clock_time(timezone.localtime(start).time())
    if _minute(timezone.localtime(start)) < shift_open.get((technician.pk, day), 0):
        if technician.pk in running:
            return f"Its start ({at}) has passed while #{running[technician.pk][0].pk} runs over"
        return f"Its start ({at}) has passed and it hasn't started"
    for s, e in booked.get((technician.pk, day), []):
        if s < start + duration and start < e:
            until = clock_time(timezone.localtime(e).time())
            return f"Its slot overlaps a job of {technician.name} that runs until about {until}"
    if added:
        return f"It makes room for {', '.join(f'#{a.order_id}' for a in added)}"
    return "Its day no longer fits the rules where it is"


__all__ = ["DayFix", "FixMove", "day_fix", "fix_seconds"]
