"""A travel-aware planner on OR-Tools: pure data in, a plan with reasons out (no Django models).

The caller (the integrator's task) turns technicians, days, work orders and existing bookings
into an `Instance`; `solve` returns a `Plan`; `repair` ("Fix my day") returns the fewest moves
that make a plan valid again. Times are minutes of the local day (0-1439); a "vehicle" is one
technician's shift on one day.

Hard rules (never broken by a returned plan):
- a job starts at or after its shift's start and ends by the shift's end;
- a job starts inside its arrival window when it has one (the window bounds the start);
- the technician has every skill the job requires;
- at most `max_jobs` jobs that day when the shift has a cap (fixed bookings count);
- on one technician's day, consecutive stops (jobs and fixed bookings, which are kept exactly
  where they are) never overlap, drive time included: end of one + drive <= start of the next;
- an order is placed at most once.

Drive time: `Instance.drive(a, b)` gives whole minutes between two (lat, lng) points; a job or
booking with no location is 0 minutes from anything. The drive from the technician's home to
the first stop counts in the drive total but not against the shift: the shift start is the
earliest the first job can start (technicians leave home before it). The drive home after the
last job is not counted.

Objectives, in order: (1) the placed value: every order weighs by its priority (one order of
a priority outweighs ten of the priority below) plus a little when it is due inside the
planned days, earlier due more; (2) total drive minutes; (3) balanced load (minutes of work
per shift close to the average share).

Methods: small instances are solved exactly by CP-SAT (`exact`), which also proves the
placed-value optimum; larger ones by the OR-Tools routing library. Past ~60 shifts the week is
decomposed: technicians are grouped by zone and position, orders go to the nearest group that
has the skill and room, each group is a routing problem with its share of the time limit; a
second round offers each group the nearest orders still unplaced, and what is left is inserted
greedily anywhere it fits. The decomposition's time limit is CPU (worker) time: on a machine
shared with other work, OR-Tools' wall-clock limits are stretched by the wall/CPU ratio seen so
far (at most 5x), so wall time can exceed the limit while the work stays within it.

Determinism: CP-SAT runs with one worker and a fixed seed; the routing search is bounded by
time, so its plan can differ between runs when the machine's load differs.
"""

import dataclasses
import itertools
import math
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field

Location = tuple[float, float]

PRIORITIES = ("emergency", "high", "normal", "low")
PRIORITY_WEIGHT = {"emergency": 10_000, "high": 1_000, "normal": 100, "low": 10}
# The value unit in drive minutes: placing one more low order beats any drive saving below this.
VALUE_TO_DRIVE = 100
DRIVE_COST = 100  # routing arc cost per drive minute; load balance costs 1 per minute over
SMALL_SHIFTS = 12  # CP-SAT exact when shifts <= this and
SMALL_JOBS = 30  # jobs <= this
BALANCE_SHARE = 0.1  # of the time limit, for balancing the load after solving
GROUP_FLOOR_S = 0.05  # the least a group is given (wall clock)
GUIDED_GROUPS = True  # greedy descent measured worse: no early stop, fewer placed
ROUND2_EXTRA = 8  # leftover orders offered to each group in the second round
GROUP_TECHS = 6  # technicians per routing sub-problem in the decomposition
DECOMPOSE_SHIFTS = 60
LINEARIZATION = 1
DEBUG = False


@dataclass(frozen=True)
class Shift:
    technician_id: int
    day: Hashable  # a date, or any sortable day key
    start: int
    end: int
    max_jobs: int | None = None
    skills: frozenset = frozenset()
    home: Location | None = None
    zone: str | None = None
    name: str = ""


@dataclass(frozen=True)
class Job:
    order_id: int
    duration: int
    skills: frozenset = frozenset()
    location: Location | None = None
    window: tuple[int, int] | None = None  # the start must fall inside [from, to]
    priority: str = "normal"
    due: Hashable | None = None  # a day key like Shift.day
    zone: str | None = None


@dataclass(frozen=True)
class Booking:
    """An existing job kept exactly where it is; the planner routes around it."""

    technician_id: int
    day: Hashable
    start: int
    end: int
    location: Location | None = None
    order_id: int | None = None


@dataclass
class Instance:
    shifts: list[Shift]
    jobs: list[Job]
    drive: Callable[[Location, Location], int]
    bookings: list[Booking] = field(default_factory=list)
    # Jobs each technician already has in the week (technician id -> count). Given, the plan's load
    # is balanced as the third objective (after the placed value and the drive); None: not balanced.
    week_load: dict[int, int] | None = None


@dataclass(frozen=True)
class Assignment:
    order_id: int
    technician_id: int
    day: Hashable
    start: int
    reason: str = ""
    # The reason without the job's place in the day and the window: who is closest, the drive and
    # the zone, for a caller that says the rest in its own words (planner.plan_week).
    drive_reason: str = ""


@dataclass
class Plan:
    assignments: list[Assignment]
    unplaced: dict[int, str]  # order id -> why
    drive_minutes: int
    value: int  # placed value (objective 1)
    value_bound: int  # no plan places more value than this
    status: str  # "optimal" (objective 1 proven), "feasible", "no shifts"
    method: str
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Move:
    order_id: int
    before: Assignment | None  # None: was not placed (e.g. the emergency insert)
    after: Assignment | None  # None: dropped from the day
    new_time: bool  # the customer needs to be told a new time (start changed or dropped)


@dataclass
class Repair:
    plan: Plan
    moves: list[Move]  # orders of the current plan that change (moved or dropped)
    added: list[Assignment]  # orders that were not in the current plan (the emergency insert)
    customers_to_call: list[int]  # order ids whose customer needs a new time


def job_value(job: Job, days: list) -> int:
    value = PRIORITY_WEIGHT.get(job.priority, PRIORITY_WEIGHT["normal"]) * 10
    if job.due is not None and days:
        # Due inside the planned days: up to +5, the earliest day most.
        later = sum(1 for d in days if d > job.due)
        if job.due <= days[-1]:
            value += min(5, 1 + later)
    return value


def _drive(instance: Instance) -> Callable[[Location | None, Location | None], int]:
    cache: dict = {}

    def drive(a, b):
        if a is None or b is None or a == b:
            return 0
        key = (a, b)
        if key not in cache:
            cache[key] = int(math.ceil(instance.drive(a, b)))
        return cache[key]

    return drive


def _fits_shift(job: Job, shift: Shift) -> bool:
    """The job alone could go on this shift (skills, hours, window)."""
    if not job.skills <= shift.skills:
        return False
    if shift.max_jobs is not None and shift.max_jobs < 1:
        return False
    lo, hi = _start_range(job, shift)
    return lo <= hi


def _start_range(job: Job, shift: Shift) -> tuple[int, int]:
    lo, hi = shift.start, shift.end - job.duration
    if job.window is not None:
        lo, hi = max(lo, job.window[0]), min(hi, job.window[1])
    return lo, hi


# --- one shift's stops: feasibility and earliest times (used by insertion, repair, checks) ---


@dataclass
class _Stop:
    key: object  # order id, or ("booking", index)
    location: Location | None
    duration: int
    lo: int  # earliest start
    hi: int  # latest start
    is_job: bool


def _schedule(stops: list[_Stop], shift: Shift, drive) -> list[int] | None:
    """Earliest start of each stop in this order, or None when the order is infeasible."""
    at, prev, starts = shift.start, None, []
    for stop in stops:
        if prev is not None:
            at += drive(prev.location, stop.location)
        start = max(at, stop.lo)
        if start > stop.hi:
            return None
        starts.append(start)
        at, prev = start + stop.duration, stop
    if stops and at > shift.end and stops[-1].is_job:
        return None
    return starts


def _route_drive(stops: list[_Stop], shift: Shift, drive) -> int:
    total, prev = 0, shift.home
    for stop in stops:
        total += drive(prev, stop.location)
        prev = stop.location
    return total


def _booking_stops(instance: Instance) -> dict[tuple, list[_Stop]]:
    """Fresh stop objects for the bookings, by (technician, day)."""
    out = defaultdict(list)
    for i, b in enumerate(instance.bookings):
        out[(b.technician_id, b.day)].append(
            _Stop(("booking", i), b.location, b.end - b.start, b.start, b.start, False)
        )
    return out


def _job_stop(job: Job, shift: Shift) -> _Stop:
    lo, hi = _start_range(job, shift)
    return _Stop(job.order_id, job.location, job.duration, lo, hi, True)


# --- CP-SAT: exact on small instances ---


def exact(
    instance: Instance,
    time_limit_s: float = 10.0,
    *,
    keep: dict | None = None,
    hint: "Plan | None" = None,
    objective: str = "full",
    min_value: int = 0,
    workers: int = 1,
) -> Plan:
    """Solve with CP-SAT. Status 'optimal' proves the objective optimal.

    objective "value": the placed value only (fast to prove; used to measure the other
    methods); "full": value, then drive. Load balance is not modelled here.
    `keep` (order id -> Assignment) turns the model into the repair model: every order whose
    assignment changes costs one move, and moves are minimised right after the placed value.
    `hint`: a plan to start from; `min_value`: only plans placing at least this value.
    """
    from ortools.sat.python import cp_model

    drive = _drive(instance)
    shifts = sorted(instance.shifts, key=lambda s: (s.day, s.technician_id))
    days = sorted({s.day for s in shifts})
    jobs = instance.jobs
    booked = _booking_stops(instance)
    model = cp_model.CpModel()
    visit = defaultdict(dict)  # job index -> shift index -> literal
    start_vars = defaultdict(dict)
    shift_drive_terms = []
    locs = {s.home for s in shifts} | {j.location for j in jobs} | {b.location for b in instance.bookings}
    for v, shift in enumerate(shifts):
        stops: list[tuple[object, _Stop]] = []
        for j, job in enumerate(jobs):
            if _fits_shift(job, shift):
                stops.append((j, _job_stop(job, shift)))
        for stop in booked.get((shift.technician_id, shift.day), []):
            stops.append((None, stop))
        if not stops:
            continue
        lits, starts = [], []
        arcs = []
        for k, (j, stop) in enumerate(stops):
            node = k + 1
            lit = model.NewBoolVar("") if j is not None else model.NewConstant(1)
            s = model.NewIntVar(stop.lo, stop.hi, "")
            lits.append(lit)
            starts.append(s)
            if j is not None:
                visit[j][v] = lit
                start_vars[j][v] = s
                arcs.append((node, node, lit.Not()))
            # depot -> node: the shift start bounds it (s.lo >= shift.start already)
            first = model.NewBoolVar("")
            arcs.append((0, node, first))
            home = drive(shift.home, stop.location)
            if home:
                shift_drive_terms.append(home * first)
            last = model.NewBoolVar("")
            arcs.append((node, 0, last))
            if stop.is_job:
                model.Add(s + stop.duration <= shift.end).OnlyEnforceIf(last)
        for a, (_, sa) in enumerate(stops):
            for b, (_, sb) in enumerate(stops):
                if a == b:
                    continue
                d = drive(sa.location, sb.location)
                if sa.lo + sa.duration + d > sb.hi:
                    continue
                lit = model.NewBoolVar("")
                arcs.append((a + 1, b + 1, lit))
                model.Add(starts[b] >= starts[a] + sa.duration + d).OnlyEnforceIf(lit)
                if d:
                    shift_drive_terms.append(d * lit)
        empty = model.NewBoolVar("")
        arcs.append((0, 0, empty))
        model.AddCircuit(arcs)
        job_lits = [lit for (j, _), lit in zip(stops, lits, strict=True) if j is not None]
        # Redundant but a strong bound: the day's job minutes fit in its free minutes.
        fixed_minutes = sum(st.duration for j, st in stops if j is None)
        model.Add(
            sum(st.duration * lit for (j, st), lit in zip(stops, lits, strict=True) if j is not None)
            <= shift.end - shift.start - fixed_minutes
        )
        if shift.max_jobs is not None:
            fixed = sum(1 for j, _ in stops if j is None)
            model.Add(sum(job_lits) <= max(0, shift.max_jobs - fixed))
    values = [job_value(job, days) for job in jobs]
    placed_terms = []
    for j in range(len(jobs)):
        if visit[j]:
            model.AddAtMostOne(visit[j].values())
            placed_terms.append(values[j] * sum(visit[j].values()))
    if min_value:
        model.Add(sum(placed_terms) >= min_value)
    moves_terms = []
    if keep:
        index = {(s.technician_id, s.day): v for v, s in enumerate(shifts)}
        for j, job in enumerate(jobs):
            before = keep.get(job.order_id)
            if before is None:
                continue
            v = index.get((before.technician_id, before.day))
            same = model.NewBoolVar("")
            if v is None or v not in visit[j]:
                model.Add(same == 0)
            else:
                model.AddImplication(same, visit[j][v])
                model.Add(start_vars[j][v] == before.start).OnlyEnforceIf(same)
                model.AddHint(visit[j][v], 1)
                model.AddHint(start_vars[j][v], before.start)
            moves_terms.append(1 - same)
    if hint is not None:
        index = {(s.technician_id, s.day): v for v, s in enumerate(shifts)}
        position = {job.order_id: j for j, job in enumerate(jobs)}
        for a in hint.assignments:
            j, v = position.get(a.order_id), index.get((a.technician_id, a.day))
            if j is not None and v in visit[j]:
                model.AddHint(visit[j][v], 1)
                model.AddHint(start_vars[j][v], a.start)
    # Lexicographic by weights: value >> moves >> drive.
    total_drive = sum(shift_drive_terms) if objective == "full" else 0
    longest = max((drive(a, b) for a in locs for b in locs), default=0)
    drive_bound = longest * (len(jobs) + len(instance.bookings) + len(shifts)) + 1
    move_weight = drive_bound + 1
    value_weight = move_weight * (len(jobs) + 1)
    model.Maximize(value_weight * sum(placed_terms) - move_weight * sum(moves_terms) - total_drive)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = 1
    solver.parameters.linearization_level = LINEARIZATION
    status = solver.Solve(model)
    bound_value = sum(values)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return Plan(
            [], {j.order_id: "no solution found in time" for j in jobs}, 0, 0, bound_value, "unknown", "exact"
        )
    chosen = {}
    for j, by_shift in visit.items():
        for v, lit in by_shift.items():
            if solver.Value(lit):
                chosen[j] = (v, solver.Value(start_vars[j][v]))
    proven = status == cp_model.OPTIMAL
    bound_value = -(-int(solver.BestObjectiveBound()) // value_weight) if not proven else 0
    plan = _finish(
        instance,
        shifts,
        {jobs[j].order_id: (shifts[v], s) for j, (v, s) in chosen.items()},
        method="exact",
        pin=bool(keep),
    )
    plan.status = "optimal" if proven else "feasible"
    plan.value_bound = plan.value if proven else max(plan.value, min(bound_value, sum(values)))
    return plan


# --- the routing library ---


def _routing(
    instance: Instance,
    shifts: list[Shift],
    jobs: list[Job],
    time_limit_s: float,
    drive,
    days: list,
    booked: dict | None = None,
    guided: bool = True,
) -> dict[int, tuple[Shift, int]]:
    """One routing model: vehicles = shifts. Returns order id -> (shift, start).

    guided: guided local search until the time limit; otherwise greedy descent, which stops at
    a local optimum (deterministic whatever the machine's load; the limit is only a cap)."""
    from ortools.constraint_solver import pywrapcp, routing_enums_pb2

    if booked is None:
        booked = _booking_stops(instance)
    nodes: list[_Stop | None] = []
    node_loc: list = []
    starts_idx, ends_idx = [], []
    for shift in shifts:
        starts_idx.append(len(nodes))
        nodes.append(None)
        node_loc.append(shift.home)
        ends_idx.append(len(nodes))
        nodes.append(None)
        node_loc.append(None)
    job_nodes = {}
    eligible = {}
    for job in jobs:
        vs = [v for v, s in enumerate(shifts) if _fits_shift(job, s)]
        if not vs:
            continue
        eligible[job.order_id] = vs
        job_nodes[job.order_id] = len(nodes)
        lo = min(_start_range(job, shifts[v])[0] for v in vs)
        hi = max(_start_range(job, shifts[v])[1] for v in vs)
        nodes.append(_Stop(job.order_id, job.location, job.duration, lo, hi, True))
        node_loc.append(job.location)
    booking_nodes = []
    for v, shift in enumerate(shifts):
        for stop in booked.get((shift.technician_id, shift.day), []):
            booking_nodes.append((len(nodes), v))
            nodes.append(stop)
            node_loc.append(stop.location)
    if not job_nodes:
        return {}
    n = len(nodes)
    is_start = [False] * n
    for i in starts_idx:
        is_start[i] = True
    is_end = [False] * n
    for i in ends_idx:
        is_end[i] = True
    # Only arcs that can exist: a start or a booking of vehicle v leads to jobs and v's own
    # bookings; a job leads to any job or booking. Every other arc is closed (time too long).
    closed = 10 * 24 * 60
    own = defaultdict(list)  # vehicle -> its booking nodes
    vehicle_of = {}
    for i, v in booking_nodes:
        own[v].append(i)
        vehicle_of[i] = v
    for v, i in enumerate(starts_idx):
        vehicle_of[i] = v
    job_list = list(job_nodes.values())
    all_bookings = [i for i, _ in booking_nodes]
    dmat = [[0] * n for _ in range(n)]
    tmat = [[closed] * n for _ in range(n)]
    for a in range(n):
        if is_end[a]:
            continue
        la = node_loc[a]
        serv = nodes[a].duration if nodes[a] is not None else 0
        row_d, row_t = dmat[a], tmat[a]
        targets = job_list + (all_bookings if a not in vehicle_of else own[vehicle_of[a]])
        for b in targets:
            if a == b:
                continue
            d = drive(la, node_loc[b])
            row_d[b] = d
            # the drive from home does not count against the shift
            row_t[b] = serv + (0 if is_start[a] else d)
        for b in ends_idx:
            row_t[b] = serv
        row_t[a] = 0
    manager = pywrapcp.RoutingIndexManager(n, len(shifts), starts_idx, ends_idx)
    routing = pywrapcp.RoutingModel(manager)
    cost_cb = routing.RegisterTransitMatrix([[d * DRIVE_COST for d in row] for row in dmat])
    routing.SetArcCostEvaluatorOfAllVehicles(cost_cb)
    time_cb = routing.RegisterTransitMatrix(tmat)
    routing.AddDimension(time_cb, 24 * 60, 24 * 60, False, "time")
    tdim = routing.GetDimensionOrDie("time")
    for v, shift in enumerate(shifts):
        tdim.CumulVar(routing.Start(v)).SetRange(shift.start, shift.end)
        tdim.CumulVar(routing.End(v)).SetRange(shift.start, shift.end)
    count = [0] * n
    for i, stop in enumerate(nodes):
        if stop is not None:
            count[i] = 1
    count_cb = routing.RegisterUnaryTransitVector(count)
    caps = [s.max_jobs if s.max_jobs is not None else 10_000 for s in shifts]
    routing.AddDimensionWithVehicleCapacity(count_cb, 0, caps, True, "count")
    work = [nodes[i].duration if nodes[i] is not None and nodes[i].is_job else 0 for i in range(n)]
    work_cb = routing.RegisterUnaryTransitVector(work)
    routing.AddDimension(work_cb, 0, 24 * 60, True, "work")
    wdim = routing.GetDimensionOrDie("work")
    total_work = sum(j.duration for j in jobs)
    total_shift = sum(s.end - s.start for s in shifts) or 1
    share = min(1.0, total_work / total_shift)
    for v, shift in enumerate(shifts):
        wdim.SetCumulVarSoftUpperBound(routing.End(v), int((shift.end - shift.start) * share), 1)
    for job in jobs:
        if job.order_id not in job_nodes:
            continue
        i = job_nodes[job.order_id]
        index = manager.NodeToIndex(i)
        vs = eligible[job.order_id]
        if len(vs) < len(shifts):
            routing.VehicleVar(index).SetValues([-1, *vs])  # -1: not performed
        tdim.CumulVar(index).SetRange(nodes[i].lo, nodes[i].hi)
        # The union of the shifts' start ranges; each vehicle's own hours are enforced by its
        # start (>= shift start) and end (<= shift end, the job's length included) cumuls.
        penalty = job_value(job, days) * VALUE_TO_DRIVE * DRIVE_COST
        routing.AddDisjunction([index], penalty)
    for i, v in booking_nodes:
        index = manager.NodeToIndex(i)
        routing.VehicleVar(index).SetValues([-1, v])
        tdim.CumulVar(index).SetRange(nodes[i].lo, nodes[i].hi)
        routing.AddDisjunction([index], 10**13)  # kept unless the bookings themselves conflict
    params = pywrapcp.DefaultRoutingSearchParameters()
    params.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    params.local_search_metaheuristic = (
        routing_enums_pb2.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        if guided
        else routing_enums_pb2.LocalSearchMetaheuristic.GREEDY_DESCENT
    )
    params.time_limit.FromMilliseconds(max(10, int(time_limit_s * 1000)))
    solution = routing.SolveWithParameters(params)
    out = {}
    if solution is None:
        return out
    for v, shift in enumerate(shifts):
        index = routing.Start(v)
        while not routing.IsEnd(index):
            node = manager.IndexToNode(index)
            stop = nodes[node]
            if stop is not None and stop.is_job:
                out[stop.key] = (shift, solution.Min(tdim.CumulVar(index)))
            index = solution.Value(routing.NextVar(index))
    return out


# --- decomposition for large weeks ---


def _groups(shifts: list[Shift]) -> list[list[Shift]]:
    by_tech = defaultdict(list)
    for s in shifts:
        by_tech[s.technician_id].append(s)
    techs = sorted(by_tech)
    homes = {t: by_tech[t][0].home for t in techs}
    zones = {t: by_tech[t][0].zone or "" for t in techs}
    known = [h for h in homes.values() if h is not None]
    cx = sum(h[0] for h in known) / len(known) if known else 0.0
    cy = sum(h[1] for h in known) / len(known) if known else 0.0

    def angle(t):
        h = homes[t]
        if h is None:
            return (1, 0.0)
        return (0, math.atan2(h[0] - cx, h[1] - cy))

    by_zone = defaultdict(list)
    for t in techs:
        by_zone[zones[t]].append(t)
    groups = []
    for zone in sorted(by_zone):
        members = sorted(by_zone[zone], key=lambda t: (angle(t), t))
        for i in range(0, len(members), GROUP_TECHS):
            groups.append([s for t in members[i : i + GROUP_TECHS] for s in by_tech[t]])
    return groups


def _distribute(groups, jobs, drive, days, bookings):
    """Each order to the nearest group that has a shift able to take it and room left."""
    info = []
    booked = defaultdict(int)
    for b in bookings:
        booked[(b.technician_id, b.day)] += b.end - b.start
    for g in groups:
        homes = [s.home for s in g if s.home is not None]
        centre = (
            (sum(h[0] for h in homes) / len(homes), sum(h[1] for h in homes) / len(homes)) if homes else None
        )
        room = sum(s.end - s.start - booked[(s.technician_id, s.day)] for s in g)
        shapes = list({(s.skills, s.start, s.end, s.max_jobs): s for s in g}.values())
        info.append({"centre": centre, "room": room, "zones": {s.zone for s in g}, "shapes": shapes})
    out = [[] for _ in groups]
    left = []
    order = sorted(jobs, key=lambda j: (-job_value(j, days), -j.duration, j.order_id))
    for job in order:
        best = None
        for gi in range(len(groups)):
            if not any(_fits_shift(job, s) for s in info[gi]["shapes"]):
                continue
            need = job.duration + 15
            if info[gi]["room"] < need:
                continue
            d = drive(info[gi]["centre"], job.location) if info[gi]["centre"] is not None else 0
            if job.zone is not None and job.zone not in info[gi]["zones"]:
                d += 30
            key = (d, gi)
            if best is None or key < best:
                best = key
        if best is None:
            left.append(job)
            continue
        gi = best[1]
        out[gi].append(job)
        info[gi]["room"] -= job.duration + 15
    return out, left


def _insert_greedy(instance, routes, jobs, drive, days, deadline):
    """Cheapest feasible insertion of each leftover order into any shift (most valuable first)."""
    placed = {}
    tech_home = {}
    for shift in instance.shifts:
        tech_home[shift.technician_id] = shift.home
    for job in sorted(jobs, key=lambda j: (-job_value(j, days), j.duration, j.order_id)):
        if time.process_time() > deadline:
            break
        best = None
        for key, (shift, stops) in routes.items():
            if not _fits_shift(job, shift):
                continue
            jobs_today = sum(1 for s in stops)
            if shift.max_jobs is not None and jobs_today >= shift.max_jobs:
                continue
            busy = sum(s.duration for s in stops)
            if shift.end - shift.start - busy < job.duration:
                continue
            inserted = _cheapest_insertion(job, shift, stops, drive)
            if inserted is not None and (best is None or inserted[0] < best[0]):
                best = (inserted[0], key, inserted[1])
        if best is not None:
            _, key, trial = best
            routes[key] = (routes[key][0], trial)
            placed[job.order_id] = key
    return placed


def _cheapest_insertion(job: Job, shift: Shift, stops: list[_Stop], drive) -> tuple[int, list[_Stop]] | None:
    """The job put into the shift's stops where it adds the least drive and the day still
    schedules: (the drive it adds, the new stops), or None when it fits nowhere."""
    new = _job_stop(job, shift)
    base = _route_drive(stops, shift, drive)
    best = None
    for pos in range(len(stops) + 1):
        trial = stops[:pos] + [new] + stops[pos:]
        if _schedule(trial, shift, drive) is None:
            continue
        delta = _route_drive(trial, shift, drive) - base
        if best is None or delta < best[0]:
            best = (delta, trial)
    return best


# --- results ---


def _finish(instance: Instance, shifts: list[Shift], chosen: dict, method: str, pin: bool = False) -> Plan:
    """Rebuild each shift's stops from chosen starts, recompute times, drive, reasons.

    Times are rescheduled as early as the order of stops allows, unless `pin`: then no job
    starts earlier than chosen (repair keeps the times customers were given)."""
    drive = _drive(instance)
    days = sorted({s.day for s in instance.shifts})
    by_key = {(s.technician_id, s.day): s for s in instance.shifts}
    jobs = {j.order_id: j for j in instance.jobs}
    booked = _booking_stops(instance)
    routes = {}
    for key, shift in by_key.items():
        stops = list(booked.get(key, []))
        routes[key] = (shift, stops)
    starts = {("booking", i): b.start for i, b in enumerate(instance.bookings)}
    for order_id, (shift, start) in chosen.items():
        starts[order_id] = start
        stop = _job_stop(jobs[order_id], shift)
        if pin:
            stop.lo = max(stop.lo, start)
        routes[(shift.technician_id, shift.day)][1].append(stop)
    for _, stops in routes.values():
        stops.sort(key=lambda s: (starts[s.key], s.is_job))
    return _plan_from_routes(instance, routes, method, drive, days)


def _plan_from_routes(instance, routes, method, drive, days) -> Plan:
    jobs = {j.order_id: j for j in instance.jobs}
    by_day = defaultdict(list)
    for s in instance.shifts:
        by_day[s.day].append(s)
    assignments = []
    total = 0
    warnings = []
    for key in sorted(routes, key=lambda k: (k[1], k[0])):
        shift, stops = routes[key]
        times = _schedule(stops, shift, drive)
        if times is None:
            # keep a valid subset: drop jobs from the end until the day schedules
            warnings.append(f"shift {key} did not schedule; dropped jobs from its end")
            while times is None and any(s.is_job for s in stops):
                last = max(i for i, s in enumerate(stops) if s.is_job)
                stops.pop(last)
                times = _schedule(stops, shift, drive)
            if times is None:
                warnings.append(f"fixed bookings conflict on shift {key}")
                continue
        total += _route_drive(stops, shift, drive)
        nth = 0
        prev_loc, prev_what = shift.home, "home"
        for stop, start in zip(stops, times, strict=True):
            leg = drive(prev_loc, stop.location)
            if stop.is_job:
                nth += 1
                assignments.append(
                    Assignment(
                        stop.key,
                        shift.technician_id,
                        shift.day,
                        start,
                        *_reasons(by_day, jobs[stop.key], shift, leg, prev_what, nth),
                    )
                )
                prev_what = "the previous job"
            else:
                prev_what = "the booked job before"
            prev_loc = stop.location
    placed = {a.order_id for a in assignments}
    unplaced = {j.order_id: _why_unplaced(instance, j) for j in instance.jobs if j.order_id not in placed}
    value = sum(job_value(jobs[o], days) for o in placed)
    bound = sum(job_value(j, days) for j in instance.jobs if any(_fits_shift(j, s) for s in instance.shifts))
    return Plan(assignments, unplaced, total, value, bound, "feasible", method, warnings)


def _ordinal(n: int) -> str:
    return {1: "1st", 2: "2nd", 3: "3rd"}.get(n, f"{n}th")


def _flat(a, b) -> float:
    """Straight-line distance for ranking technicians (a flat-earth approximation, no units)."""
    if a is None or b is None:
        return 0.0
    return (a[0] - b[0]) ** 2 + ((a[1] - b[1]) * math.cos(math.radians(a[0]))) ** 2


def _reasons(by_day, job, shift, leg, prev_what, nth) -> tuple[str, str]:
    """The placement's reason in words, whole and without the job's place in the day and the window."""
    mine = _flat(shift.home, job.location)
    rank = 1 + sum(
        1
        for s in by_day[shift.day]
        if s.technician_id != shift.technician_id
        and (_flat(s.home, job.location), s.technician_id) < (mine, shift.technician_id)
        and _fits_shift(job, s)
    )
    skills = f" with {', '.join(sorted(job.skills))}" if job.skills else ""
    who = "closest" if rank == 1 else f"{_ordinal(rank)} closest"
    where = f"{leg} min from {prev_what}" if job.location is not None else "no address, no drive"
    head = f"{who} technician{skills} working that day: {where}"
    zone = f", in their zone {job.zone}" if job.zone is not None and job.zone == shift.zone else ""
    window = (
        f", inside the customer's window {_clock(job.window[0])}-{_clock(job.window[1])}"
        if job.window is not None
        else ""
    )
    return f"{head}, {_ordinal(nth)} job of the day{zone}{window}", head + zone


def _clock(minute: int) -> str:
    return f"{minute // 60}:{minute % 60:02d}"


def _why_unplaced(instance: Instance, job: Job) -> str:
    skilled = [s for s in instance.shifts if job.skills <= s.skills]
    if not skilled:
        return f"no technician has {', '.join(sorted(job.skills))}"
    longest = max(s.end - s.start for s in skilled)
    if job.duration > longest:
        return f"{job.duration} min is longer than any working day of a technician with the skills"
    if not any(_fits_shift(job, s) for s in skilled):
        return "the customer's window leaves no start time inside any skilled technician's hours"
    if all(s.max_jobs is not None for s in skilled):
        return "every technician who could take it is full (hours, drive time or the daily job cap)"
    return "every technician who could take it is full that week (hours and drive time)"


# --- the entry points ---


# The solver's time limit by company size (technicians -> seconds), measured by bench/optimiser.py:
# enough for the plan to settle (drive within 2% of a 10x longer run), and no longer.
TIME_LIMITS = ((5, 1.0), (20, 1.5), (100, 10.0), (500, 25.0))


def time_limit(technicians: int) -> float:
    """Seconds for a week of this many technicians: TIME_LIMITS, straight between its points."""
    (low, low_s), *_ = TIME_LIMITS
    if technicians <= low:
        return low_s
    for (a, a_s), (b, b_s) in itertools.pairwise(TIME_LIMITS):
        if technicians <= b:
            return a_s + (b_s - a_s) * (technicians - a) / (b - a)
    return TIME_LIMITS[-1][1]


def _workable(instance: Instance) -> Instance:
    """The instance without shifts that have no minute in them (a day already over, hours the wrong
    way round) and their bookings: such a shift takes nothing, and an empty range breaks the solvers."""
    if all(s.start < s.end for s in instance.shifts):
        return instance
    kept = [s for s in instance.shifts if s.start < s.end]
    keys = {(s.technician_id, s.day) for s in kept}
    bookings = [b for b in instance.bookings if (b.technician_id, b.day) in keys]
    return dataclasses.replace(instance, shifts=kept, bookings=bookings)


def solve(instance: Instance, time_limit_s: float = 10.0, *, method: str = "auto", workers: int = 1) -> Plan:
    """Plan the instance. method: auto, exact (CP-SAT), routing (one model), decompose.

    With the instance's week_load, the plan is then balanced (_balance): a job moves to a
    technician with at least two jobs fewer this week, on the same day, wherever that adds no
    drive time, in the last tenth of the time limit (CPU)."""
    instance = _workable(instance)
    balance = instance.week_load is not None
    # The balance's share comes out of the limit: the whole run stays inside it.
    solving = time_limit_s * (1 - BALANCE_SHARE) if balance else time_limit_s
    plan = _solve(instance, solving, method=method, workers=workers)
    if not balance or not plan.assignments:
        return plan
    drive = _drive(instance)
    routes = _routes_of(instance, plan)
    deadline = time.process_time() + BALANCE_SHARE * time_limit_s
    if not _balance(instance, routes, drive, deadline):
        return plan
    days = sorted({s.day for s in instance.shifts})
    balanced = _plan_from_routes(instance, routes, plan.method, drive, days)
    balanced.status, balanced.value_bound = plan.status, plan.value_bound
    balanced.warnings = plan.warnings + balanced.warnings
    return balanced


def _balance(instance: Instance, routes: dict, drive, deadline: float) -> bool:
    """Move jobs from the busiest technicians of the week to ones with at least two jobs fewer on
    the same day (the customer keeps their day), each move the one that saves the most drive
    (never adding any), until none is left or the CPU `deadline`. Every move keeps the day
    feasible (hours, windows, skills, the cap). Returns whether anything moved."""
    jobs = {j.order_id: j for j in instance.jobs}
    load: Counter = Counter(instance.week_load)
    for shift, stops in routes.values():
        load[shift.technician_id] += sum(1 for stop in stops if stop.is_job)
    moved = False
    while time.process_time() < deadline:
        best = None
        for key_a, (shift_a, stops_a) in sorted(routes.items(), key=lambda kv: -load[kv[1][0].technician_id]):
            if time.process_time() > deadline:
                break
            tech_a = shift_a.technician_id
            lighter = [
                (key, shift, stops)
                for key, (shift, stops) in routes.items()
                if shift.day == shift_a.day
                and load[shift.technician_id] + 2 <= load[tech_a]
                and (shift.max_jobs is None or len(stops) < shift.max_jobs)
            ]
            if not lighter:
                continue
            before_a = _route_drive(stops_a, shift_a, drive)
            for stop in [s for s in stops_a if s.is_job]:
                job = jobs[stop.key]
                rest = [s for s in stops_a if s is not stop]
                if _schedule(rest, shift_a, drive) is None:
                    continue
                saved = before_a - _route_drive(rest, shift_a, drive)
                for key_b, shift_b, stops_b in lighter:
                    if not _fits_shift(job, shift_b):
                        continue
                    inserted = _cheapest_insertion(job, shift_b, stops_b, drive)
                    if inserted is None:
                        continue
                    delta = inserted[0] - saved
                    rank = (delta, load[shift_b.technician_id] - load[tech_a], str(key_b))
                    if delta <= 0 and (best is None or rank < best[0]):
                        best = (rank, key_a, rest, key_b, inserted[1])
            if best is not None:
                break  # the busiest technician with a move: apply it, then look again
        if best is None:
            break
        _, key_a, rest, key_b, trial = best
        load[routes[key_a][0].technician_id] -= 1
        load[routes[key_b][0].technician_id] += 1
        routes[key_a] = (routes[key_a][0], rest)
        routes[key_b] = (routes[key_b][0], trial)
        moved = True
    return moved


def _solve(instance: Instance, time_limit_s: float, *, method: str, workers: int) -> Plan:
    started = time.monotonic()
    drive = _drive(instance)
    shifts = sorted(instance.shifts, key=lambda s: (s.day, s.technician_id))
    if not shifts:
        return Plan(
            [],
            {j.order_id: "no technician works these days" for j in instance.jobs},
            0,
            0,
            0,
            "no shifts",
            method,
        )
    days = sorted({s.day for s in shifts})
    if method == "auto":
        if len(shifts) <= SMALL_SHIFTS and len(instance.jobs) <= SMALL_JOBS:
            method = "small"
        elif len(shifts) <= DECOMPOSE_SHIFTS:
            method = "routing"
        else:
            method = "decompose"
    if method == "exact":
        return exact(instance, time_limit_s, workers=workers)
    if method == "small":
        # The routing heuristic; CP-SAT on the placed value alone (fast to prove), then CP-SAT
        # on drive with that value required. The best of the three by (value, -drive).
        chosen = _routing(instance, shifts, instance.jobs, min(1.0, time_limit_s * 0.2), drive, days)
        plans = [_finish(instance, shifts, chosen, "routing")]
        left = time_limit_s - (time.monotonic() - started)
        most = exact(instance, max(0.1, left * 0.7), hint=plans[0], objective="value", workers=workers)
        plans.append(most)
        best = max(plans, key=lambda p: (p.value, -p.drive_minutes))
        left = min(time_limit_s * 0.3, time_limit_s - (time.monotonic() - started))
        last = exact(instance, max(0.1, left), hint=best, min_value=best.value, workers=workers)
        if last.assignments or not best.assignments:
            plans.append(last)
        plan = max(plans, key=lambda p: (p.value, -p.drive_minutes))
        plan.value_bound = min(p.value_bound for p in plans)
        plan.status = "optimal" if plan.value >= plan.value_bound else "feasible"
        return plan
    if method == "routing":
        chosen = _routing(instance, shifts, instance.jobs, time_limit_s, drive, days)
        return _finish(instance, shifts, chosen, "routing")
    # The budget is CPU (worker) time. OR-Tools' limits are wall-clock, so on a machine shared
    # with other work each group's limit is stretched by the wall/CPU ratio seen so far.
    cpu_started = time.process_time()

    def spent():
        return time.process_time() - cpu_started

    def stretch():
        return min(5.0, max(1.0, (time.monotonic() - started) / max(0.2, spent())))

    groups = _groups(shifts)
    parts, left = _distribute(groups, instance.jobs, drive, days, instance.bookings)
    booked = _booking_stops(instance)  # read only by _routing
    budget = time_limit_s * 0.45
    work = [(gi, p) for gi, p in enumerate(parts) if p]
    total_jobs = sum(len(p) for _, p in work) or 1
    per_group = [dict() for _ in groups]
    for gi, p in work:
        remaining = budget - spent()
        share = max(GROUP_FLOOR_S, remaining * len(p) / total_jobs) * stretch()
        total_jobs -= len(p)
        per_group[gi] = _routing(instance, groups[gi], p, share, drive, days, booked, GUIDED_GROUPS)
    _debug("round 1", started, sum(len(c) for c in per_group))
    # Round 2: each group with its own orders plus the nearest orders no group placed; the
    # group's new plan is kept only when it places more value.
    by_id = {j.order_id: j for j in instance.jobs}
    taken = {o for c in per_group for o in c}
    left_ids = [j.order_id for j in instance.jobs if j.order_id not in taken]
    budget = time_limit_s * 0.75
    tries = list(range(len(groups)))
    for n, gi in enumerate(tries):
        if not left_ids:
            break
        remaining = budget - spent()
        if remaining <= 0.05:
            break
        shapes = list({(s.skills, s.start, s.end, s.max_jobs): s for s in groups[gi]}.values())
        homes = [s.home for s in groups[gi] if s.home is not None]
        centre = None
        if homes:
            centre = (sum(h[0] for h in homes) / len(homes), sum(h[1] for h in homes) / len(homes))
        near = sorted(
            (drive(centre, by_id[o].location), o)
            for o in left_ids
            if any(_fits_shift(by_id[o], s) for s in shapes)
        )[:ROUND2_EXTRA]
        if not near:
            continue
        mine = [by_id[o] for o in per_group[gi]] + [by_id[o] for _, o in near]
        share = max(0.05, remaining / (len(tries) - n)) * stretch()
        again = _routing(instance, groups[gi], mine, share, drive, days, booked, GUIDED_GROUPS)
        if sum(job_value(by_id[o], days) for o in again) > sum(
            job_value(by_id[o], days) for o in per_group[gi]
        ):
            per_group[gi] = again
            left_ids = [o for o in left_ids if o not in again]
    chosen = {}
    for c in per_group:
        chosen.update(c)
    plan = _finish(instance, shifts, chosen, "decompose")
    _debug("groups solved", started, len(plan.assignments))
    # leftovers: anything not placed, inserted greedily wherever it fits
    placed = {a.order_id for a in plan.assignments}
    rest = [j for j in instance.jobs if j.order_id not in placed and any(_fits_shift(j, s) for s in shifts)]
    if rest:
        routes = _routes_of(instance, plan)
        _insert_greedy(instance, routes, rest, drive, days, cpu_started + time_limit_s)
        plan = _plan_from_routes(instance, routes, "decompose", drive, days)
    _debug("leftovers inserted", started, len(plan.assignments))
    return plan


def _debug(what, started, placed):
    if DEBUG:
        print(f"  {what}: {time.monotonic() - started:.1f} s, {placed} placed", flush=True)


def _routes_of(instance: Instance, plan: Plan) -> dict:
    """Each shift's stops in time order (bookings and the plan's jobs)."""
    jobs = {j.order_id: j for j in instance.jobs}
    by_key = {(s.technician_id, s.day): s for s in instance.shifts}
    booked = _booking_stops(instance)
    routes = {k: (s, list(booked.get(k, []))) for k, s in by_key.items()}
    starts = {("booking", i): b.start for i, b in enumerate(instance.bookings)}
    for a in plan.assignments:
        shift = by_key[(a.technician_id, a.day)]
        starts[a.order_id] = a.start
        routes[(a.technician_id, a.day)][1].append(_job_stop(jobs[a.order_id], shift))
    for _, stops in routes.values():
        stops.sort(key=lambda s: (starts[s.key], s.is_job))
    return routes


def repair(
    instance: Instance, current: Iterable[Assignment], time_limit_s: float = 10.0, *, workers: int = 1
) -> Repair:
    """ "Fix my day": the fewest changed orders that make the day valid again.

    `instance` is the day as it is now (a cancelled order removed from jobs, an emergency added
    to jobs, an overrun booking with its later end); `current` is the plan the customers were
    told. Orders still in `instance.jobs` keep their slot unless they must move. Objective: the
    placed value first (an emergency is placed if anything can make room), then the fewest moved
    orders, then drive.
    """
    instance = _workable(instance)
    keep = {a.order_id: a for a in current if any(j.order_id == a.order_id for j in instance.jobs)}
    plan = exact(instance, time_limit_s, keep=keep, workers=workers)
    plan.method = "repair"
    after = {a.order_id: a for a in plan.assignments}
    moves, added = [], []
    for job in instance.jobs:
        before, now = keep.get(job.order_id), after.get(job.order_id)
        if before is None:
            if now is not None:
                added.append(now)
            continue
        if now is not None and (before.technician_id, before.day, before.start) == (
            now.technician_id,
            now.day,
            now.start,
        ):
            continue
        new_time = now is None or (before.day, before.start) != (now.day, now.start)
        moves.append(Move(job.order_id, before, now, new_time))
    calls = [m.order_id for m in moves if m.new_time]
    return Repair(plan, moves, added, calls)


__all__ = [
    "PRIORITIES",
    "Assignment",
    "Booking",
    "Instance",
    "Job",
    "Move",
    "Plan",
    "Repair",
    "Shift",
    "exact",
    "job_value",
    "repair",
    "solve",
]
