"""Who should take a work order on a given day, and why: pure ranking plus one selector.

Feasibility is decided by scheduling.placement_refusals, the same rules work_order_schedule
enforces; this module only chooses among what those rules allow.
"""

import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.db.models import Count
from django.utils import timezone

from dispatch import clock, routing
from dispatch.formatting import clock_time, day_text
from dispatch.models import Customer, Technician, WorkOrder, WorkOrderStatus
from dispatch.scheduling import (
    DEFAULT_DURATION,
    Interval,
    Place,
    at_time,
    booked_jobs_with_places,
    company_hours,
    duration_of,
    length_text,
    max_jobs_per_day,
    place,
    placement_refusals,
    required_skills,
    skill_refusals,
    week_of,
    window_text,
    work_hours,
)

# Drives within the same band of minutes rank alike (then who served the customer, the lighter
# week...): a minute closer doesn't outweigh a fairer load.
DRIVE_BAND = 10

# Candidate start times are tried on this grid (plus the start of the customer's window).
SLOT_STEP = timedelta(minutes=30)


def candidate_starts(
    day: date,
    customer: Customer | None,
    now: datetime,
    duration: timedelta = DEFAULT_DURATION,
    hours: tuple[time, time] | None = None,
) -> list[datetime]:
    """Start times on `day` for a job of `duration` inside working hours (`hours`, the company's
    by default) and the customer's window, later than `now`."""
    begins, ends = hours or company_hours()
    first = at_time(day, time.min)
    latest = at_time(day, ends) - duration
    at = at_time(day, begins)
    times = set()
    while at <= latest:
        times.add(at)
        at += SLOT_STEP
    if customer is not None and customer.preferred_schedule_start is not None:
        times.add(at_time(day, customer.preferred_schedule_start))
        window = (customer.preferred_schedule_start, customer.preferred_schedule_end)
        times = {t for t in times if window[0] <= timezone.localtime(t).time() <= window[1]}
    return sorted(t for t in times if now < t <= latest and t >= first)


def ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


@dataclass
class Suggestion:
    technician: Technician
    free_starts: list[datetime]
    jobs_that_day: int
    week_jobs: int
    served_before: int
    in_zone: bool = False
    # The drive to the customer before the first free start, from the job before it that day or
    # from home; None when either place is unknown.
    drive_minutes: int | None = None
    reasons: list[str] = field(default_factory=list)
    refusals: list[str] = field(default_factory=list)

    @property
    def feasible(self) -> bool:
        return bool(self.free_starts)

    @property
    def start(self) -> datetime | None:
        return self.free_starts[0] if self.free_starts else None


def rank_technicians(
    *,
    technicians: list[Technician],
    customer: Customer | None,
    day: date,
    day_jobs: dict[int, list[Interval]],
    week_jobs: dict[int, int],
    served: dict[int, int],
    now: datetime,
    duration: timedelta = DEFAULT_DURATION,
    skills: dict[int, set[str]] | None = None,
    required: set[str] = frozenset(),
    places: dict[tuple[int, datetime], Place] | None = None,
    drive: Callable[[Place, Place], float] | None = None,
) -> list[Suggestion]:
    """Every technician for `day`, those who can take the job first, each with plain-language reasons.

    With `skills` (technician id → skill names) a technician without a skill in `required` can't
    take it. With `places` ((technician id, start) -> where that booked job is) and `drive`
    (minutes between two places), each technician's drive to the customer is said and weighed:
    from the job that ends last before the first free start, else from their home base.
    Order: can take it; based in the customer's zone; the shortest drive (in DRIVE_BAND-minute
    bands; unknown last); has served the customer before; lightest week; fewest jobs that day;
    name.
    """
    places = places or {}
    target = place(customer.latitude, customer.longitude) if customer is not None else None
    limit = max_jobs_per_day()
    cap = f"limit {limit}" if limit else "no daily limit"
    loads = [week_jobs.get(t.pk, 0) for t in technicians if t.active] or [0]
    average = sum(loads) / len(loads)
    window = window_text(customer)
    name = customer.name if customer else "the customer"
    result = []
    starts_by_hours: dict[tuple[time, time], list[datetime]] = {}
    for technician in technicians:
        mine = day_jobs.get(technician.pk, [])
        hours = work_hours(technician, day)
        if hours not in starts_by_hours:  # most technicians share the company's hours
            starts_by_hours[hours] = candidate_starts(day, customer, now, duration, hours)
        starts = starts_by_hours[hours]
        free, refusals = [], []
        technician_skills = None if skills is None else skills.get(technician.pk, set())
        # Refused at every start (a full day, a missing skill): the first two reasons are all that
        # is shown, so the other starts need no check (at 500 technicians most are full).
        hopeless = bool(
            (limit and len(mine) >= limit)
            or (technician_skills is not None and skill_refusals(technician_skills, required))
        )
        for start in starts:
            if hopeless and len(refusals) >= 2:
                break
            explain = len(refusals) < 2  # only the first two refusals are shown: word only those
            reasons = placement_refusals(
                technician=technician,
                start=start,
                duration=duration,
                same_day_jobs=mine,
                customer=customer,
                technician_skills=technician_skills,
                required=required,
                explain=explain,
            )
            if not reasons:
                free.append(start)
            elif explain:
                refusals.extend(r for r in reasons if r not in refusals)
        in_zone = bool(
            customer is not None and customer.zone_id and technician.home_zone_id == customer.zone_id
        )
        suggestion = Suggestion(
            technician,
            free,
            len(mine),
            week_jobs.get(technician.pk, 0),
            served.get(technician.pk, 0),
            in_zone,
        )
        where = f"inside {name}'s window ({window})" if window else "inside working hours"
        if free:
            others = ", ".join(clock_time(timezone.localtime(t).time()) for t in free[1:4])
            suggestion.reasons.append(
                f"Free at {clock_time(timezone.localtime(free[0]).time())}, {where}"
                + (f"; also free at {others}{' and later' if len(free) > 4 else ''}." if others else ".")
            )
        elif not starts:
            suggestion.refusals.append(
                f"No start on {day_text(day)} is left {where} for a {length_text(duration)} job "
                f"({technician.name.split()[0]} works {clock_time(hours[0])}–{clock_time(hours[1])})."
            )
        else:
            suggestion.refusals.extend(refusals[:2])
        if free and target is not None and drive is not None:
            before = [(end, at) for at, end in mine if end <= free[0]]
            if before:  # where the job before is (None: unknown, so no drive is said)
                _, at = max(before)
                origin = places.get((technician.pk, at))
                origin_text = f"from their {clock_time(timezone.localtime(at).time())} job"
            else:
                origin = place(technician.home_latitude, technician.home_longitude)
                origin_text = "from home"
            if origin is not None:
                suggestion.drive_minutes = math.ceil(drive(origin, target))
                suggestion.reasons.append(f"{suggestion.drive_minutes} min away, {origin_text}.")
        if limit and len(mine) >= limit:
            pass  # the refusal above already says so: each reason is printed once
        elif mine:
            suggestion.reasons.append(f"This would be their {ordinal(len(mine) + 1)} job that day ({cap}).")
        else:
            suggestion.reasons.append(f"No other jobs that day ({cap}).")
        if in_zone:
            suggestion.reasons.append(f"Based in {name}'s zone.")
        if required and free:
            suggestion.reasons.append(f"Has the skills the job needs ({', '.join(sorted(required))}).")
        if suggestion.served_before:
            times = "once" if suggestion.served_before == 1 else f"{suggestion.served_before} times"
            suggestion.reasons.append(f"Has served {name} before ({times}).")
        else:
            suggestion.reasons.append(f"Hasn't served {name} before.")
        load = suggestion.week_jobs
        balance = (
            "lighter than" if load < average - 0.5 else "heavier than" if load > average + 0.5 else "about"
        )
        suggestion.reasons.append(
            f"{load} job{'s' if load != 1 else ''} this week, {balance} the team's average of {average:.1f}."
        )
        if free:
            end = timezone.localtime(free[0] + duration).time()
            suggestion.reasons.append(
                f"Works {clock_time(hours[0])}–{clock_time(hours[1])}; "
                f"the {length_text(duration)} job would end by {clock_time(end)}."
            )
        result.append(suggestion)
    result.sort(
        key=lambda s: (
            not s.feasible,
            not s.in_zone,
            s.drive_minutes // DRIVE_BAND if s.drive_minutes is not None else math.inf,
            -min(s.served_before, 1),
            s.week_jobs,
            s.jobs_that_day,
            s.technician.name,
        )
    )
    return result


# Selector ------------------------------------------------------------------------------


def served_counts(customer_ids: set[int]) -> dict[tuple[int, int], int]:
    """How many completed jobs each technician did for each of these customers: one query."""
    rows = (
        WorkOrder.objects.filter(customer_id__in=customer_ids, status=WorkOrderStatus.COMPLETED)
        .exclude(assigned_technician__isnull=True)
        .values_list("assigned_technician_id", "customer_id")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {(tech, customer): n for tech, customer, n in rows}


def work_order_suggestions(work_order: WorkOrder, day: date) -> list[Suggestion]:
    """Active technicians ranked for `work_order` on `day`: five queries, whatever the data size."""
    technicians = list(Technician.objects.filter(active=True).prefetch_related("skills"))
    skills = {t.pk: {s.name for s in t.skills.all()} for t in technicians}
    first, after = week_of(day)
    day_jobs: dict[int, list[Interval]] = defaultdict(list)
    week_jobs: dict[int, int] = defaultdict(int)
    places: dict[tuple[int, datetime], Place] = {}
    zone = timezone.get_current_timezone()
    for technician_id, at, end, where in booked_jobs_with_places(first, after, exclude=[work_order.pk]):
        week_jobs[technician_id] += 1
        if at.astimezone(zone).date() == day:
            day_jobs[technician_id].append((at, end))
            if where is not None:
                places[(technician_id, at)] = where
    customer = work_order.customer
    served = (
        {tech: n for (tech, _), n in served_counts({customer.pk}).items()} if customer is not None else {}
    )
    return rank_technicians(
        technicians=technicians,
        customer=customer,
        day=day,
        day_jobs=day_jobs,
        week_jobs=week_jobs,
        served=served,
        now=clock.now(),
        duration=duration_of(work_order),
        skills=skills,
        required=required_skills(work_order.job_type),
        places=places,
        drive=routing.straight_minutes,
    )
