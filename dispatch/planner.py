"""Plan the week: place as many waiting orders as the scheduling rules allow, never breaking one.

A deterministic depth-first search with bounding over (technician, day) for each order, run
with an explicit stack (a week of 2,000 orders is 2,000 levels deep); a day's slots are then
chosen by a small exact search, each placement checked with scheduling.placement_refusals
(the rules work_order_schedule enforces, with no window override). Orders are tried most
constrained first, and the first complete descent is the greedy answer, so a search cut short
by `node_limit` still returns a good plan. A time box (TECHFLOW_PLANNER_TIME_BOX seconds)
bounds the whole run: when it ends before every order was considered the plan is partial and
says so; what it has placed is still valid.
"""

import bisect
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as time_of_day

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from dispatch import clock
from dispatch.formatting import clock_time
from dispatch.models import JobTypeSkill, Technician, WorkOrder, WorkOrderStatus
from dispatch.scheduling import (
    Interval,
    at_time,
    booked_jobs_with_places,
    company_hours,
    day_bounds,
    duration_of,
    has_window,
    length_text,
    max_jobs_per_day,
    place,
    placement_refusals,
    type_minutes,
    week_of,
    window_text,
    work_hours,
)
from dispatch.suggestions import candidate_starts, ordinal, served_counts

# The planner books working days only; the board can still take a weekend job by hand.
PLAN_WEEKDAYS = 5
NODE_LIMIT = 10_000
# The exact fallback enumerates how many orders of each window every day takes; past this many
# combinations it is not tried.
WINDOW_STATES_LIMIT = 20_000
NOT_CONSIDERED = (
    "Not considered: the planner's time box ran out before it reached this order; "
    "apply the plan and plan again."
)


def time_box() -> float:
    """Seconds one planning run may take (TECHFLOW_PLANNER_TIME_BOX)."""
    return float(getattr(settings, "TECHFLOW_PLANNER_TIME_BOX", 25))


@dataclass(frozen=True)
class Placement:
    order: WorkOrder
    technician: Technician
    start: datetime
    reason: str
    # The order's version when it was planned: applying refuses an order changed since.
    version: int


@dataclass(frozen=True)
class Unplaced:
    order: WorkOrder
    why: str


@dataclass
class Plan:
    days: list[date]
    placements: list[Placement] = field(default_factory=list)
    unplaced: list[Unplaced] = field(default_factory=list)
    # False when the node limit or the time box stopped the search before it had proved its answer best.
    exhaustive: bool = True
    # True when the time box ended the run before every order had been considered.
    partial: bool = False
    nodes: int = 0
    seconds: float = 0.0


Bucket = tuple[int, date]  # (technician id, day)
Window = tuple  # (preferred start, preferred end, the job's length); (None, None, length) for no window
Progress = Callable[[int, int], None]  # (orders considered, orders to consider)


class TimeBoxOver(Exception):
    pass


@dataclass
class _Frame:
    """One level of the search: order `i` trying its buckets in preference order, then skipping."""

    i: int
    room: int
    candidates: Iterator[Bucket]
    applied: Bucket | None = None
    previous: tuple[int, ...] = ()


class _Search:
    def __init__(
        self,
        *,
        orders,
        technicians,
        days,
        booked,
        served,
        week_load,
        now,
        node_limit,
        deadline,
        progress,
        lengths=None,
    ):
        self.orders = orders
        self.techs = {t.pk: t for t in technicians if t.active}
        self.days = days
        self.booked = booked
        self.served = served
        self.served_by: dict[int, list[int]] = defaultdict(list)
        for tech_id, customer_id in served:
            if served[(tech_id, customer_id)] and tech_id in self.techs:
                self.served_by[customer_id].append(tech_id)
        self.week_load = week_load
        self.limit = max_jobs_per_day()  # None: no cap
        self.node_limit = node_limit
        self.deadline = deadline
        self.progress = progress
        self.now = now
        self.nodes = 0
        self.decided = 0  # the orders before this one (in search order) were placed or skipped
        self.by_id = {o.pk: o for o in orders}
        if lengths is None:
            # Read the type lengths only when an order needs one: a week of estimates stays pure.
            needed = any(not o.estimated_minutes and o.job_type for o in orders)
            lengths = type_minutes() if needed else {}
        self.durations = {o.pk: duration_of(o, lengths) for o in orders}
        self.windows = {o.pk: self._window_of(o, self.durations[o.pk]) for o in orders}
        # Candidate starts span every technician's hours; the rules then hold each to their own.
        hours = [work_hours(t, day) for t in self.techs.values() for day in days] or [company_hours()]
        self.hours = (min(h[0] for h in hours), max(h[1] for h in hours))
        # Starts depend on the day and the customer's window only: one list per (window, day).
        self._starts: dict[tuple[Window, date], list[datetime]] = {}
        self._fit: dict[tuple, tuple[datetime, ...] | None] = {}
        self._signatures: dict[Bucket, tuple] = {}
        self._spans: dict[tuple, tuple[datetime, datetime] | None] = {}

    @staticmethod
    def _window_of(order: WorkOrder, duration: timedelta) -> Window:
        customer = order.customer
        window = (
            (customer.preferred_schedule_start, customer.preferred_schedule_end) if customer else (None, None)
        )
        return (*window, duration)

    def window(self, order_id: int) -> Window:
        """What a placement's feasibility depends on besides the day's bookings: the customer's
        window and the job's length."""
        return self.windows[order_id]

    def starts(self, order_id: int, day: date) -> list[datetime]:
        key = (self.windows[order_id], day)
        if key not in self._starts:
            self._starts[key] = candidate_starts(
                day, self.by_id[order_id].customer, self.now, self.durations[order_id], self.hours
            )
        return self._starts[key]

    def signature(self, bucket: Bucket) -> tuple:
        """What the rules see of a technician's day: the day, their hours and the jobs already booked.

        The rules read the technician only for being active (every technician here is) and for
        their hours, so the days of technicians with the same hours and bookings share one
        answer; plan_week still checks each placement against its own technician before proposing it.
        """
        if bucket not in self._signatures:
            self._signatures[bucket] = (
                bucket[1],
                work_hours(self.techs[bucket[0]], bucket[1]),
                tuple(sorted(self.booked.get(bucket, ()))),
            )
        return self._signatures[bucket]

    def check_time(self) -> None:
        if time.monotonic() > self.deadline:
            raise TimeBoxOver

    def fit(self, bucket: Bucket, order_ids: tuple[int, ...]) -> tuple[datetime, ...] | None:
        """Start times for these orders in one technician's day that meet every rule, or None."""
        # Orders with the same window are interchangeable here: cache by windows, not ids.
        members = sorted(order_ids, key=lambda pk: (repr(self.windows[pk]), pk))
        key = (self.signature(bucket), tuple(self.windows[pk] for pk in members))
        if key not in self._fit:
            self._fit[key] = self._place(bucket, members)
        starts = self._fit[key]
        if starts is None:
            return None
        by_member = dict(zip(members, starts, strict=True))
        return tuple(by_member[pk] for pk in order_ids)

    def _place(self, bucket: Bucket, members: list[int]) -> tuple[datetime, ...] | None:
        """The first start per member (in grid order) that meets every rule beside the others."""
        technician = self.techs[bucket[0]]
        existing = self.booked.get(bucket, [])
        chosen: list[datetime] = []
        # tries[k]: the iterator over member k's starts still to try.
        tries = [iter(self.starts(members[0], bucket[1]))] if members else []
        while len(chosen) < len(members):
            k = len(chosen)
            order = self.by_id[members[k]]
            taken = [(at, at + self.durations[members[j]]) for j, at in enumerate(chosen)]
            for start in tries[k]:
                if not placement_refusals(
                    technician=technician,
                    start=start,
                    duration=self.durations[members[k]],
                    same_day_jobs=existing + taken,
                    customer=order.customer,
                ):
                    chosen.append(start)
                    if len(chosen) < len(members):
                        tries.append(iter(self.starts(members[k + 1], bucket[1])))
                    break
            else:
                tries.pop()
                if not chosen:
                    return None
                chosen.pop()
        return tuple(chosen)

    def span(self, bucket: Bucket, order_id: int) -> tuple[datetime, datetime] | None:
        """The earliest and the latest start this order could take alone in this day."""
        key = (self.signature(bucket), self.windows[order_id])
        if key not in self._spans:
            self._spans[key] = self._span(bucket, order_id)
        return self._spans[key]

    def _span(self, bucket: Bucket, order_id: int) -> tuple[datetime, datetime] | None:
        technician, existing = self.techs[bucket[0]], self.booked.get(bucket, [])
        customer = self.by_id[order_id].customer
        duration = self.durations[order_id]

        def alone(start: datetime) -> bool:
            return not placement_refusals(
                technician=technician,
                start=start,
                duration=duration,
                same_day_jobs=existing,
                customer=customer,
            )

        starts = self.starts(order_id, bucket[1])
        early = next((t for t in starts if alone(t)), None)
        if early is None:
            return None
        return early, next(t for t in reversed(starts) if alone(t))

    def buckets(self) -> list[Bucket]:
        return [(t, d) for d in self.days for t in sorted(self.techs, key=lambda pk: self.techs[pk].name)]

    def fits_alone(self) -> tuple[dict[Window, list[Bucket]], dict[tuple[Bucket, Window], Interval]]:
        """Which technician-days each kind of order fits on by itself (and its earliest and latest
        start there); kept as `feasible`, which _why reads to say why an order was left out."""
        buckets = self.buckets()
        # Orders of one window fit the same buckets alone: work that out once per window.
        representative: dict[Window, int] = {}
        for o in self.orders:
            representative.setdefault(self.windows[o.pk], o.pk)
        feasible: dict[Window, list[Bucket]] = {}
        spans: dict[tuple[Bucket, Window], tuple[datetime, datetime]] = {}
        for window, pk in representative.items():
            feasible[window] = []
            # Not time-boxed: a few fits per window and day's bookings (cached), and the search needs them.
            for b in buckets:
                if self.fit(b, (pk,)) is not None:
                    feasible[window].append(b)
                    spans[(b, window)] = self.span(b, pk)
        self.feasible = {w: set(bs) for w, bs in feasible.items()}
        return feasible, spans

    def run(self) -> tuple[dict[int, Bucket], bool, list[int]]:
        """The best assignment found, whether the search proved it best, and the orders in search order."""
        buckets = self.buckets()
        feasible, spans = self.fits_alone()
        options = {o.pk: feasible[self.windows[o.pk]] for o in self.orders}

        def twin(pk: int) -> tuple:
            # Orders alike in everything the search weighs: swapping two of them changes nothing.
            order = self.by_id[pk]
            return (
                repr(self.windows[pk]),
                order.assigned_technician_id or 0,
                tuple(sorted(self.served_by.get(order.customer_id, ()))),
            )

        # Most constrained first, twins side by side; orders nobody can take stay out of the search.
        order_ids = sorted(
            (o.pk for o in self.orders if options[o.pk]), key=lambda pk: (len(options[pk]), twin(pk), pk)
        )
        self.order_ids = order_ids
        n = len(order_ids)
        twins = [twin(pk) for pk in order_ids]
        # Where the run of twins starting at i ends: skipping an order skips its later twins too
        # (whichever twins are placed, the earliest ones could have been).
        run_end = list(range(1, n + 1))
        for i in range(n - 2, -1, -1):
            if twins[i] == twins[i + 1]:
                run_end[i] = run_end[i + 1]
        # Two jobs in a day start at least the shorter one's length apart, so the spread between the
        # earliest and the latest start any of its orders could take alone, over the shortest length,
        # caps a day's count, as does the limit.
        per_window: dict[Window, int] = defaultdict(int)
        for pk in order_ids:
            per_window[self.windows[pk]] += 1
        capacity: dict[Bucket, int] = {}
        for b in buckets:
            reach = [(spans[(b, w)], count) for w, count in per_window.items() if (b, w) in spans]
            if not reach:
                capacity[b] = 0
                continue
            first, last = min(r[0][0] for r in reach), max(r[0][1] for r in reach)
            shortest = min(w[2] for w in per_window if (b, w) in spans)
            spread = 1 + int((last - first) // shortest)
            count = sum(r[1] for r in reach)
            room = count if self.limit is None else self.limit - len(self.booked.get(b, []))
            capacity[b] = max(0, min(room, spread, count))
        contents: dict[Bucket, tuple[int, ...]] = {}
        load = {t: self.week_load.get(t, 0) for t in self.techs}
        best: dict[int, Bucket] = {}
        current: dict[int, Bucket] = {}

        # The buckets ranked by (the technician's load, jobs that day, day, name), kept up to date as
        # the search places and takes back, so an order reads its best buckets without sorting them all.
        rank = {b: r for r, b in enumerate(buckets)}  # by day, then the technician's name
        fill = {b: len(self.booked.get(b, ())) for b in buckets}
        levels: dict[tuple[int, int], list[int]] = defaultdict(list)
        level_of: dict[Bucket, tuple[int, int]] = {}
        of_technician: dict[int, list[Bucket]] = defaultdict(list)
        for b in buckets:
            level_of[b] = (load.get(b[0], 0), fill[b])
            levels[level_of[b]].append(rank[b])  # buckets are in rank order already
            of_technician[b[0]].append(b)

        def take(bucket: Bucket, delta: int) -> None:
            """Place (+1) or take back (-1) one job in `bucket`: its technician's load and its day."""
            tech_id = bucket[0]
            load[tech_id] = load.get(tech_id, 0) + delta
            fill[bucket] += delta
            for b in of_technician[tech_id]:
                old, new = level_of[b], (load[tech_id], fill[b])
                ranks = levels[old]
                del ranks[bisect.bisect_left(ranks, rank[b])]
                bisect.insort(levels[new], rank[b])
                level_of[b] = new

        def candidates(order_id: int) -> Iterator[Bucket]:
            """The order's buckets, best first: its own technician, one who served the customer, the
            least loaded technician, the emptier day, the earlier day, then by name.

            A generator: the search resumes it only once the state it was made in is back."""
            order = self.by_id[order_id]
            assigned = order.assigned_technician_id
            special = set(self.served_by.get(order.customer_id, ()))
            if assigned is not None:
                special.add(assigned)
            feasible = self.feasible[self.windows[order_id]]

            def group(tech_id: int) -> int:
                mismatch = assigned is not None and tech_id != assigned
                served = bool(self.served.get((tech_id, order.customer_id)))
                return 2 * mismatch + (not served)

            # Every other technician is in the last group, so these come first, in exact order.
            first = [b for t in special for b in of_technician.get(t, ()) if b in feasible]
            yield from sorted(first, key=lambda b: (group(b[0]), *level_of[b], rank[b]))
            for level in sorted(levels):
                for r in list(levels[level]):
                    b = buckets[r]
                    if b[0] not in special and b in feasible:
                        yield b

        def enter(i: int, room: int) -> _Frame | None:
            """A new level, or None when it ends at once (bound, leaf)."""
            nonlocal best
            self.decided = max(self.decided, i)
            self.nodes += 1
            if self.nodes > self.node_limit:
                raise _NodeLimit
            if self.nodes > 1:
                # The first order is always considered, so even a tiny box proposes something.
                self.check_time()
            if self.progress is not None:
                self.progress(self.decided, n)
            if len(current) + min(n - i, room) <= len(best):
                return None
            if i == n:
                best = dict(current)
                return None
            order_id = order_ids[i]
            return _Frame(i, room, candidates(order_id))

        def undo(frame: _Frame) -> None:
            bucket = frame.applied
            order_id = order_ids[frame.i]
            take(bucket, -1)
            del current[order_id]
            contents[bucket] = frame.previous
            frame.applied = None

        complete = True
        stack: list[_Frame] = []
        try:
            root = enter(0, sum(capacity.values()))
            if root is not None:
                stack.append(root)
            while stack and len(best) < n:
                frame = stack[-1]
                if frame.applied is not None:
                    undo(frame)
                order_id = order_ids[frame.i]
                child = None
                descended = False
                for bucket in frame.candidates:
                    previous = contents.get(bucket, ())
                    if len(previous) >= capacity[bucket]:
                        continue
                    together = tuple(sorted((*previous, order_id)))
                    if self.fit(bucket, together) is None:
                        continue
                    frame.previous = previous
                    frame.applied = bucket
                    contents[bucket] = together
                    current[order_id] = bucket
                    take(bucket, 1)
                    child = enter(frame.i + 1, frame.room - 1)
                    descended = True
                    break
                if descended:
                    if child is not None:
                        stack.append(child)
                    continue
                # Every bucket tried: skip this order (and its later twins), in place of this frame.
                stack.pop()
                child = enter(run_end[frame.i], frame.room)
                if child is not None:
                    stack.append(child)
        except _NodeLimit:
            complete = False
        except TimeBoxOver:
            complete = False
            # What the current descent holds is valid (each placement was fitted beside the others).
            if len(current) > len(best):
                best = dict(current)
            self.timed_out = True
        if not complete and not self.timed_out:
            try:
                exact = self.by_windows(order_ids, buckets)
            except TimeBoxOver:
                exact, self.timed_out = None, True
            if exact is not None:
                best, complete = (exact if len(exact) > len(best) else best), True
        return best, complete, order_ids

    timed_out = False

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
            self.check_time()
            room = sum(sizes) if self.limit is None else self.limit - len(self.booked.get(bucket, []))
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


class _NodeLimit(Exception):
    pass


def plan_week(
    *,
    orders: list[WorkOrder],
    technicians: list[Technician],
    days: list[date],
    booked: dict[Bucket, list[Interval]],
    served: dict[tuple[int, int], int],
    week_load: dict[int, int],
    now: datetime,
    node_limit: int = NODE_LIMIT,
    seconds: float | None = None,
    progress: Progress | None = None,
    lengths: dict[str, int] | None = None,
    skills: dict[int, set[str]] | None = None,
    required: dict[str, set[str]] | None = None,
    engine: str | None = None,
    booked_places: dict[tuple[int, datetime], tuple[float, float]] | None = None,
) -> Plan:
    """Propose a technician and a start for as many `orders` as the rules allow; say why for the rest.

    `booked` holds the intervals [start, end) already booked on each technician's days; `lengths`
    the minutes per job type (read when not given); `served` counts past jobs per
    (technician, customer); `week_load` counts each technician's booked jobs this week. The run
    takes at most `seconds` (the time box, TECHFLOW_PLANNER_TIME_BOX by default); `progress` is
    called with (orders considered, orders to consider) as the search goes. `skills` (technician
    id -> skill names) and `required` (job type -> skill names) hold each placement to the job's
    skills. `booked_places` ((technician id, start) -> (latitude, longitude)) says where the booked
    jobs are, for the drive to and from them. `engine` (TECHFLOW_PLANNER_ENGINE by default):
    "ortools", the travel-aware optimiser (dispatch.optimiser), or "search", the exact search
    below, over the same rules; either way every placement is checked by
    scheduling.placement_refusals before it is proposed.
    """
    started = time.monotonic()
    box = time_box() if seconds is None else seconds
    engine = engine or planner_engine()
    search = _Search(
        orders=orders,
        technicians=technicians,
        days=days,
        booked=booked,
        served=served,
        week_load=week_load,
        now=now,
        node_limit=node_limit,
        deadline=started + box,
        progress=progress,
        lengths=lengths,
    )
    optimiser_reasons: dict[int, str] = {}
    if engine == "ortools":
        starts_of, optimiser_reasons, complete = _optimised(
            search,
            booked=booked,
            skills=skills or {},
            required=required or {},
            seconds=box,
            booked_places=booked_places or {},
        )
        chosen = {pk: bucket for pk, (bucket, _) in starts_of.items()}
        unreached: set[int] = set()
    else:
        chosen, complete, searched = search.run()
        # The orders the search never reached: a partial plan says which.
        unreached = (
            {pk for pk in searched[search.decided :] if pk not in chosen} if search.timed_out else set()
        )
    plan = Plan(days=days, exhaustive=complete, partial=bool(unreached), nodes=search.nodes)
    by_bucket: dict[Bucket, list[int]] = defaultdict(list)
    for order_id, bucket in chosen.items():
        by_bucket[bucket].append(order_id)
    load = dict(week_load)
    placed = set()
    for bucket in sorted(by_bucket, key=lambda b: (b[1], search.techs[b[0]].name)):
        ids = tuple(sorted(by_bucket[bucket]))
        starts = tuple(starts_of[pk][1] for pk in ids) if engine == "ortools" else search.fit(bucket, ids)
        technician = search.techs[bucket[0]]
        existing = booked.get(bucket, [])
        for n, (order_id, start) in enumerate(sorted(zip(ids, starts, strict=True), key=lambda p: p[1]), 1):
            order = search.by_id[order_id]
            others = [
                *existing,
                *((s, s + search.durations[pk]) for pk, s in zip(ids, starts, strict=True) if pk != order_id),
            ]
            # The last word is the rules', placement by placement, exactly as the board would check it.
            if placement_refusals(
                technician=technician,
                start=start,
                duration=search.durations[order_id],
                same_day_jobs=others,
                customer=order.customer,
                technician_skills=None if skills is None else skills.get(technician.pk, set()),
                required=(required or {}).get(order.job_type, set()),
            ):
                continue
            placed.add(order_id)
            load[technician.pk] = load.get(technician.pk, 0) + 1
            reason = _reason(order, technician, start, len(existing), n, served, load)
            if optimiser_reasons.get(order_id):
                reason = f"{reason[:-1]}; {optimiser_reasons[order_id]}."
            plan.placements.append(Placement(order, technician, start, reason, order.version))
    plan.placements.sort(key=lambda p: (p.start, p.technician.name))
    if engine == "ortools" and len(placed) < len(orders):
        search.fits_alone()  # what _why reads to say why an order was left out
    for order in orders:
        if order.pk not in placed:
            why = NOT_CONSIDERED if order.pk in unreached else _why(order, search, days)
            plan.unplaced.append(Unplaced(order, why))
    plan.seconds = time.monotonic() - started
    return plan


def planner_engine() -> str:
    """Which planner "Plan the week" runs (TECHFLOW_PLANNER_ENGINE): "ortools", the travel-aware
    optimiser (the default), or "search", the exact search that ignores geography."""
    engine = getattr(settings, "TECHFLOW_PLANNER_ENGINE", "ortools")
    return engine if engine in ("search", "ortools") else "ortools"


def _minute(at) -> int:
    return at.hour * 60 + at.minute


def optimiser_instance(
    *,
    technicians: Iterable[Technician],
    days: list[date],
    now: datetime,
    orders: Iterable[WorkOrder],
    durations: dict[int, timedelta],
    booked: dict[Bucket, list[Interval]],
    skills: dict[int, set[str]],
    required: dict[str, set[str]],
    limit: int | None,
    week_load: dict[int, int] | None = None,
    booked_places: dict[tuple[int, datetime], tuple[float, float]] | None = None,
):
    """The one builder of a dispatch.optimiser Instance from the database's objects ("Plan the week"
    and "Fix my day"): each technician's shifts on `days` (their hours, never before `now` today,
    the daily cap `limit`, skills, home base and zone), the `orders` as jobs (lengths, the
    customer's window, place and zone, the job type's skills), the intervals already `booked`
    (kept where they are, at `booked_places` when known; today's are cut at the shift's start), the
    week's load per technician (`week_load`, for the optimiser's balance) and drive times between places
    (dispatch.routing: a routing server's table when TECHFLOW_ROUTING_URL is set, else straight
    line)."""
    from dispatch import optimiser, routing

    shifts = []
    now = timezone.localtime(now)
    opens: dict[Bucket, int] = {}
    technicians = list(technicians)
    for technician in technicians:
        for day in days:
            begins, ends = work_hours(technician, day)
            first = _minute(begins)
            if day == now.date():
                # Never in the past: today's shift opens at the next whole minute.
                first = max(first, _minute(now) + 1)
            elif day < now.date():
                continue
            opens[(technician.pk, day)] = first
            shifts.append(
                optimiser.Shift(
                    technician_id=technician.pk,
                    day=day,
                    start=first,
                    end=_minute(ends),
                    max_jobs=limit,
                    skills=frozenset(skills.get(technician.pk, ())),
                    home=place(technician.home_latitude, technician.home_longitude),
                    zone=str(technician.home_zone_id) if technician.home_zone_id else None,
                    name=technician.name,
                )
            )
    jobs = []
    for order in orders:
        customer = order.customer
        window = None
        if has_window(customer):
            window = (_minute(customer.preferred_schedule_start), _minute(customer.preferred_schedule_end))
        jobs.append(
            optimiser.Job(
                order_id=order.pk,
                duration=int(durations[order.pk].total_seconds() // 60),
                skills=frozenset(required.get(order.job_type, ())),
                location=place(customer.latitude, customer.longitude) if customer else None,
                window=window,
                zone=str(customer.zone_id) if customer and customer.zone_id else None,
            )
        )
    bookings = []
    for (tech_id, day), spans in booked.items():
        if (tech_id, day) not in opens:
            continue
        for start, end in spans:
            begins = _minute(timezone.localtime(start))
            ends = min(24 * 60, begins + int((end - start).total_seconds() // 60))
            # What is over before the shift opens (earlier today) no longer takes room; a job still
            # running (an overrun) holds the technician from the shift's start to its end.
            begins = max(begins, opens[(tech_id, day)])
            if ends > begins:
                bookings.append(
                    optimiser.Booking(
                        technician_id=tech_id,
                        day=day,
                        start=begins,
                        end=ends,
                        location=(booked_places or {}).get((tech_id, start)),
                    )
                )
    points = sorted(
        {j.location for j in jobs if j.location}
        | {s.home for s in shifts if s.home}
        | {b.location for b in bookings if b.location}
    )
    if getattr(settings, "TECHFLOW_ROUTING_URL", "") and len(points) <= 500:
        # One table from the routing server for every place of the week.
        index = {p: i for i, p in enumerate(points)}
        matrix = routing.drive_matrix(points)

        def drive(a, b) -> int:
            return math.ceil(matrix[index[a]][index[b]])
    else:

        def drive(a, b) -> int:
            return math.ceil(routing.straight_minutes(a, b))

    return optimiser.Instance(shifts=shifts, jobs=jobs, drive=drive, bookings=bookings, week_load=week_load)


def moment(day: date, minute: int) -> datetime:
    """A minute of a day (the optimiser's time) as an aware datetime in the company's zone."""
    return at_time(day, time_of_day(minute // 60, minute % 60))


def _optimised(
    search: "_Search",
    *,
    booked: dict[Bucket, list[Interval]],
    skills: dict[int, set[str]],
    required: dict[str, set[str]],
    seconds: float,
    booked_places: dict[tuple[int, datetime], tuple[float, float]],
) -> tuple[dict[int, tuple[Bucket, datetime]], dict[int, str], bool]:
    """The week through dispatch.optimiser: the same technicians, days, hours, lengths, windows,
    skills, cap and bookings as the search, with drive times between customers (dispatch.routing).
    Returns {order id: ((technician id, day), start)}, the optimiser's reason per order, and
    whether the placed count is proven best."""
    from dispatch import optimiser

    instance = optimiser_instance(
        technicians=search.techs.values(),
        days=search.days,
        now=search.now,
        orders=search.orders,
        durations=search.durations,
        booked=booked,
        skills=skills,
        required=required,
        limit=search.limit,
        week_load=dict(search.week_load),
        booked_places=booked_places,
    )
    # As long as the company's size needs, inside the time box.
    result = optimiser.solve(instance, min(seconds, optimiser.time_limit(len(search.techs))))
    starts: dict[int, tuple[Bucket, datetime]] = {}
    reasons: dict[int, str] = {}
    for a in result.assignments:
        starts[a.order_id] = ((a.technician_id, a.day), moment(a.day, a.start))
        reasons[a.order_id] = a.drive_reason
    return starts, reasons, result.status == "optimal"


def _reason(order, technician, start, existing, n, served, load) -> str:
    local = timezone.localtime(start)
    window = window_text(order.customer)
    parts = [f"inside {order.customer.name}'s window ({window})" if window else "inside working hours"]
    limit = max_jobs_per_day()
    cap = f"limit {limit}" if limit else "no daily limit"
    parts.append(f"{technician.name.split()[0]}'s {ordinal(existing + n)} job that day ({cap})")
    if served.get((technician.pk, order.customer_id)):
        parts.append("has served this customer before")
    parts.append(f"{load[technician.pk]} jobs this week with the plan")
    return f"{local:%a %b} {local.day}, {clock_time(local.time())}: " + "; ".join(parts) + "."


def _why(order: WorkOrder, search: _Search, days: list[date]) -> str:
    name = order.customer.name if order.customer else "The customer"
    window = window_text(order.customer)
    length = length_text(search.durations[order.pk])
    begins, ends = search.hours
    if not days:
        return "No working days are left in this week."
    if not search.techs:
        return "There are no active technicians."
    if not any(search.starts(order.pk, d) for d in days):
        return (
            f"{name}'s window ({window}) leaves no start for a {length} job inside working hours "
            f"({clock_time(begins)}–{clock_time(ends)}) on the days left this week."
            if window
            else f"No start for a {length} job inside working hours is left this week."
        )
    if not getattr(search, "feasible", {}).get(search.window(order.pk)):
        where = f" inside {name}'s window ({window})" if window else ""
        limit = max_jobs_per_day()
        return (
            f"Every technician is already at the limit of {limit} jobs or busy at every "
            f"start{where} on the days left this week."
            if limit
            else f"Every technician is busy or off work at every start{where} for a {length} job "
            "on the days left this week."
        )
    return (
        "Each technician who could take it has had their free slots given to other orders in this "
        "plan (the daily limit and overlaps leave no room); move or unassign a job to make room."
    )


# The proposal kept as JSON (PlanRun.result) ---------------------------------------------


def plan_to_json(plan: Plan) -> dict:
    return {
        "days": [d.isoformat() for d in plan.days],
        "placements": [
            [p.order.pk, p.technician.pk, p.start.isoformat(), p.version, p.reason] for p in plan.placements
        ],
        "unplaced": [[u.order.pk, u.why] for u in plan.unplaced],
        "exhaustive": plan.exhaustive,
        "partial": plan.partial,
        "nodes": plan.nodes,
        "seconds": round(plan.seconds, 2),
    }


def plan_from_json(data: dict) -> Plan:
    """The proposal with its orders and technicians read again (two queries); an order deleted or
    archived since is left out (applying would refuse it anyway)."""
    order_ids = [row[0] for row in data["placements"]] + [row[0] for row in data["unplaced"]]
    orders = WorkOrder.objects.select_related("customer").in_bulk(order_ids)
    technicians = Technician.objects.in_bulk({row[1] for row in data["placements"]})
    plan = Plan(
        days=[date.fromisoformat(d) for d in data["days"]],
        exhaustive=data["exhaustive"],
        partial=data["partial"],
        nodes=data["nodes"],
        seconds=data["seconds"],
    )
    for order_id, technician_id, start, version, reason in data["placements"]:
        if order_id in orders and technician_id in technicians:
            plan.placements.append(
                Placement(
                    orders[order_id],
                    technicians[technician_id],
                    datetime.fromisoformat(start),
                    reason,
                    version,
                )
            )
    plan.unplaced = [Unplaced(orders[pk], why) for pk, why in data["unplaced"] if pk in orders]
    return plan


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


def week_plan(
    day: date, now: datetime | None = None, progress: Progress | None = None, engine: str | None = None
) -> Plan:
    """The proposal for the week of `day`: seven queries, whatever the data size."""
    now = now or clock.now()
    first, after = week_of(day)
    days = [
        first + timedelta(days=i)
        for i in range(PLAN_WEEKDAYS)
        if first + timedelta(days=i) >= timezone.localdate(now)
    ]
    technicians = list(Technician.objects.filter(active=True).prefetch_related("skills"))
    skills = {t.pk: {s.name for s in t.skills.all()} for t in technicians}
    required: dict[str, set[str]] = defaultdict(set)
    for job_type, skill in JobTypeSkill.objects.values_list("job_type", "skill__name"):
        required[job_type].add(skill)
    orders = list(orders_to_plan(first, after))
    booked: dict[Bucket, list[Interval]] = defaultdict(list)
    week_load: dict[int, int] = defaultdict(int)
    places: dict[tuple[int, datetime], tuple[float, float]] = {}
    bookings = booked_jobs_with_places(first, after, exclude=[o.pk for o in orders])
    for technician_id, at, end, where in bookings:
        booked[(technician_id, timezone.localtime(at).date())].append((at, end))
        week_load[technician_id] += 1
        if where is not None:
            places[(technician_id, at)] = where
    served = served_counts({o.customer_id for o in orders if o.customer_id})
    return plan_week(
        orders=orders,
        technicians=technicians,
        days=days,
        booked=booked,
        served=served,
        week_load=week_load,
        now=now,
        progress=progress,
        skills=skills,
        required=required,
        engine=engine,
        booked_places=places,
    )
