"""The scheduling rules, in one place: working hours, a job's length, the daily limit, overlaps,
the customer's preferred window, and "the jobs that count on a technician's day".

The services enforce them (`schedule_check` inside work_order_schedule / work_order_open);
availability, the suggestions, the week planner and the board read the same functions, so a
slot one of them offers is a slot the service accepts. Days are calendar days of the
company's time zone (`day_bounds`); a week starts on Monday (`week_start`).
"""

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta, tzinfo
from functools import cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Coalesce
from django.dispatch import receiver
from django.utils import timezone

from dispatch.formatting import clock_time, day_text, length_text  # noqa: F401 (re-exported)
from dispatch.models import (
    Customer,
    JobTypeDuration,
    JobTypeSkill,
    Technician,
    Visit,
    VisitHelper,
    WorkOrder,
    WorkOrderStatus,
)

# A job with no estimate and no length for its type (or no type) blocks its technician this long.
DEFAULT_DURATION = timedelta(hours=2)
# Kept for the code that still means "a job of the default length".
JOB_DURATION = DEFAULT_DURATION

Interval = tuple[datetime, datetime]  # [start, end): a job occupies its technician from start until end


@cache
def _clock_setting(name: str, default: time | None) -> time | None:
    """A time setting, read once: the suggestions ask for the hours of every technician at every
    start (36,000 reads for one Suggest at 500 technicians). A changed setting (a test's) clears it."""
    value = getattr(settings, name, None)
    if value in (None, ""):
        return default
    return value if isinstance(value, time) else time.fromisoformat(str(value))


@receiver(setting_changed)
def _forget_settings(*, setting: str, **kwargs) -> None:
    if setting.startswith("TECHFLOW_"):
        _clock_setting.cache_clear()


def is_weekend(day: date) -> bool:
    return day.weekday() >= 5


def company_hours(day: date | None = None) -> tuple[time, time]:
    """The working hours of a technician with none of their own (TECHFLOW_WORK_START / _END), and
    on a Saturday or Sunday `day` the company's weekend hours when it has them."""
    if day is not None and is_weekend(day):
        return work_hours(None, day)
    return _clock_setting("TECHFLOW_WORK_START", time(7)), _clock_setting("TECHFLOW_WORK_END", time(17))


def company_weekend_hours() -> tuple[time, time] | None:
    """The company's own weekend hours, None when Saturday and Sunday have the weekday hours."""
    start = _clock_setting("TECHFLOW_WEEKEND_WORK_START", None)
    end = _clock_setting("TECHFLOW_WEEKEND_WORK_END", None)
    if start is None and end is None:
        return None
    weekday = company_hours()
    return start or weekday[0], end or weekday[1]


def work_hours(technician: Technician | None, day: date | None = None) -> tuple[time, time]:
    """When `technician` works on `day`, in the company's time zone.

    On a weekday (or with no day): their own hours, else the company's. On a Saturday or Sunday:
    their own weekend hours, else the company's weekend hours when the company has them, else
    their weekday hours.
    """
    start, end = company_hours()
    if technician is not None:
        start, end = technician.work_start or start, technician.work_end or end
    if day is None or not is_weekend(day):
        return start, end
    fallback_start, fallback_end = company_weekend_hours() or (start, end)
    if technician is None:
        return fallback_start, fallback_end
    return technician.weekend_start or fallback_start, technician.weekend_end or fallback_end


def max_jobs_per_day() -> int | None:
    """The optional cap on a technician's jobs a day (TECHFLOW_MAX_JOBS_PER_DAY); None: no cap."""
    value = getattr(settings, "TECHFLOW_MAX_JOBS_PER_DAY", None)
    return int(value) if value else None


def job_hours() -> int:
    return int(DEFAULT_DURATION.total_seconds() // 3600)


# A job's length ----------------------------------------------------------------------


def type_minutes() -> dict[str, int]:
    """Minutes per job type, as the office set them: one query."""
    return dict(JobTypeDuration.objects.values_list("job_type", "minutes"))


def duration_from(estimated_minutes: int | None, job_type: str | None, lengths: dict[str, int]) -> timedelta:
    """A job's length from its own estimate, else its type's length (`lengths`), else the default."""
    if estimated_minutes:
        return timedelta(minutes=estimated_minutes)
    if job_type and job_type in lengths:
        return timedelta(minutes=lengths[job_type])
    return DEFAULT_DURATION


def duration_of(order: WorkOrder, lengths: dict[str, int] | None = None) -> timedelta:
    """How long `order` takes: its estimate, else its type's length (one query unless `lengths`)."""
    if order.estimated_minutes:
        return timedelta(minutes=order.estimated_minutes)
    return duration_from(None, order.job_type, type_minutes() if lengths is None else lengths)


def durations_of(orders: Iterable[WorkOrder]) -> dict[int, timedelta]:
    """Each order's length by id: one query for the type lengths, whatever the number of orders."""
    lengths = type_minutes()
    return {order.pk: duration_of(order, lengths) for order in orders}


# Days and weeks in the company's time zone ---------------------------------------------


def at_time(day: date, at: time, zone: tzinfo | None = None) -> datetime:
    """`at` on `day`, in the company's time zone (`zone`, when the caller has it at hand)."""
    if zone is not None:
        return datetime.combine(day, at, tzinfo=zone)  # what make_aware does, without its checks
    return timezone.make_aware(datetime.combine(day, at))


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """Midnight to midnight of a calendar day in the company's time zone."""
    return at_time(day, time.min), at_time(day + timedelta(days=1), time.min)


def days_bounds(first: date, after: date) -> tuple[datetime, datetime]:
    """From midnight of `first` to midnight of `after` (not included), in the company's time zone."""
    return at_time(first, time.min), at_time(after, time.min)


def week_start(day: date) -> date:
    """The Monday of `day`'s week."""
    return day - timedelta(days=day.weekday())


def week_of(day: date) -> tuple[date, date]:
    """Monday of `day`'s week and the Monday after."""
    first = week_start(day)
    return first, first + timedelta(days=7)


def last_start(
    day: date, duration: timedelta = DEFAULT_DURATION, technician: Technician | None = None
) -> datetime:
    """The latest time a job of `duration` can start on `day` and still end inside working hours."""
    return at_time(day, work_hours(technician, day)[1]) - duration


# The rules -----------------------------------------------------------------------------


class OutsidePreferredWindow(ValidationError):
    """The time is outside the customer's preferred window; the dispatcher may confirm an override."""


class MissingSkill(ValidationError):
    """The technician lacks a skill the job type requires; the dispatcher may confirm an override."""


def skill_refusals(
    technician_skills: Iterable[str], required_skills: Iterable[str], *, name: str = "The technician"
) -> list[str]:
    """Why a technician with `technician_skills` can't take a job needing `required_skills` (names).

    Pure: the suggestions check every candidate against skills read once.
    """
    missing = sorted(set(required_skills) - set(technician_skills))
    if not missing:
        return []
    plural = "s" if len(missing) > 1 else ""
    return [f"{name} doesn't have the skill{plural} this job needs: {', '.join(missing)}."]


def required_skills(job_type: str | None) -> set[str]:
    """The names of the skills a job type requires (job_type_skills): one query, none without a type."""
    if not job_type:
        return set()
    return set(JobTypeSkill.objects.filter(job_type=job_type).values_list("skill__name", flat=True))


def technician_skill_names(technician: Technician) -> set[str]:
    return set(technician.skills.values_list("name", flat=True))


def schedule_refusals(
    *,
    technician: Technician,
    start: datetime,
    duration: timedelta = DEFAULT_DURATION,
    same_day_jobs: Iterable[Interval],
    explain: bool = True,
) -> list[str]:
    """Why `technician` can't take a job of `duration` at `start`, given the intervals
    [start, end) of their other jobs that day.

    A job occupies [start, start + duration): it must lie inside the technician's working hours
    (ending exactly at their end is fine), may touch but not overlap another job (back to back
    is fine), and the day may not exceed the optional cap. A pure function so that the forms,
    the suggestions and the planner check without a query per technician. With `explain=False`
    each refusal is only named ("inactive", "hours", "cap", "overlap"), not worded: the
    suggestions check thousands of starts and show the words of the first two refusals only.
    """
    # The zone is read once: each of Django's lookups of the current zone goes through a
    # thread-local, and the suggestions call this for every technician and start.
    zone = timezone.get_current_timezone()
    local = start.astimezone(zone)
    day = local.date()
    begins, ends = work_hours(technician, day)
    refused: list[tuple[str, Callable[[], str]]] = []

    def hours() -> str:
        first = technician.name.split()[0] if technician.name else "The technician"
        on = f" on {local:%A}s" if is_weekend(day) else ""
        return f"{first}'s working hours{on} are {clock_time(begins)} to {clock_time(ends)}"

    def end() -> datetime:
        return (start + duration).astimezone(zone)

    if not technician.active:
        refused.append(("inactive", lambda: f"{technician.name} is not an active technician."))
    if start < at_time(day, begins, zone):
        refused.append(
            (
                "hours",
                lambda: (
                    f"A {length_text(duration)} job can't start at {clock_time(local.time())}: {hours()}."
                ),
            )
        )
    elif start + duration > at_time(day, ends, zone):
        refused.append(
            (
                "hours",
                lambda: (
                    f"A {length_text(duration)} job at {clock_time(local.time())} would run until "
                    f"{clock_time(end().time())}{' the next day' if end().date() != day else ''}: {hours()}."
                ),
            )
        )
    jobs = sorted(same_day_jobs)
    limit = max_jobs_per_day()
    if limit and len(jobs) >= limit:
        refused.append(
            (
                "cap",
                lambda: (
                    f"{technician.name} already has {len(jobs)} jobs on {day_text(day)}; "
                    f"the limit is {limit}."
                ),
            )
        )
    clashes = [(s, e) for s, e in jobs if s < start + duration and start < e]
    if clashes:

        def overlap() -> str:
            at, until = (t.astimezone(zone).time() for t in clashes[0])
            return (
                f"{technician.name} already has a job from {clock_time(at)} to {clock_time(until)} "
                f"that this one ({clock_time(local.time())}–{clock_time(end().time())}) would overlap."
            )

        refused.append(("overlap", overlap))
    return [word() if explain else kind for kind, word in refused]


def window_text(customer: Customer | None) -> str:
    """The customer's preferred window as "9:00 AM–12:00 PM", or '' when they have none."""
    if not has_window(customer):
        return ""
    return f"{clock_time(customer.preferred_schedule_start)}–{clock_time(customer.preferred_schedule_end)}"


def has_window(customer: Customer | None) -> bool:
    return (
        customer is not None
        and customer.preferred_schedule_start is not None
        and customer.preferred_schedule_end is not None
    )


def preferred_window_warning(*, customer: Customer | None, start: datetime) -> str:
    """A message when `start` is outside the customer's preferred window, else ''.

    The window is when the customer wants the technician to arrive: the job starts inside it.
    """
    if not has_window(customer):
        return ""
    at = timezone.localtime(start).time()
    if customer.preferred_schedule_start <= at <= customer.preferred_schedule_end:
        return ""
    return (
        f"{clock_time(at)} is outside {customer.name}'s preferred window, "
        f"{clock_time(customer.preferred_schedule_start)} to {clock_time(customer.preferred_schedule_end)}."
    )


def placement_refusals(
    *,
    technician: Technician,
    start: datetime,
    duration: timedelta = DEFAULT_DURATION,
    same_day_jobs: Iterable[Interval],
    customer: Customer | None,
    technician_skills: Iterable[str] | None = None,
    required: Iterable[str] = (),
    explain: bool = True,
) -> list[str]:
    """Every rule a booking must meet with no override: the schedule rules, the job's skills (when
    `technician_skills` is given) and the preferred window.

    Pure, so the suggestions and the week planner check a placement by the same rules as
    work_order_schedule without a query per candidate. `explain=False`: the schedule rules'
    refusals named only (schedule_refusals).
    """
    reasons = schedule_refusals(
        technician=technician, start=start, duration=duration, same_day_jobs=same_day_jobs, explain=explain
    )
    if technician_skills is not None:
        reasons += skill_refusals(technician_skills, required, name=technician.name)
    warning = preferred_window_warning(customer=customer, start=start)
    return [*reasons, warning] if warning else reasons


# The jobs that count -------------------------------------------------------------------


def intervals(rows: Iterable[tuple], lengths: dict[str, int]) -> list[tuple[int, datetime, datetime]]:
    """(technician id, start, end) from (technician id, start, estimated_minutes, job_type) rows."""
    return [
        (tech, at, at + duration_from(minutes, job_type, lengths)) for tech, at, minutes, job_type in rows
    ]


INTERVAL_FIELDS = ("assigned_technician_id", "scheduled_for", "estimated_minutes", "job_type")


def crew_rows(
    first: date,
    after: date,
    *,
    technician: Technician | None = None,
    technician_ids: Iterable[int] | None = None,
) -> list[tuple[int, datetime, int | None, str | None, int, object, str, str | None]]:
    """The crew part of the jobs that count, from `first` up to `after`: one query.

    (technician id, start, estimated_minutes, job_type, work order id, visit id or None, "lead" or
    "helper", the visit's lead's name) for each
    later visit's lead and each helper (on the first visit, the order's own time and length; on a
    later visit, that visit's), of orders not cancelled. With the orders' own rows (`booked()`,
    the first visits' leads) this is every booking a technician has.
    """
    start, end = days_bounds(first, after)
    live = ~Q(work_order__status=WorkOrderStatus.CANCELLED)
    leads = (
        Visit.objects.filter(live, starts_at__gte=start, starts_at__lt=end)
        .annotate(role=Value("lead"), lead_name=F("lead__name"))
        .values_list(
            "lead_id",
            "starts_at",
            "estimated_minutes",
            "work_order__job_type",
            "work_order_id",
            "id",
            "role",
            "lead_name",
        )
    )
    helpers = (
        VisitHelper.objects.filter(live)
        .annotate(
            at=Coalesce("visit__starts_at", "work_order__scheduled_for"),
            minutes=Case(
                When(visit__isnull=True, then=F("work_order__estimated_minutes")),
                default=F("visit__estimated_minutes"),
            ),
            role=Value("helper"),
            lead_name=Coalesce("visit__lead__name", "work_order__assigned_technician__name"),
        )
        .filter(at__gte=start, at__lt=end)
        .values_list(
            "technician_id",
            "at",
            "minutes",
            "work_order__job_type",
            "work_order_id",
            "visit_id",
            "role",
            "lead_name",
        )
    )
    if technician is not None:
        leads, helpers = leads.filter(lead=technician), helpers.filter(technician=technician)
    if technician_ids is not None:
        ids = list(technician_ids)
        leads, helpers = leads.filter(lead__in=ids), helpers.filter(technician__in=ids)
    return list(leads.order_by().union(helpers.order_by(), all=True))


def visit_of_the_day(work_order: WorkOrder, technician: Technician, day: date) -> Visit | None:
    """The later visit of `work_order` that `technician` is on, `day` (its lead or a helper), or None
    when their visit that day is the first (the order itself) or they have none: one query at most."""
    first = work_order.scheduled_for
    if work_order.assigned_technician_id == technician.pk and first and timezone.localdate(first) == day:
        return None
    start, end = day_bounds(day)
    return (
        Visit.objects.filter(Q(lead=technician) | Q(helpers__technician=technician), work_order=work_order)
        .filter(starts_at__gte=start, starts_at__lt=end)
        .order_by("starts_at")
        .first()
    )


def visit_after(work_order: WorkOrder, day: date) -> Visit | None:
    """The order's first later visit on a day after `day`, or None: while there is one, the job is not
    done (its last visit's lead completes it)."""
    return (
        Visit.objects.filter(work_order=work_order, starts_at__gte=day_bounds(day)[1])
        .order_by("starts_at")
        .first()
    )


def completion_refusal(work_order: WorkOrder, day: date) -> str | None:
    """Why the order can't be completed on `day` (a later visit is still ahead), or None."""
    ahead = visit_after(work_order, day)
    if ahead is None:
        return None
    local = timezone.localtime(ahead.starts_at)
    return (
        f"Job #{work_order.pk} has another visit on {day_text(local.date())} at {clock_time(local.time())}: "
        "leave site for today; it is completed on its last visit (or the office removes that visit)."
    )


def crew_visit_starts(work_order: WorkOrder, technician: Technician) -> list[datetime]:
    """When `technician`'s visits of `work_order` start, as a later visit's lead or a helper: one query."""
    leads = Visit.objects.filter(work_order=work_order, lead=technician).values_list("starts_at")
    helpers = (
        VisitHelper.objects.filter(work_order=work_order, technician=technician)
        .annotate(at=Coalesce("visit__starts_at", "work_order__scheduled_for"))
        .values_list("at")
    )
    return sorted(at for (at,) in leads.order_by().union(helpers.order_by(), all=True) if at is not None)


def booked_jobs(
    first: date, after: date, exclude: Iterable[int] = ()
) -> list[tuple[int, datetime, datetime]]:
    """(technician id, start, end) of every booking from `first` up to `after`, a crew's helpers and
    later visits included: three queries."""
    return [(tech, at, end) for tech, at, end, _ in _bookings(first, after, exclude, places=False)]


Place = tuple[float, float]


def booked_jobs_with_places(
    first: date, after: date, exclude: Iterable[int] = ()
) -> list[tuple[int, datetime, datetime, Place | None]]:
    """booked_jobs, each with where it is: its customer's (latitude, longitude), None when the
    customer has none. Four queries."""
    return _bookings(first, after, exclude, places=True)


def _bookings(first: date, after: date, exclude: Iterable[int], *, places: bool) -> list[tuple]:
    excluded = set(exclude)
    where = ("customer__latitude", "customer__longitude") if places else ()
    rows = list(
        WorkOrder.objects.booked()
        .in_days(first, after)
        .exclude(pk__in=list(excluded))
        .values_list(*INTERVAL_FIELDS, *where)
    )
    crews = [row for row in crew_rows(first, after) if row[4] not in excluded]
    spans = intervals([*(row[:4] for row in rows), *(row[:4] for row in crews)], type_minutes())
    if not places:
        return [(*span, None) for span in spans]
    crew_places = order_places(row[4] for row in crews) if crews else {}
    found = [place(*row[4:]) for row in rows] + [crew_places.get(row[4]) for row in crews]
    return [(*span, at) for span, at in zip(spans, found, strict=True)]


def order_places(order_ids: Iterable[int]) -> dict[int, Place | None]:
    """Where each of these work orders is (its customer's place): one query."""
    coordinates = WorkOrder.objects.filter(pk__in=set(order_ids)).values_list(
        "pk", "customer__latitude", "customer__longitude"
    )
    return {pk: place(latitude, longitude) for pk, latitude, longitude in coordinates}


def place(latitude, longitude) -> Place | None:
    """A place as drive times take it, (latitude, longitude) in floats; None when either is unknown."""
    return None if latitude is None or longitude is None else (float(latitude), float(longitude))


def schedule_check(
    *,
    technician: Technician,
    start: datetime,
    customer: Customer | None,
    exclude_pk: int | None,
    override_window: bool,
    duration: timedelta = DEFAULT_DURATION,
    job_type: str | None = None,
    override_skills: bool = False,
    exclude_visit=None,
) -> list[str]:
    """Refuse a booking that breaks a rule (ValidationError with every reason), or that is outside
    the customer's window unless `override_window` (OutsidePreferredWindow), or whose technician
    lacks a skill `job_type` requires unless `override_skills` (MissingSkill). Returns the skill
    refusals that were overridden, for the caller to record. Call it in a transaction."""
    # Lock the technician so two dispatchers can't both book the last free slot.
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    day = timezone.localdate(start)
    rows = (
        WorkOrder.objects.booked()
        .for_technician(technician)
        .on_day(day)
        .exclude(pk=exclude_pk)
        .values_list(*INTERVAL_FIELDS)
    )
    # A visit's own rows are not in its way when it moves (`exclude_visit`: a later visit's id,
    # or ("first", order id) for the helpers of an order's first visit).
    crews = [
        row[:4]
        for row in crew_rows(day, day + timedelta(days=1), technician=technician)
        if exclude_visit is None or exclude_visit != (row[5] if row[5] is not None else ("first", row[4]))
    ]
    others = [(s, e) for _, s, e in intervals([*rows, *crews], type_minutes())]
    reasons = schedule_refusals(technician=technician, start=start, duration=duration, same_day_jobs=others)
    if reasons:
        raise ValidationError(reasons)
    warning = preferred_window_warning(customer=customer, start=start)
    if warning and not override_window:
        raise OutsidePreferredWindow(f"{warning} Confirm the override to book it anyway.")
    missing = skill_refusals(
        technician_skill_names(technician), required_skills(job_type), name=technician.name
    )
    if missing and not override_skills:
        raise MissingSkill([*missing, "Confirm the override to book this technician anyway."])
    return missing


def later_visits_begun(orders, now: datetime) -> dict[int, tuple[datetime, int | None]]:
    """For each of `orders` (a list or a queryset) with a later visit begun by `now`: the latest such
    visit's (start, estimated_minutes). A job in progress over several visits is running over only
    past the end of the visit it is on, not of its first: one query."""
    ids = orders.values("pk") if hasattr(orders, "values") else [order.pk for order in orders]
    begun: dict[int, tuple[datetime, int | None]] = {}
    for order_id, start, minutes in (
        Visit.objects.filter(work_order__in=ids, starts_at__lte=now)
        .order_by("work_order_id", "starts_at")
        .values_list("work_order_id", "starts_at", "estimated_minutes")
    ):
        begun[order_id] = (start, minutes)
    return begun


def overrun(order: WorkOrder, duration: timedelta, now: datetime) -> timedelta:
    """How far an open job in progress has run past its planned end at `now` (zero if not)."""
    if order.status != "in_progress" or order.scheduled_for is None:
        return timedelta(0)
    return max(timedelta(0), now - (order.scheduled_for + duration))
