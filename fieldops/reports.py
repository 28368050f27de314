"""The numbers a manager runs the business on, for a period and optionally one technician.

A fixed number of queries, each bounded by the period (the first-time-fix check also reads the
30 days after it); the field-time arithmetic is fieldops.selectors' (paired_spans).
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from dispatch import clock
from dispatch.models import CallType, CommunicationMessage, JobType, Technician, WorkOrder
from dispatch.scheduling import days_bounds, week_start
from fieldops.models import ActivityType, ClockRecord, TechnicianActivity, TravelLog
from fieldops.selectors import ARRIVED, LEFT, paired_spans
from inventory.models import MovementKind, StockMovement

FOLLOW_UP_DAYS = 30
MAX_DAYS = 92
ANSWERED_CALLS = (CallType.INBOUND, CallType.OUTBOUND)
MISSED_CALLS = (CallType.MISSED, CallType.VOICEMAIL)


def ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


@dataclass
class TechnicianNumbers:
    technician_id: int
    name: str
    jobs: int = 0
    days_worked: int = 0
    clocked: timedelta = timedelta()
    on_site: timedelta = timedelta()
    travel: timedelta = timedelta()
    arrivals: int = 0
    on_time: int = 0
    first_time_fixes: int = 0

    @property
    def jobs_per_day(self) -> float | None:
        return ratio(self.jobs, self.days_worked)

    @property
    def travel_share(self) -> float | None:
        return ratio(self.travel.total_seconds(), self.clocked.total_seconds())

    @property
    def utilisation(self) -> float | None:
        return ratio(self.on_site.total_seconds(), self.clocked.total_seconds())

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self.on_time, self.arrivals)

    @property
    def first_time_fix_rate(self) -> float | None:
        return ratio(self.first_time_fixes, self.jobs)


@dataclass
class JobTypeNumbers:
    job_type: str
    label: str
    jobs: int = 0
    on_site: timedelta = timedelta()
    parts_cost: Decimal = Decimal("0")
    costed_parts: int = 0

    @property
    def average_on_site(self) -> timedelta | None:
        return self.on_site / self.jobs if self.jobs else None


@dataclass
class Report:
    first: date
    last: date
    technician: Technician | None
    days: list[date]
    technicians: list[TechnicianNumbers]
    job_types: list[JobTypeNumbers]
    jobs_by_day: dict[int, Counter] = field(default_factory=dict)
    calls_by_day: dict[date, Counter] = field(default_factory=dict)

    def _total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.technicians)

    def _time(self, name: str) -> timedelta:
        return sum((getattr(row, name) for row in self.technicians), timedelta())

    @property
    def jobs(self) -> int:
        return self._total("jobs")

    @property
    def first_time_fix_rate(self) -> float | None:
        return ratio(self._total("first_time_fixes"), self.jobs)

    @property
    def on_time_rate(self) -> float | None:
        return ratio(self._total("on_time"), self._total("arrivals"))

    @property
    def travel_share(self) -> float | None:
        return ratio(self._time("travel").total_seconds(), self._time("clocked").total_seconds())

    @property
    def utilisation(self) -> float | None:
        return ratio(self._time("on_site").total_seconds(), self._time("clocked").total_seconds())

    @property
    def calls_answered(self) -> int:
        return sum(day[CallType.INBOUND] + day[CallType.OUTBOUND] for day in self.calls_by_day.values())

    @property
    def calls_missed(self) -> int:
        return sum(day[CallType.MISSED] + day[CallType.VOICEMAIL] for day in self.calls_by_day.values())


def clamp_period(first: date, last: date) -> tuple[date, date]:
    """A period of at most MAX_DAYS days ending on `last`, first before last."""
    if last < first:
        first, last = last, first
    return max(first, last - timedelta(days=MAX_DAYS - 1)), last


def _job_activity(
    start: datetime, end: datetime, technician: Technician | None
) -> tuple[dict[tuple[int, int], list[tuple[datetime, str]]], dict[int, tuple[int, datetime]]]:
    """One query: each (technician, job)'s arrivals, departures and completion in the period, in
    order, and each completed job's technician and completion time."""
    activities = TechnicianActivity.objects.filter(
        created_at__gte=start,
        created_at__lt=end,
        activity_type__in=[*ARRIVED, *LEFT, ActivityType.WORK_COMPLETED],
        work_order__isnull=False,
    )
    if technician is not None:
        activities = activities.filter(technician=technician)
    events: dict[tuple[int, int], list[tuple[datetime, str]]] = defaultdict(list)
    completed: dict[int, tuple[int, datetime]] = {}
    for technician_id, order_id, kind, at in activities.order_by("created_at", "sequence").values_list(
        "technician_id", "work_order_id", "activity_type", "created_at"
    ):
        events[(technician_id, order_id)].append((at, kind))
        if kind == ActivityType.WORK_COMPLETED:
            completed[order_id] = (technician_id, at)
    return events, completed


def build_report(*, first: date, last: date, technician: Technician | None = None) -> Report:
    """Every number of the reports page for the days first..last (in the company's zone)."""
    first, last = clamp_period(first, last)
    start, end = days_bounds(first, last + timedelta(days=1))
    now = min(clock.now(), end)
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    mine = {"technician": technician} if technician else {}
    people = Technician.objects.filter(pk=technician.pk) if technician else Technician.objects.all()
    numbers = {t.pk: TechnicianNumbers(t.pk, t.name) for t in people.only("pk", "name")}

    def row(technician_id: int | None) -> TechnicianNumbers | None:
        return numbers.get(technician_id)

    # Clocked time, and the days each technician worked.
    worked: dict[int, set[date]] = defaultdict(set)
    for record in ClockRecord.objects.filter(clock_in_time__gte=start, clock_in_time__lt=end, **mine).only(
        "technician_id", "clock_in_time", "clock_out_time"
    ):
        if numbers_row := row(record.technician_id):
            numbers_row.clocked += min(record.clock_out_time or now, now) - record.clock_in_time
            worked[record.technician_id].add(timezone.localdate(record.clock_in_time))
    for technician_id, worked_days in worked.items():
        numbers[technician_id].days_worked = len(worked_days)

    # Travel.
    for log in TravelLog.objects.filter(travel_start_time__gte=start, travel_start_time__lt=end, **mine).only(
        "technician_id", "travel_start_time", "travel_end_time"
    ):
        if numbers_row := row(log.technician_id):
            numbers_row.travel += min(log.travel_end_time or now, now) - log.travel_start_time

    # Activity: time on site per job, arrivals, completions.
    events, completed = _job_activity(start, end, technician)
    orders = {
        pk: (job_type, customer_id, scheduled_for)
        for pk, job_type, customer_id, scheduled_for in WorkOrder.objects.filter(
            pk__in={order_id for _, order_id in events}
        ).values_list("pk", "job_type", "customer_id", "scheduled_for")
    }
    grace = timedelta(minutes=settings.TECHFLOW_LATE_START_MINUTES)
    on_site_by_order: dict[int, timedelta] = defaultdict(timedelta)
    for (technician_id, order_id), order_events in events.items():
        numbers_row = row(technician_id)
        if numbers_row is None:
            continue
        on_site = paired_spans(order_events, ARRIVED, LEFT, now)
        numbers_row.on_site += on_site
        on_site_by_order[order_id] += on_site
        arrived = next((at for at, kind in order_events if kind in ARRIVED), None)
        scheduled_for = orders.get(order_id, (None, None, None))[2]
        if arrived and scheduled_for:
            numbers_row.arrivals += 1
            numbers_row.on_time += arrived <= scheduled_for + grace

    # Completed jobs: per technician per day, first-time fixes, by job type.
    jobs_by_day: dict[int, Counter] = defaultdict(Counter)
    customers = {orders[pk][1] for pk in completed if pk in orders and orders[pk][1]}
    follow_ups: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    if completed:
        for pk, customer_id, created_at in WorkOrder.objects.filter(
            customer_id__in=customers,
            created_at__gte=start,
            created_at__lt=end + timedelta(days=FOLLOW_UP_DAYS),
        ).values_list("pk", "customer_id", "created_at"):
            follow_ups[customer_id].append((pk, created_at))
    types = {value: JobTypeNumbers(value, label) for value, label in JobType.choices}
    types[""] = JobTypeNumbers("", "No job type")
    for order_id, (technician_id, at) in completed.items():
        numbers_row = row(technician_id)
        if numbers_row is None:
            continue
        numbers_row.jobs += 1
        jobs_by_day[technician_id][timezone.localdate(at)] += 1
        job_type, customer_id, _ = orders.get(order_id, ("", None, None))
        window_end = at + timedelta(days=FOLLOW_UP_DAYS)
        later = [pk for pk, created in follow_ups.get(customer_id, []) if at < created <= window_end]
        if not [pk for pk in later if pk != order_id]:
            numbers_row.first_time_fixes += 1
        type_row = types[job_type or ""]
        type_row.jobs += 1
        type_row.on_site += on_site_by_order.get(order_id, timedelta())

    # Parts cost of the completed jobs, by job type, where the items have a cost.
    if completed:
        for order_id, change, cost in StockMovement.objects.filter(
            work_order_id__in=list(completed),
            kind__in=[MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB],
            item__unit_cost__isnull=False,
        ).values_list("work_order_id", "quantity_change", "item__unit_cost"):
            type_row = types[orders.get(order_id, ("",))[0] or ""]
            type_row.parts_cost += -change * cost
            type_row.costed_parts += -change

    # Calls answered and missed, per day.
    calls_by_day: dict[date, Counter] = {day: Counter() for day in days}
    calls = CommunicationMessage.objects.calls().filter(created_at__gte=start, created_at__lt=end)
    if technician:
        calls = calls.filter(technician=technician)
    for at, call_type in calls.values_list("created_at", "call_detail__call_type"):
        calls_by_day.setdefault(timezone.localdate(at), Counter())[call_type] += 1

    shown = [n for n in numbers.values() if technician or n.jobs or n.clocked or n.travel or n.on_site]
    return Report(
        first=first,
        last=last,
        technician=technician,
        days=days,
        technicians=sorted(shown, key=lambda n: n.name),
        job_types=[t for t in types.values() if t.jobs],
        jobs_by_day=dict(jobs_by_day),
        calls_by_day=calls_by_day,
    )


@dataclass(frozen=True)
class Week:
    jobs: int
    on_site: timedelta


def technician_week(technician: Technician) -> Week:
    """A technician's own numbers this week so far (Monday on), for My day: one query."""
    start, end = days_bounds(week_start(clock.localdate()), clock.localdate() + timedelta(days=1))
    now = min(clock.now(), end)
    events, completed = _job_activity(start, end, technician)
    on_site = sum(
        (paired_spans(order_events, ARRIVED, LEFT, now) for order_events in events.values()), timedelta()
    )
    return Week(jobs=len(completed), on_site=on_site)
