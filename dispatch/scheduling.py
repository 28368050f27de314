"""The scheduling rules, in one place: working hours, a job's length, the daily limit, overlaps,
the customer's preferred window, and "the jobs that count on a technician's day".

The services enforce them (`schedule_check` inside work_order_schedule / work_order_open);
availability, the suggestions, the week planner and the board read the same functions, so a
slot one of them offers is a slot the service accepts. Days are calendar days of the
company's time zone (`day_bounds`); a week starts on Monday (`week_start`).
"""

from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from dispatch.formatting import clock_time, day_text
from dispatch.models import Customer, JobTypeSkill, Technician, WorkOrder

# A job blocks its technician for this long from its scheduled time: the seed records no
# duration, and the demo day books two jobs per technician with at least 3.5 h between
# their starts, so 2 h is a safe assumption until work orders carry an estimate.
JOB_DURATION = timedelta(hours=2)
# Working hours in the company's time zone: a job starts and ends inside them.
WORKDAY_START = time(7)
WORKDAY_END = time(17)


def max_jobs_per_day() -> int:
    return int(getattr(settings, "TECHFLOW_MAX_JOBS_PER_DAY", 2))


def job_hours() -> int:
    return int(JOB_DURATION.total_seconds() // 3600)


# Days and weeks in the company's time zone ---------------------------------------------


def at_time(day: date, at: time) -> datetime:
    """`at` on `day`, in the company's time zone."""
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


def last_start(day: date) -> datetime:
    """The latest time a job can start on `day` and still end inside working hours."""
    return at_time(day, WORKDAY_END) - JOB_DURATION


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
    *, technician: Technician, start: datetime, same_day_starts: Iterable[datetime]
) -> list[str]:
    """Why `technician` can't take a job at `start`, given the starts of their other jobs that day.

    A pure function so that the forms can show who is free without a query per technician.
    """
    local = timezone.localtime(start)
    end = local + JOB_DURATION
    reasons = []
    if not technician.active:
        reasons.append(f"{technician.name} is not an active technician.")
    if local.time() < WORKDAY_START or end.date() != local.date() or end.time() > WORKDAY_END:
        reasons.append(
            f"A job at {clock_time(local.time())} would run until {clock_time(end.time())}: jobs must fit "
            f"inside working hours, {clock_time(WORKDAY_START)} to {clock_time(WORKDAY_END)} "
            f"({job_hours()} h each)."
        )
    starts = list(same_day_starts)
    limit = max_jobs_per_day()
    if len(starts) >= limit:
        reasons.append(
            f"{technician.name} already has {len(starts)} jobs on {day_text(local.date())}; "
            f"the limit is {limit}."
        )
    clashes = sorted(other for other in starts if abs(other - start) < JOB_DURATION)
    if clashes:
        at = timezone.localtime(clashes[0]).time()
        reasons.append(
            f"{technician.name} already has a job at {clock_time(at)} that would overlap this one."
        )
    return reasons


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
    same_day_starts: Iterable[datetime],
    customer: Customer | None,
    technician_skills: Iterable[str] | None = None,
    required: Iterable[str] = (),
) -> list[str]:
    """Every rule a booking must meet with no override: the schedule rules, the job's skills (when
    `technician_skills` is given) and the preferred window.

    Pure, so the suggestions and the week planner check a placement by the same rules as
    work_order_schedule without a query per candidate.
    """
    reasons = schedule_refusals(technician=technician, start=start, same_day_starts=same_day_starts)
    if technician_skills is not None:
        reasons += skill_refusals(technician_skills, required, name=technician.name)
    warning = preferred_window_warning(customer=customer, start=start)
    return [*reasons, warning] if warning else reasons


# The jobs that count -------------------------------------------------------------------


def booked_starts(first: date, after: date, exclude: Iterable[int] = ()) -> list[tuple[int, datetime]]:
    """(technician id, start) of every job that counts from `first` up to `after`: one query."""
    return list(
        WorkOrder.objects.booked()
        .in_days(first, after)
        .exclude(pk__in=list(exclude))
        .values_list("assigned_technician_id", "scheduled_for")
    )


def schedule_check(
    *,
    technician: Technician,
    start: datetime,
    customer: Customer | None,
    exclude_pk: int | None,
    override_window: bool,
    job_type: str | None = None,
    override_skills: bool = False,
) -> list[str]:
    """Refuse a booking that breaks a rule (ValidationError with every reason), or that is outside
    the customer's window unless `override_window` (OutsidePreferredWindow), or whose technician
    lacks a skill `job_type` requires unless `override_skills` (MissingSkill). Returns the skill
    refusals that were overridden, for the caller to record. Call it in a transaction."""
    # Lock the technician so two dispatchers can't both book the last free slot.
    technician = Technician.objects.select_for_update().get(pk=technician.pk)
    others = (
        WorkOrder.objects.booked()
        .for_technician(technician)
        .on_day(timezone.localdate(start))
        .exclude(pk=exclude_pk)
        .values_list("scheduled_for", flat=True)
    )
    reasons = schedule_refusals(technician=technician, start=start, same_day_starts=others)
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
