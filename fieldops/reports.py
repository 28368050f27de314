"""The numbers a manager runs the business on, for a period and optionally one technician.

A fixed number of queries, each bounded by the period (the first-time-fix check also reads the
30 days after it). Time on site is summed by the database, one row per technician and job, and
turned into time by fieldops.selectors.site_time_from_sums (paired_spans' arithmetic on sums).
"""

from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Max,
    Min,
    Q,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Least, TruncDate
from django.utils import timezone

from dispatch import clock
from dispatch.models import CallType, CommunicationMessage, JobType, Technician, WorkOrder
from dispatch.scheduling import days_bounds, week_start
from fieldops.models import ActivityType, ClockRecord, TechnicianActivity, TravelLog
from fieldops.selectors import ARRIVED, LEFT, site_time_from_sums
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


@dataclass(frozen=True)
class _Visit:
    """One technician's time at one job in the period, summed by the database."""

    technician_id: int
    order_id: int
    job_type: str
    customer_id: int | None
    scheduled_for: datetime | None
    first_arrival: datetime | None
    on_site: timedelta
    completed_at: datetime | None


def _visits(
    start: datetime, end: datetime, technician: Technician | None, now: datetime, *, company: bool = True
) -> list[_Visit]:
    """One query, one row per (technician, job) of the period: its arrivals and departures summed
    (fieldops.selectors.site_time_from_sums turns them into time on site), its first arrival and
    its completion, with the job's type, customer and scheduled time joined."""
    kinds = [*ARRIVED, *LEFT, ActivityType.WORK_COMPLETED]
    arrived, left = Q(activity_type__in=ARRIVED), Q(activity_type__in=LEFT)
    since_start = ExpressionWrapper(
        F("created_at") - Value(start, output_field=DateTimeField()), output_field=DurationField()
    )
    rows = (
        _period_activity(start, end, technician, kinds)
        .values(
            "technician_id",
            "work_order_id",
            "work_order__job_type",
            "work_order__customer_id",
            "work_order__scheduled_for",
        )
        .annotate(
            first_arrival=Min("created_at", filter=arrived),
            first_leave=Min("created_at", filter=left),
            arrivals=Count("activity_type", filter=arrived),
            leaves=Count("activity_type", filter=left),
            arrived_sum=Sum(since_start, filter=arrived),
            left_sum=Sum(since_start, filter=left),
            completed_at=Max("created_at", filter=Q(activity_type=ActivityType.WORK_COMPLETED)),
        )
        .order_by()
        .values_list(
            "technician_id",
            "work_order_id",
            "work_order__job_type",
            "work_order__customer_id",
            "work_order__scheduled_for",
            "first_arrival",
            "first_leave",
            "arrivals",
            "leaves",
            "arrived_sum",
            "left_sum",
            "completed_at",
        )
    )
    if company:  # the whole company's period; one technician's week is small
        with _random_reads_priced_as_cached():
            rows = list(rows)
    visits = []
    for (
        technician_id,
        order_id,
        job_type,
        customer_id,
        scheduled_for,
        first_arrival,
        first_leave,
        arrivals,
        leaves,
        arrived_sum,
        left_sum,
        completed_at,
    ) in rows:
        on_site = site_time_from_sums(
            start=start,
            now=now,
            arrivals=arrivals,
            leaves=leaves,
            arrived_sum=arrived_sum,
            left_sum=left_sum,
            first_arrival=first_arrival,
            first_leave=first_leave,
        )
        visits.append(
            _Visit(
                technician_id,
                order_id,
                job_type or "",
                customer_id,
                scheduled_for,
                first_arrival,
                on_site,
                completed_at,
            )
        )
    return visits


@contextmanager
def _random_reads_priced_as_cached():
    """PostgreSQL's default random_page_cost (4) prices an index probe as a disk seek: it then
    joins a week's visits to their work orders by reading all of work_orders (52 ms at a year of
    500 technicians) rather than by primary key (17 ms). On an SSD, or with the table in memory,
    1.1 is the usual value; set here, for this query only (SET LOCAL in its own transaction)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        # set_config(..., true) is SET LOCAL; the value before is put back, so a request that was
        # already in a transaction plans its later queries as before.
        cursor.execute(
            "SELECT current_setting('random_page_cost'), set_config('random_page_cost', '1.1', true)"
        )
        [before, _] = cursor.fetchone()
        try:
            yield
        finally:
            cursor.execute("SELECT set_config('random_page_cost', %s, true)", [before])


def _period_activity(start: datetime, end: datetime, technician: Technician | None, kinds):
    activities = TechnicianActivity.objects.filter(
        created_at__gte=start, created_at__lt=end, activity_type__in=kinds, work_order__isnull=False
    )
    return activities.filter(technician=technician) if technician is not None else activities


def _span(start_field: str, end_field: str, now: datetime):
    """end - start in SQL, a span still open (or past now) cut at now."""
    until = Least(Coalesce(F(end_field), Value(now)), Value(now))
    return ExpressionWrapper(until - F(start_field), output_field=DurationField())


def build_report(*, first: date, last: date, technician: Technician | None = None) -> Report:
    """Every number of the reports page for the days first..last (in the company's zone)."""
    first, last = clamp_period(first, last)
    start, end = days_bounds(first, last + timedelta(days=1))
    now = min(clock.now(), end)
    zone = timezone.get_current_timezone()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    mine = {"technician": technician} if technician else {}
    people = Technician.objects.filter(pk=technician.pk) if technician else Technician.objects.all()
    numbers = {t.pk: TechnicianNumbers(t.pk, t.name) for t in people.only("pk", "name")}

    def row(technician_id: int | None) -> TechnicianNumbers | None:
        return numbers.get(technician_id)

    # Clocked time, summed by the database, and the days each technician worked (one row per
    # technician and day: a count of distinct days would make the database sort the period's
    # records by technician).
    shifts = ClockRecord.objects.filter(clock_in_time__gte=start, clock_in_time__lt=end, **mine)
    clocked = (
        shifts.values("technician_id")
        .annotate(clocked=Sum(_span("clock_in_time", "clock_out_time", now)))
        .order_by()
        .values_list("technician_id", "clocked")
    )
    for technician_id, total in clocked:
        if numbers_row := row(technician_id):
            numbers_row.clocked = total or timedelta()
    worked = (
        shifts.annotate(day=TruncDate("clock_in_time", tzinfo=zone))
        .values_list("technician_id", "day")
        .order_by()
        .distinct()
    )
    for technician_id, _ in worked:
        if numbers_row := row(technician_id):
            numbers_row.days_worked += 1

    # Travel.
    travel = (
        TravelLog.objects.filter(travel_start_time__gte=start, travel_start_time__lt=end, **mine)
        .values("technician_id")
        .annotate(travel=Sum(_span("travel_start_time", "travel_end_time", now)))
        .order_by()
        .values_list("technician_id", "travel")
    )
    for technician_id, total in travel:
        if numbers_row := row(technician_id):
            numbers_row.travel = total or timedelta()

    # Activity: time on site per job, arrivals, completions.
    visits = _visits(start, end, technician, now)
    grace = timedelta(minutes=settings.TECHFLOW_LATE_START_MINUTES)
    on_site_by_order: dict[int, timedelta] = defaultdict(timedelta)
    completed: dict[int, _Visit] = {}
    for visit in visits:
        if visit.completed_at and (
            visit.order_id not in completed or completed[visit.order_id].completed_at < visit.completed_at
        ):
            completed[visit.order_id] = visit
        numbers_row = row(visit.technician_id)
        if numbers_row is None:
            continue
        numbers_row.on_site += visit.on_site
        on_site_by_order[visit.order_id] += visit.on_site
        if visit.first_arrival and visit.scheduled_for:
            numbers_row.arrivals += 1
            numbers_row.on_time += visit.first_arrival <= visit.scheduled_for + grace

    # Completed jobs: per technician per day, first-time fixes, by job type.
    jobs_by_day: dict[int, Counter] = defaultdict(Counter)
    # The completed jobs of the period, as a subquery (not a list of ids) for the parts below.
    completions = _period_activity(start, end, technician, [ActivityType.WORK_COMPLETED])
    customers = {visit.customer_id for visit in completed.values() if visit.customer_id}
    follow_ups: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    if completed:
        # Each customer's orders through idx_work_orders_customer_created.
        for pk, customer_id, created_at in (
            WorkOrder.objects.filter(
                customer_id__in=customers,
                created_at__gte=start,
                created_at__lt=end + timedelta(days=FOLLOW_UP_DAYS),
            )
            .order_by()
            .values_list("pk", "customer_id", "created_at")
        ):
            follow_ups[customer_id].append((pk, created_at))
    types = {value: JobTypeNumbers(value, label) for value, label in JobType.choices}
    types[""] = JobTypeNumbers("", "No job type")
    for order_id, visit in completed.items():
        numbers_row = row(visit.technician_id)
        if numbers_row is None:
            continue
        at = visit.completed_at
        numbers_row.jobs += 1
        jobs_by_day[visit.technician_id][at.astimezone(zone).date()] += 1
        window_end = at + timedelta(days=FOLLOW_UP_DAYS)
        later = [pk for pk, created in follow_ups.get(visit.customer_id, []) if at < created <= window_end]
        if not [pk for pk in later if pk != order_id]:
            numbers_row.first_time_fixes += 1
        type_row = types.get(visit.job_type) or types[""]
        type_row.jobs += 1
        type_row.on_site += on_site_by_order.get(order_id, timedelta())

    # Parts cost of the completed jobs, by job type, where the items have a cost.
    if completed:
        for order_id, change, cost in StockMovement.objects.filter(
            work_order_id__in=completions.values("work_order_id"),
            kind__in=[MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB],
            item__unit_cost__isnull=False,
        ).values_list("work_order_id", "quantity_change", "item__unit_cost"):
            type_row = types.get(completed[order_id].job_type) or types[""]
            type_row.parts_cost += -change * cost
            type_row.costed_parts += -change

    # Calls answered and missed, per day.
    calls_by_day: dict[date, Counter] = {day: Counter() for day in days}
    calls = CommunicationMessage.objects.calls().filter(created_at__gte=start, created_at__lt=end)
    if technician:
        calls = calls.filter(technician=technician)
    for at, call_type in calls.values_list("created_at", "call_detail__call_type"):
        calls_by_day.setdefault(at.astimezone(zone).date(), Counter())[call_type] += 1

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
    visits = _visits(start, end, technician, now, company=False)
    completed = {visit.order_id for visit in visits if visit.completed_at}
    return Week(jobs=len(completed), on_site=sum((visit.on_site for visit in visits), timedelta()))
