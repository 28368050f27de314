"""The numbers a manager runs the business on, for a period and optionally one technician.

A period is the sum of its days. `_day_facts` works out one day from the clock, travel, activity
and stock records; a day that has ended is worked out once and kept (the rollup: report_days,
report_technician_days, report_jobs), so a report reads a fixed number of queries over a few
hundred rows whatever the period, and works out only today from the records. Time on site is
summed by the database, one row per technician and job, and turned into time by
fieldops.selectors.site_time_from_sums (paired_spans' arithmetic on sums).
"""

import logging
from collections import Counter, defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import OperationalError, connection, transaction
from django.db.models import (
    Count,
    DateTimeField,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone

from dispatch import clock
from dispatch.models import CallType, CommunicationMessage, JobType, Technician, WorkOrder
from dispatch.scheduling import days_bounds, week_start
from fieldops.models import (
    ActivityType,
    ClockRecord,
    ReportDay,
    ReportJob,
    ReportTechnicianDay,
    TechnicianActivity,
    TravelLog,
)
from fieldops.selectors import ARRIVED, LEFT, site_time_from_sums
from inventory.models import MovementKind, StockMovement

logger = logging.getLogger(__name__)

FOLLOW_UP_DAYS = 30
FOLLOW_UP = timedelta(days=FOLLOW_UP_DAYS)
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

    def add_days(self, clocked, days_worked, travel, on_site, arrivals, on_time) -> None:
        """A day's numbers, or a sum of days' (the database's sums are None over no rows)."""
        self.clocked += clocked or timedelta()
        self.days_worked += days_worked or 0
        self.travel += travel or timedelta()
        self.on_site += on_site or timedelta()
        self.arrivals += arrivals or 0
        self.on_time += on_time or 0

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

    def add(self, jobs: int, on_site, parts_cost, costed_parts) -> None:
        self.jobs += jobs
        self.on_site += on_site or timedelta()
        self.parts_cost += parts_cost or Decimal("0")
        self.costed_parts += costed_parts or 0

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
    jobs_per_day: dict[date, int] = field(default_factory=dict)
    calls_by_day: dict[date, Counter] = field(default_factory=dict)

    def _total(self, name: str) -> int:
        return sum(getattr(row, name) for row in self.technicians)

    def _time(self, name: str) -> timedelta:
        return sum((getattr(row, name) for row in self.technicians), timedelta())

    @property
    def jobs(self) -> int:
        return self._total("jobs")

    @property
    def first_time_fixes_total(self) -> int:
        return self._total("first_time_fixes")

    @property
    def first_time_fix_rate(self) -> float | None:
        return ratio(self.first_time_fixes_total, self.jobs)

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


def _site_sums(start: datetime) -> dict:
    """The GROUP BY's sums that fieldops.selectors.site_time_from_sums turns into time on site."""
    arrived, left = Q(activity_type__in=ARRIVED), Q(activity_type__in=LEFT)
    since_start = ExpressionWrapper(
        F("created_at") - Value(start, output_field=DateTimeField()), output_field=DurationField()
    )
    return {
        "first_arrival": Min("created_at", filter=arrived),
        "first_leave": Min("created_at", filter=left),
        "arrivals": Count("activity_type", filter=arrived),
        "leaves": Count("activity_type", filter=left),
        "arrived_sum": Sum(since_start, filter=arrived),
        "left_sum": Sum(since_start, filter=left),
    }


def _visits(
    start: datetime,
    end: datetime,
    technician: Technician | None,
    now: datetime,
    *,
    company: bool = True,
    open_at_start: bool = False,
) -> list[_Visit]:
    """One query, one row per (technician, job) of the period: its arrivals and departures summed
    (fieldops.selectors.site_time_from_sums turns them into time on site), its first arrival and
    its completion, with the job's type, customer and scheduled time joined."""
    kinds = [*ARRIVED, *LEFT, ActivityType.WORK_COMPLETED]
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
            **_site_sums(start),
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
        with _planned_for_memory():
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
            open_at_start=open_at_start,
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
def _planned_for_memory():
    """Two planner settings for the queries within, on PostgreSQL (SET LOCAL, in their own
    transaction, the values before put back after, so a request already in a transaction plans
    its later queries as before):
    - random_page_cost 1.1, not the default 4, which prices an index probe as a disk seek: a
      week's visits were then joined to their work orders by reading all of work_orders (52 ms at
      a year of 500 technicians) rather than by primary key (17 ms). 1.1 is the usual value on an
      SSD or with the tables in memory.
    - jit off: a quarter's first-time-fix check (one index probe per job) is priced high enough
      to be compiled, and compiling it took 170 ms of a query that runs in 20.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('random_page_cost'), current_setting('jit'),"
            " set_config('random_page_cost', '1.1', true), set_config('jit', 'off', true)"
        )
        [cost, jit, _, _] = cursor.fetchone()
        try:
            yield
        finally:
            cursor.execute(
                "SELECT set_config('random_page_cost', %s, true), set_config('jit', %s, true)", [cost, jit]
            )


def _period_activity(start: datetime, end: datetime, technician: Technician | None, kinds):
    activities = TechnicianActivity.objects.filter(
        created_at__gte=start, created_at__lt=end, activity_type__in=kinds, work_order__isnull=False
    )
    return activities.filter(technician=technician) if technician is not None else activities


# A shift or a drive begun the day before and open at midnight counts its part of the next day
# too; one begun longer ago than this is not looked for.
CARRIED_OVER = timedelta(days=1)


def _within(start_field: str, end_field: str, start: datetime, now: datetime):
    """In SQL, the part of each span from `start` to `now`: a span still open (or past now) cut at
    now, one begun before `start` counted from it."""
    until = Least(Coalesce(F(end_field), Value(now)), Value(now))
    since = Greatest(F(start_field), Value(start, output_field=DateTimeField()))
    return ExpressionWrapper(until - since, output_field=DurationField())


def _spans_into(model, start_field: str, end_field: str, start: datetime, end: datetime):
    """The rows of `model` whose span overlaps [start, end): begun that day, or the day before and
    not ended by `start`."""
    return model.objects.filter(
        Q(**{f"{end_field}__isnull": True}) | Q(**{f"{end_field}__gt": start}),
        **{f"{start_field}__gte": start - CARRIED_OVER, f"{start_field}__lt": end},
    )


def _technician_day(
    facts: dict[int, ReportTechnicianDay], day: date, technician_id: int
) -> ReportTechnicianDay:
    if technician_id not in facts:
        facts[technician_id] = ReportTechnicianDay(
            day=day,
            technician_id=technician_id,
            clocked=timedelta(),
            worked=False,
            travel=timedelta(),
            on_site=timedelta(),
            arrivals=0,
            on_time=0,
        )
    return facts[technician_id]


def _day_facts(day: date, now: datetime) -> tuple[list[ReportTechnicianDay], list[ReportJob]]:
    """One day's numbers, from the clock, travel, activity and stock records, as (unsaved) rollup
    rows: one per technician who did something, one per job completed that day.

    A day is midnight to midnight in the company's zone. A visit, a shift or a drive open at
    midnight counts up to midnight, and on the next day from midnight to its end (a day worked is
    a day with a clock-in). A job completed twice on one day counts once, for the last to complete
    it; its time on site is every visit's, from its first arrival to that day's end.
    """
    start, end = days_bounds(day, day + timedelta(days=1))
    now = min(now, end)
    facts: dict[int, ReportTechnicianDay] = {}

    for technician_id, total, began in (
        _spans_into(ClockRecord, "clock_in_time", "clock_out_time", start, end)
        .values("technician_id")
        .annotate(
            clocked=Sum(_within("clock_in_time", "clock_out_time", start, now)),
            began=Count("pk", filter=Q(clock_in_time__gte=start)),
        )
        .order_by()
        .values_list("technician_id", "clocked", "began")
    ):
        row = _technician_day(facts, day, technician_id)
        row.clocked, row.worked = total or timedelta(), bool(began)  # a day worked: a clock-in
    for technician_id, total in (
        _spans_into(TravelLog, "travel_start_time", "travel_end_time", start, end)
        .filter(technician__isnull=False)
        .values("technician_id")
        .annotate(travel=Sum(_within("travel_start_time", "travel_end_time", start, now)))
        .order_by()
        .values_list("technician_id", "travel")
    ):
        _technician_day(facts, day, technician_id).travel = total or timedelta()

    completed: dict[int, _Visit] = {}
    for visit in _visits(start, end, None, now, company=False, open_at_start=True):
        if visit.on_site:
            _technician_day(facts, day, visit.technician_id).on_site += visit.on_site
        if visit.completed_at and (
            visit.order_id not in completed or completed[visit.order_id].completed_at < visit.completed_at
        ):
            completed[visit.order_id] = visit

    # On-time arrival: each visit's first arrival (a return to the same visit is not judged
    # again), against that visit's start: the order's for the first visit, its own for a later one.
    grace = timedelta(minutes=settings.TECHFLOW_LATE_START_MINUTES)
    arrivals = list(
        TechnicianActivity.objects.filter(
            created_at__gte=start, created_at__lt=end, activity_type__in=ARRIVED, work_order__isnull=False
        )
        .order_by("created_at", "sequence")
        .values_list(
            "technician_id",
            "work_order_id",
            "visit_id",
            "created_at",
            "visit__starts_at",
            "work_order__scheduled_for",
        )
    )
    judged = set(
        TechnicianActivity.objects.filter(
            created_at__lt=start,
            activity_type__in=ARRIVED,
            work_order_id__in={order_id for _, order_id, *_ in arrivals},
        )
        .order_by()
        .values_list("technician_id", "work_order_id", "visit_id")
        .distinct()
    )
    for technician_id, order_id, visit_id, at, visit_start, scheduled_for in arrivals:
        if (technician_id, order_id, visit_id) in judged:
            continue
        judged.add((technician_id, order_id, visit_id))
        due = visit_start if visit_id else scheduled_for
        if due is not None:
            row = _technician_day(facts, day, technician_id)
            row.arrivals += 1
            row.on_time += at <= due + grace

    jobs = {
        order_id: ReportJob(
            day=day,
            work_order_id=order_id,
            technician_id=visit.technician_id,
            job_type=visit.job_type,
            customer_id=visit.customer_id,
            completed_at=visit.completed_at,
            on_site=timedelta(),
            parts_cost=Decimal("0"),
            costed_parts=0,
        )
        for order_id, visit in completed.items()
    }
    if jobs:
        # Each job's whole time on site (every visit, by everyone), for the job types' averages.
        site_sums = _site_sums(start)
        for order_id, *sums in (
            TechnicianActivity.objects.filter(
                work_order_id__in=list(jobs), created_at__lt=end, activity_type__in=[*ARRIVED, *LEFT]
            )
            .values("work_order_id")
            .annotate(**site_sums)
            .order_by()
            .values_list("work_order_id", *site_sums)
        ):
            jobs[order_id].on_site = site_time_from_sums(
                start=start, now=now, **dict(zip(site_sums, sums, strict=True))
            )
        for order_id, change, cost in StockMovement.objects.filter(
            work_order_id__in=list(jobs),
            kind__in=[MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB],
            item__unit_cost__isnull=False,
        ).values_list("work_order_id", "quantity_change", "item__unit_cost"):
            jobs[order_id].parts_cost += -change * cost
            jobs[order_id].costed_parts += -change
    return list(facts.values()), list(jobs.values())


# A day is rolled up once it has been over this long: a step written at 23:59 in a transaction that
# commits after midnight is in its records by then (until then the day is worked out live).
SETTLE_MARGIN = timedelta(minutes=10)


def first_open_day() -> date:
    """The first day not rolled up yet because its numbers may still change (today, and yesterday
    for the first SETTLE_MARGIN after midnight)."""
    return timezone.localdate(clock.now() - SETTLE_MARGIN)


def report_days_build(days: list[date]) -> int:
    """Roll up these closed days (first_open_day() and later are left out: their numbers may still
    change), each in its own transaction; a day built again replaces its rows. Returns how many
    were written.

    Safe to run twice at once, and beside a late change to a day's records: each build reads the
    day's version before its records, then locks the day's row and writes only if the version is
    still the one it read and nobody wrote it meanwhile. A day whose records changed during the
    build is left to the next one, and so is one whose database was busy (SQLite's lock).
    """
    outcomes = _report_days_build(days)
    return sum(outcome == _WRITTEN for outcome in outcomes.values())


_WRITTEN, _CURRENT, _CHANGED = "written", "current", "changed"


def _report_days_build(days: list[date]) -> dict[date, str]:
    open_day = first_open_day()
    outcomes = {}
    for day in sorted(d for d in days if d < open_day):
        try:
            outcomes[day] = _report_day_build(day)
        except OperationalError:
            logger.warning("report day %s not rolled up: the database was busy", day, exc_info=True)
            outcomes[day] = _CHANGED
    return outcomes


def _report_day_build(day: date) -> str:
    ReportDay.objects.bulk_create([ReportDay(day=day)], ignore_conflicts=True)
    version, built = ReportDay.objects.filter(day=day).values_list("version", "built_version").get()
    if built == version:
        return _CURRENT
    technician_days, jobs = _day_facts(day, clock.now())
    with transaction.atomic():
        row = ReportDay.objects.select_for_update().get(day=day)
        if row.version != version:
            return _CHANGED  # its records changed while they were read: the next build
        if row.built_version == version:
            return _CURRENT  # another build wrote it meanwhile
        ReportTechnicianDay.objects.filter(day=day).delete()
        ReportJob.objects.filter(day=day).delete()
        ReportTechnicianDay.objects.bulk_create(technician_days)
        ReportJob.objects.bulk_create(jobs)
        row.built_version, row.built_at = version, clock.now()
        row.follow_ups_at = follow_ups_write(ReportJob.objects.filter(day=day))
        row.save(update_fields=["built_version", "built_at", "follow_ups_at"])
    return _WRITTEN


def report_days_missing(first: date, last: date) -> list[date]:
    """The closed days of first..last not rolled up yet, or changed since."""
    return _days_state(first, last)[0]


# A stored day's follow-ups are written again by a report when the periodic job (every 15 minutes)
# has not done it for this long past their lookback: a fresh install or a stopped worker.
FOLLOW_UPS_STALE = timedelta(hours=1)


def _days_state(first: date, last: date) -> tuple[list[date], list[date], datetime | None]:
    """One read of the closed days of first..last: those not rolled up yet (or changed since), those
    whose jobs still open have follow-ups not written lately, and the time the follow-ups of the
    days with open jobs are known as of (the earliest; None when no job is open)."""
    last = min(last, first_open_day() - timedelta(days=1))
    if last < first:
        return [], [], None
    rows = ReportDay.objects.filter(day__gte=first, day__lte=last, built_version=F("version")).annotate(
        open_jobs=Exists(ReportJob.objects.filter(day=OuterRef("day"), followed_up__isnull=True))
    )
    current, stale, known = set(), [], []
    cutoff = clock.now() - follow_ups_lookback() - FOLLOW_UPS_STALE
    for day, follow_ups_at, open_jobs in rows.values_list("day", "follow_ups_at", "open_jobs"):
        current.add(day)
        if open_jobs:
            if follow_ups_at is None or follow_ups_at < cutoff:
                stale.append(day)
            else:
                known.append(follow_ups_at)
    days = (first + timedelta(days=i) for i in range((last - first).days + 1))
    return [day for day in days if day not in current], stale, min(known, default=None)


# Closed days a run of the periodic job rolls up at most (newest first): after an upgrade it works
# back through the history a few months a run, each day about 80 ms at 500 technicians.
CATCH_UP_DAYS = 120


def report_days_catch_up() -> str:
    """The periodic job: roll up the closed days not rolled up yet, or changed since (the day that
    just ended, one a late offline step or an admin's correction changed, the history after an
    upgrade), newest first, at most CATCH_UP_DAYS a run; then write down the settled follow-ups."""
    yesterday = first_open_day() - timedelta(days=1)
    first = ClockRecord.objects.aggregate(first=Min("clock_in_time"))["first"]
    if first is None:
        return f"0 day(s) rolled up, {report_jobs_settle()} job(s) settled"
    missing = report_days_missing(timezone.localdate(first), yesterday)[-CATCH_UP_DAYS:]
    built = report_days_build(missing)
    return f"{built} day(s) rolled up, {report_jobs_settle()} job(s) settled"


def report_day_stale(day: date) -> None:
    """A change to a closed day's records (a step saved offline and sent after midnight, an
    admin's correction): its rollup is out of date, and the next build or report rolls it up again."""
    if day >= clock.localdate():
        return  # today is worked out from the records (a day just over is raised all the same)
    ReportDay.objects.bulk_create([ReportDay(day=day)], ignore_conflicts=True)
    ReportDay.objects.filter(day=day).update(version=F("version") + 1)


def _followed_up():
    """Whether a later order for the same customer came within FOLLOW_UP_DAYS after this
    (outer) report_jobs row's completion, other than the order itself: then it was no fix."""
    return Exists(
        WorkOrder.objects.filter(
            _follow_up(OuterRef("completed_at"), OuterRef("work_order_id")),
            customer_id=OuterRef("customer_id"),
        )
    )


def follow_ups_lookback() -> timedelta:
    """How far before a check an order may turn up dated: one whose transaction was still open
    (SETTLE_MARGIN), or one a phone created offline, dated when it was tapped, up to
    TECHFLOW_OFFLINE_MAX_AGE_HOURS before it was sent (a checklist's follow-up job)."""
    return max(SETTLE_MARGIN, timedelta(hours=settings.TECHFLOW_OFFLINE_MAX_AGE_HOURS))


def follow_ups_write(jobs: QuerySet[ReportJob]) -> datetime:
    """Write down what is known of these rolled-up jobs' follow-ups: followed up as soon as a later
    order for the customer came within FOLLOW_UP_DAYS, not followed up once those days are over
    without one. Returns the time it is known as of: a report asks the work orders only about the
    orders dated since (`_followed_up_since`), which is `follow_ups_lookback()` before the check."""
    now = clock.now()
    with _planned_for_memory():
        unknown = jobs.filter(followed_up__isnull=True)
        unknown.filter(_followed_up()).update(followed_up=True)
        unknown.filter(completed_at__lte=now - FOLLOW_UP).update(followed_up=False)
    return now - follow_ups_lookback()


def report_jobs_settle(days: list[date] | None = None) -> int:
    """Write down the follow-ups of every rolled-up job not known yet (those of the last
    FOLLOW_UP_DAYS; of these `days` only, when given), and move their days' `follow_ups_at` on:
    the periodic job's part, and a report's when that job has not run for a while. Returns how
    many jobs had their answer written.

    The days' rows are locked first, in order, as a build locks its day before its jobs: so a
    build and a settle of the same day wait for each other instead of deadlocking."""
    unknown = ReportJob.objects.filter(followed_up__isnull=True)
    if days is not None:
        unknown = unknown.filter(day__in=days)
    with transaction.atomic():
        locked = list(
            ReportDay.objects.select_for_update()
            .filter(day__in=unknown.values("day"))
            .order_by("day")
            .values_list("day", flat=True)
        )
        if not locked:
            return 0
        unknown = unknown.filter(day__in=locked)
        before = unknown.count()
        ReportDay.objects.filter(day__in=locked).update(follow_ups_at=follow_ups_write(unknown))
        return before - unknown.count()


def _followed_up_since(since: datetime) -> Q:
    """The stored jobs still open when their days' follow-ups were written (the earliest of those
    times: `since`) and followed up by an order dated after it. The orders are a few minutes' (or
    hours') worth, found through their updated_at index (an order is updated when it is created);
    a job is asked about only when its customer has one of them."""
    recent = WorkOrder.objects.filter(updated_at__gt=since, created_at__gt=since, customer__isnull=False)
    later = recent.filter(
        _follow_up(OuterRef("completed_at"), OuterRef("work_order_id")), customer_id=OuterRef("customer_id")
    )
    return Q(followed_up__isnull=True, customer_id__in=recent.values("customer_id")) & Q(Exists(later))


def _follow_up(completed_at, order_id) -> Q:
    """A later order for the same customer within FOLLOW_UP_DAYS after a completion: not a fix."""
    return Q(created_at__gt=completed_at, created_at__lte=completed_at + FOLLOW_UP) & ~Q(pk=order_id)


def _followed_up_live(jobs: list[ReportJob]) -> set[int]:
    """The work orders among these (today's) jobs that a later order for the customer followed."""
    customers = {job.customer_id for job in jobs if job.customer_id}
    if not customers:
        return set()
    earliest = min(job.completed_at for job in jobs)
    later: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for pk, customer_id, created_at in (
        WorkOrder.objects.filter(customer_id__in=customers, created_at__gt=earliest)
        .order_by()
        .values_list("pk", "customer_id", "created_at")
    ):
        later[customer_id].append((pk, created_at))
    return {
        job.work_order_id
        for job in jobs
        if any(
            pk != job.work_order_id and job.completed_at < created <= job.completed_at + FOLLOW_UP
            for pk, created in later.get(job.customer_id, [])
        )
    }


def build_report(
    *, first: date, last: date, technician: Technician | None = None, per_technician_days: int | None = None
) -> Report:
    """Every number of the reports page for the days first..last (in the company's zone).

    A closed day's numbers are read from its rollup (report_technician_days, report_jobs: built by
    the periodic job, or here the first time a day is asked for); today's are worked out from the
    records, by the same _day_facts. So a period is the sum of its days, and the page reads a
    quarter in a few queries of a few hundred rows. `per_technician_days`: give jobs per
    technician per day only when at most this many technicians completed jobs (None: always).
    """
    first, last = clamp_period(first, last)
    today = clock.localdate()
    zone = timezone.get_current_timezone()
    days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
    people = Technician.objects.filter(pk=technician.pk) if technician else Technician.objects.all()
    numbers = {t.pk: TechnicianNumbers(t.pk, t.name) for t in people.only("pk", "name")}
    types = {value: JobTypeNumbers(value, label) for value, label in JobType.choices}
    types[""] = JobTypeNumbers("", "No job type")
    jobs_per_day: Counter = Counter()
    jobs_by_day: dict[int, Counter] = defaultdict(Counter)

    def job_type(value: str) -> JobTypeNumbers:
        return types.get(value) or types[""]

    missing, stale, since = _days_state(first, last)
    if stale:  # the periodic job has not written them lately (no worker): written here
        report_jobs_settle(stale)
        since = _days_state(first, last)[2]
    # Worked out from the records: today, yesterday just after midnight, and any closed day a
    # build just now could not write (it lost a race with a change: rare).
    outcomes = _report_days_build(missing)
    not_current = {day for day in missing if outcomes.get(day) not in (_WRITTEN, _CURRENT)}
    open_day = first_open_day()
    live = [day for day in days if day in not_current or open_day <= day <= today]
    mine = {"technician_id": technician.pk} if technician else {}
    stored_days = {"day__gte": first, "day__lte": min(last, open_day - timedelta(days=1)), **mine}
    stored_rows = (
        ReportTechnicianDay.objects.filter(**stored_days).exclude(day__in=not_current),
        ReportJob.objects.filter(**stored_days).exclude(day__in=not_current),
    )
    # A stored job is a first-time fix unless it is written down as followed up, or an order dated
    # since its day's follow-ups were written follows it up (in the same statement as the count).
    stored_jobs = stored_rows[1]
    fixed = ~Q(followed_up=True)
    if since is not None:
        fixed &= ~_followed_up_since(since)
    with _planned_for_memory():
        for technician_id, clocked, worked, travel, on_site, arrivals, on_time in (
            stored_rows[0]
            .values("technician_id")
            .annotate(
                clocked_sum=Sum("clocked"),
                days_worked=Count("pk", filter=Q(worked=True)),
                travel_sum=Sum("travel"),
                on_site_sum=Sum("on_site"),
                arrivals_sum=Sum("arrivals"),
                on_time_sum=Sum("on_time"),
            )
            .order_by()
            .values_list(
                "technician_id",
                "clocked_sum",
                "days_worked",
                "travel_sum",
                "on_site_sum",
                "arrivals_sum",
                "on_time_sum",
            )
        ):
            if row := numbers.get(technician_id):
                row.add_days(clocked, worked, travel, on_site, arrivals, on_time)
        for technician_id, count, fixes in (
            stored_jobs.values("technician_id")
            .annotate(jobs=Count("pk"), fixes=Count("pk", filter=fixed))
            .order_by()
            .values_list("technician_id", "jobs", "fixes")
        ):
            if row := numbers.get(technician_id):
                row.jobs += count
                row.first_time_fixes += fixes
        # Job types and jobs per day from one pass over the period's jobs (a few hundred groups).
        for value, day, count, on_site, cost, costed in (
            stored_rows[1]
            .values("job_type", "day")
            .annotate(Count("pk"), Sum("on_site"), Sum("parts_cost"), Sum("costed_parts"))
            .order_by()
            .values_list(
                "job_type", "day", "pk__count", "on_site__sum", "parts_cost__sum", "costed_parts__sum"
            )
        ):
            job_type(value).add(count, on_site, cost, costed)
            jobs_per_day[day] += count

    for day in live:
        technician_days, jobs = _day_facts(day, clock.now())
        followed = _followed_up_live(jobs)
        for fact in technician_days:
            if (row := numbers.get(fact.technician_id)) is not None:
                row.add_days(
                    fact.clocked, int(fact.worked), fact.travel, fact.on_site, fact.arrivals, fact.on_time
                )
        for job in jobs:
            if (row := numbers.get(job.technician_id)) is None:
                continue
            row.jobs += 1
            row.first_time_fixes += job.work_order_id not in followed
            job_type(job.job_type).add(1, job.on_site, job.parts_cost, job.costed_parts)
            jobs_per_day[day] += 1
            jobs_by_day[job.technician_id][day] += 1

    with_jobs = [row for row in numbers.values() if row.jobs]
    if per_technician_days is None or len(with_jobs) <= per_technician_days:
        for technician_id, day, count in (
            stored_rows[1]
            .values("technician_id", "day")
            .annotate(Count("pk"))
            .order_by()
            .values_list("technician_id", "day", "pk__count")
        ):
            jobs_by_day[technician_id][day] += count
    else:
        jobs_by_day = defaultdict(Counter)

    # Calls answered and missed, per day.
    start, end = days_bounds(first, last + timedelta(days=1))
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
        jobs_per_day=dict(jobs_per_day),
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
