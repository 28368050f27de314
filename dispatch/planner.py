"""Plan the week: place as many waiting orders as the scheduling rules allow, never breaking one.

A deterministic depth-first search with bounding over (technician, day) for each order; a
day's slots are then chosen by a small exact search, each placement checked with
scheduling.placement_refusals (the rules work_order_schedule enforces, with no window
override). Orders are tried most constrained first, and the first complete descent is the
greedy answer, so a search cut short by `node_limit` still returns a good plan.
"""

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from dispatch import clock
from dispatch.formatting import clock_time
from dispatch.models import Technician, WorkOrder, WorkOrderStatus
from dispatch.scheduling import (
    JOB_DURATION,
    WORKDAY_END,
    WORKDAY_START,
    booked_starts,
    day_bounds,
    job_hours,
    max_jobs_per_day,
    placement_refusals,
    week_of,
    window_text,
)
from dispatch.suggestions import candidate_starts, ordinal, served_counts

# The planner books working days only; the board can still take a weekend job by hand.
PLAN_WEEKDAYS = 5
NODE_LIMIT = 10_000
# The exact fallback enumerates how many orders of each window every day takes; past this many
# combinations it is not tried.
WINDOW_STATES_LIMIT = 20_000


@dataclass(frozen=True)
class Placement:
    order: WorkOrder
    technician: Technician
    start: datetime
    reason: str


@dataclass(frozen=True)
class Unplaced:
    order: WorkOrder
    why: str


@dataclass
class Plan:
    days: list[date]
    placements: list[Placement] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    exhaustive: bool = True
    nodes: int = 0


Bucket = tuple[int, date]  # (technician id, day)


class _Search:
    def __init__(self, *, orders, technicians, days, booked, served, week_load, now, node_limit):
        self.orders = orders
        self.techs = {t.pk: t for t in technicians if t.active}
        self.days = days
        self.booked = booked
        self.served = served
        self.week_load = week_load
        self.limit = max_jobs_per_day()
        self.node_limit = node_limit
        self.nodes = 0
        self.starts = {(o.pk, d): candidate_starts(d, o.customer, now) for o in orders for d in days}
        self._fit: dict[tuple[Bucket, tuple[int, ...]], tuple[datetime, ...] | None] = {}
        by_id = {o.pk: o for o in orders}
        self.by_id = by_id

    def window(self, order_id: int) -> tuple:
        """What a placement's feasibility depends on besides the day's bookings: the customer's window."""
        customer = self.by_id[order_id].customer
        return (
            (customer.preferred_schedule_start, customer.preferred_schedule_end) if customer else (None, None)
        )

    def fit(self, bucket: Bucket, order_ids: tuple[int, ...]) -> tuple[datetime, ...] | None:
        """Start times for these orders in one technician's day that meet every rule, or None."""
        # Orders with the same window are interchangeable here: cache by windows, not ids.
        members = sorted(order_ids, key=lambda pk: (repr(self.window(pk)), pk))
        key = (bucket, tuple(self.window(pk) for pk in members))
        if key not in self._fit:
            technician = self.techs[bucket[0]]
            existing = self.booked.get(bucket, [])

            def place(i: int, chosen: list[datetime]) -> tuple[datetime, ...] | None:
                if i == len(members):
                    return tuple(chosen)
                order = self.by_id[members[i]]
                for start in self.starts[(order.pk, bucket[1])]:
                    if not placement_refusals(
                        technician=technician,
                        start=start,
                        same_day_starts=existing + chosen,
                        customer=order.customer,
                    ):
                        found = place(i + 1, [*chosen, start])
                        if found is not None:
                            return found
                return None

            self._fit[key] = place(0, [])
        starts = self._fit[key]
        if starts is None:
            return None
        by_member = dict(zip(members, starts, strict=True))
        return tuple(by_member[pk] for pk in order_ids)

    def capacity(self, bucket: Bucket, order_ids: list[int]) -> int:
        """An upper bound on how many of these orders one technician's day can still take.

        Two jobs in a day start at least JOB_DURATION apart, so the spread between the earliest
        and the latest start any of them could take alone caps the count, as does the daily limit.
        """
        technician, existing = self.techs[bucket[0]], self.booked.get(bucket, [])
        first = last = None
        for pk in order_ids:
            order = self.by_id[pk]

            def alone(start: datetime, order=order) -> bool:
                return not placement_refusals(
                    technician=technician, start=start, same_day_starts=existing, customer=order.customer
                )

            starts = self.starts[(pk, bucket[1])]
            early = next((t for t in starts if alone(t)), None)
            late = next((t for t in reversed(starts) if alone(t)), None)
            if early is not None:
                first = early if first is None else min(first, early)
                last = late if last is None else max(last, late)
        if first is None:
            return 0
        spread = 1 + int((last - first) // JOB_DURATION)
        return max(0, min(self.limit - len(existing), spread, len(order_ids)))

    def run(self) -> tuple[dict[int, Bucket], bool]:
        buckets = [(t, d) for d in self.days for t in sorted(self.techs, key=lambda pk: self.techs[pk].name)]
        options = {o.pk: [b for b in buckets if self.fit(b, (o.pk,)) is not None] for o in self.orders}

        def twin(pk: int) -> tuple:
            # Orders alike in everything the search weighs: swapping two of them changes nothing.
            order = self.by_id[pk]
            served_by = sorted(t for t in self.techs if self.served.get((t, order.customer_id)))
            return (repr(self.window(pk)), order.assigned_technician_id or 0, tuple(served_by))

        # Most constrained first, twins side by side; orders nobody can take stay out of the search.
        order_ids = sorted(
            (o.pk for o in self.orders if options[o.pk]), key=lambda pk: (len(options[pk]), twin(pk), pk)
        )
        twins = [twin(pk) for pk in order_ids]
        # Where the run of twins starting at i ends: skipping an order skips its later twins too
        # (whichever twins are placed, the earliest ones could have been).
        run_end = list(range(1, len(order_ids) + 1))
        for i in range(len(order_ids) - 2, -1, -1):
            if twins[i] == twins[i + 1]:
                run_end[i] = run_end[i + 1]
        capacity = {b: self.capacity(b, [pk for pk in order_ids if b in options[pk]]) for b in buckets}
        contents: dict[Bucket, tuple[int, ...]] = defaultdict(tuple)
        load = dict(self.week_load)
        best: dict[int, Bucket] = {}
        current: dict[int, Bucket] = {}
        complete = True

        def preference(order_id: int, bucket: Bucket):
            order = self.by_id[order_id]
            customer_id = order.customer_id
            return (
                # An order that already has a technician stays with them if it can.
                order.assigned_technician_id is not None and bucket[0] != order.assigned_technician_id,
                -min(self.served.get((bucket[0], customer_id), 0), 1),
                load.get(bucket[0], 0),
                len(self.booked.get(bucket, [])) + len(contents[bucket]),
                bucket[1],
                self.techs[bucket[0]].name,
            )

        def search(i: int, room: int) -> None:
            nonlocal best, complete
            if len(best) == len(order_ids):
                return
            self.nodes += 1
            if self.nodes > self.node_limit:
                complete = False
                return
            if len(current) + min(len(order_ids) - i, room) <= len(best):
                return
            if i == len(order_ids):
                best = dict(current)
                return
            order_id = order_ids[i]
            for bucket in sorted(options[order_id], key=lambda b: preference(order_id, b)):
                if len(contents[bucket]) >= capacity[bucket]:
                    continue
                together = tuple(sorted((*contents[bucket], order_id)))
                if self.fit(bucket, together) is None:
                    continue
                previous = contents[bucket]
                contents[bucket] = together
                current[order_id] = bucket
                load[bucket[0]] = load.get(bucket[0], 0) + 1
                search(i + 1, room - 1)
                load[bucket[0]] -= 1
                del current[order_id]
                contents[bucket] = previous
                if not complete:
                    return
            search(run_end[i], room)

        search(0, sum(capacity.values()))
        if not complete:
            exact = self.by_windows(order_ids, buckets)
            if exact is not None:
                best, complete = (exact if len(exact) > len(best) else best), True
        return best, complete

    def by_windows(self, order_ids: list[int], buckets: list[Bucket]) -> dict[int, Bucket] | None:
        """The exact maximum when the orders fall into few windows, or None when there are too many.

        Orders with the same window are interchangeable for the rules, so each day takes a count
        per window; a dynamic programme over the days finds the largest total. It ignores the
        preferences (served before, load), so it is the fallback when the search is cut short.
        """
        groups: dict[tuple, list[int]] = defaultdict(list)
        for pk in sorted(order_ids):
            groups[self.window(pk)].append(pk)
        keys = sorted(groups, key=repr)
        sizes = [len(groups[k]) for k in keys]
        combinations = 1
        for n in sizes:
            combinations *= n + 1
        if combinations > WINDOW_STATES_LIMIT:
            return None
        zero = tuple(0 for _ in keys)
        states: dict[tuple, None] = {zero: None}
        layers = []
        for bucket in buckets:
            room = self.limit - len(self.booked.get(bucket, []))
            options = [
                counts
                for counts in itertools.product(*(range(min(n, max(room, 0)) + 1) for n in sizes))
                if sum(counts) <= room
                and (
                    not any(counts)
                    or self.fit(
                        bucket, tuple(pk for k, c in zip(keys, counts, strict=True) for pk in groups[k][:c])
                    )
                    is not None
                )
            ]
            layer: dict[tuple, tuple[tuple, tuple]] = {}
            for state in states:
                for counts in options:
                    new = tuple(a + b for a, b in zip(state, counts, strict=True))
                    if new not in layer and all(a <= n for a, n in zip(new, sizes, strict=True)):
                        layer[new] = (state, counts)
            layers.append(layer)
            states = layer
        state = max(states, key=sum)
        chosen: dict[int, Bucket] = {}
        handed = dict.fromkeys(keys, 0)
        allocations = []
        for bucket, layer in zip(reversed(buckets), reversed(layers), strict=True):
            state, counts = layer[state]
            allocations.append((bucket, counts))
        for bucket, counts in reversed(allocations):
            for key, count in zip(keys, counts, strict=True):
                for pk in groups[key][handed[key] : handed[key] + count]:
                    chosen[pk] = bucket
                handed[key] += count
        return chosen


def plan_week(
    *,
    orders: list[WorkOrder],
    technicians: list[Technician],
    days: list[date],
    booked: dict[Bucket, list[datetime]],
    served: dict[tuple[int, int], int],
    week_load: dict[int, int],
    now: datetime,
    node_limit: int = NODE_LIMIT,
) -> Plan:
    """Propose a technician and a start for as many `orders` as the rules allow; say why for the rest.

    `booked` holds the starts already on each technician's days; `served` counts past jobs per
    (technician, customer); `week_load` counts each technician's booked jobs this week.
    """
    search = _Search(
        orders=orders,
        technicians=technicians,
        days=days,
        booked=booked,
        served=served,
        week_load=week_load,
        now=now,
        node_limit=node_limit,
    )
    chosen, complete = search.run()
    plan = Plan(days=days, exhaustive=complete, nodes=search.nodes)
    by_bucket: dict[Bucket, list[int]] = defaultdict(list)
    for order_id, bucket in chosen.items():
        by_bucket[bucket].append(order_id)
    load = dict(week_load)
    for bucket in sorted(by_bucket, key=lambda b: (b[1], search.techs[b[0]].name)):
        ids = tuple(sorted(by_bucket[bucket]))
        starts = search.fit(bucket, ids)
        technician = search.techs[bucket[0]]
        existing = len(booked.get(bucket, []))
        for n, (order_id, start) in enumerate(sorted(zip(ids, starts, strict=True), key=lambda p: p[1]), 1):
            order = search.by_id[order_id]
            load[technician.pk] = load.get(technician.pk, 0) + 1
            plan.placements.append(
                Placement(
                    order, technician, start, _reason(order, technician, start, existing, n, served, load)
                )
            )
    plan.placements.sort(key=lambda p: (p.start, p.technician.name))
    for order in orders:
        if order.pk not in chosen:
            plan.unplaced.append(Unplaced(order, _why(order, search, days)))
    return plan


def _reason(order, technician, start, existing, n, served, load) -> str:
    local = timezone.localtime(start)
    window = window_text(order.customer)
    parts = [f"inside {order.customer.name}'s window ({window})" if window else "inside working hours"]
    parts.append(
        f"{technician.name.split()[0]}'s {ordinal(existing + n)} job that day (limit {max_jobs_per_day()})"
    )
    if served.get((technician.pk, order.customer_id)):
        parts.append("has served this customer before")
    parts.append(f"{load[technician.pk]} jobs this week with the plan")
    return f"{local:%a %b} {local.day}, {clock_time(local.time())}: " + "; ".join(parts) + "."


def _why(order: WorkOrder, search: _Search, days: list[date]) -> str:
    name = order.customer.name if order.customer else "The customer"
    window = window_text(order.customer)
    hours = job_hours()
    if not days:
        return "No working days are left in this week."
    if not search.techs:
        return "There are no active technicians."
    if not any(search.starts[(order.pk, d)] for d in days):
        return (
            f"{name}'s window ({window}) leaves no start for a {hours}-hour job inside working hours "
            f"({clock_time(WORKDAY_START)}–{clock_time(WORKDAY_END)}) on the days left this week."
            if window
            else "No start inside working hours is left this week."
        )
    buckets = [(t, d) for d in days for t in search.techs]
    if not any(search.fit(b, (order.pk,)) is not None for b in buckets):
        where = f" inside {name}'s window ({window})" if window else ""
        return (
            f"Every technician is already at the limit of {max_jobs_per_day()} jobs or busy at every "
            f"start{where} on the days left this week."
        )
    return (
        "Each technician who could take it has had their free slots given to other orders in this "
        "plan (the daily limit and overlaps leave no room); move or unassign a job to make room."
    )


# Selector ------------------------------------------------------------------------------


def orders_to_plan(first: date, after: date):
    """Open orders that are pending or unassigned, with no time, a time in this week, or a time
    already past (late to start: they need a new slot)."""
    end, _ = day_bounds(after)

    return (
        WorkOrder.objects.open()
        .filter(Q(assigned_technician__isnull=True) | Q(status=WorkOrderStatus.PENDING))
        .filter(Q(scheduled_for__isnull=True) | Q(scheduled_for__lt=end))
        .exclude(status=WorkOrderStatus.IN_PROGRESS)
        .select_related("customer")
        .order_by("id")
    )


def week_plan(day: date, now: datetime | None = None) -> Plan:
    """The proposal for the week of `day`: four queries, whatever the data size."""
    now = now or clock.now()
    first, after = week_of(day)
    days = [
        first + timedelta(days=i)
        for i in range(PLAN_WEEKDAYS)
        if first + timedelta(days=i) >= timezone.localdate(now)
    ]
    technicians = list(Technician.objects.filter(active=True))
    orders = list(orders_to_plan(first, after))
    booked: dict[Bucket, list[datetime]] = defaultdict(list)
    week_load: dict[int, int] = defaultdict(int)
    for technician_id, at in booked_starts(first, after, exclude=[o.pk for o in orders]):
        booked[(technician_id, timezone.localtime(at).date())].append(at)
        week_load[technician_id] += 1
    served = served_counts({o.customer_id for o in orders if o.customer_id})
    return plan_week(
        orders=orders,
        technicians=technicians,
        days=days,
        booked=booked,
        served=served,
        week_load=week_load,
        now=now,
    )
