"""The OR-Tools planner (dispatch/optimiser.py), judged by the independent plan_checker.

Seeds: TUNING_SEEDS are the ones looked at while building the optimiser; HELD_OUT_SEEDS were
never run before the final test run and are used only by test_held_out_seeds. No test
asserts a duration: time limits only bound the solver.
"""

import dataclasses
import itertools
import math

import pytest

from dispatch.optimiser import (
    Assignment,
    Booking,
    Instance,
    Job,
    Shift,
    exact,
    job_value,
    repair,
    solve,
    time_limit,
)
from dispatch.tests.optimiser_instances import drive_minutes, generate
from dispatch.tests.plan_checker import violations

TUNING_SEEDS = (1, 2, 3, 4, 5, 6)
HELD_OUT_SEEDS = (101, 202, 303, 404)
# Scarce small weeks: 3 technicians x 2 days, 15 orders of 1-6 hours, 2 jobs a day at most
# for some: not everything fits, so "as many as possible" is a real question.
SCARCE = dict(days=2, jobs=15, durations=(60, 90, 120, 180, 240, 360))


def small(seed, **kw):
    return generate(3, seed=seed, **{**SCARCE, **kw})


def test_instances_are_scarce():
    """The small instances leave orders out, so placing the most is a real test."""
    short = [
        seed for seed in TUNING_SEEDS if exact(small(seed), 20, objective="value").assignments.__len__() < 15
    ]
    assert len(short) >= 3


@pytest.mark.parametrize("seed", TUNING_SEEDS)
@pytest.mark.parametrize("method", ["auto", "routing", "decompose"])
def test_small_plans_break_no_rule(seed, method):
    instance = small(seed)
    plan = solve(instance, 1.0, method=method)
    assert plan.assignments
    assert violations(instance, plan.assignments, plan.drive_minutes) == []
    placed = {a.order_id for a in plan.assignments}
    assert set(plan.unplaced) == {j.order_id for j in instance.jobs} - placed
    assert all(plan.unplaced.values())


@pytest.mark.parametrize("seed", TUNING_SEEDS)
def test_solve_places_the_exact_optimum(seed):
    """solve's placed value equals CP-SAT's proven optimum (value only, nothing else in the way).

    The routing heuristic alone (what large weeks use) is measured too: at most one order's
    value short of it (on tuning seeds 3 and 6 it leaves one normal order that the exact step
    then places).
    """
    instance = small(seed)
    best = exact(instance, 30, objective="value")
    assert best.status == "optimal"
    assert violations(instance, best.assignments, best.drive_minutes) == []
    plan = solve(instance, 20.0)
    assert plan.value == best.value
    assert len(plan.assignments) >= len(best.assignments) - 1  # same value, maybe other orders
    routing = solve(instance, 2.0, method="routing")
    assert routing.value >= best.value - max(job_value(j, [0, 1]) for j in instance.jobs)


# --- brute force: validates the CP-SAT model itself on tiny instances ---


def brute_force_value(instance) -> int:
    """Best placed value by trying every assignment of orders to shifts and every stop order."""
    days = sorted({s.day for s in instance.shifts})
    shifts = instance.shifts

    def drive(a, b):
        return 0 if a is None or b is None or a == b else math.ceil(instance.drive(a, b))

    def day_ok(shift, jobs):
        fixed = [
            (b.start, b.start, b.end - b.start, b.location)
            for b in instance.bookings
            if (b.technician_id, b.day) == (shift.technician_id, shift.day)
        ]
        if shift.max_jobs is not None and len(jobs) + len(fixed) > shift.max_jobs:
            return False
        stops = list(fixed)
        for job in jobs:
            if not job.skills <= shift.skills:
                return False
            lo, hi = shift.start, shift.end - job.duration
            if job.window:
                lo, hi = max(lo, job.window[0]), min(hi, job.window[1])
            stops.append((lo, hi, job.duration, job.location))
        for order in itertools.permutations(stops):
            at, prev, ok = shift.start, None, True
            for lo, hi, duration, loc in order:
                if prev is not None:
                    at += drive(prev, loc)
                start = max(at, lo)
                if start > hi:
                    ok = False
                    break
                at, prev = start + duration, loc
            if ok:
                return True
        return False

    best = 0
    for choice in itertools.product(range(-1, len(shifts)), repeat=len(instance.jobs)):
        value = sum(job_value(j, days) for j, c in zip(instance.jobs, choice, strict=True) if c >= 0)
        if value <= best:
            continue
        if all(
            day_ok(shift, [j for j, c in zip(instance.jobs, choice, strict=True) if c == v])
            for v, shift in enumerate(shifts)
        ):
            best = value
    return best


@pytest.mark.parametrize("seed", (1, 2, 3, 4))
def test_exact_model_matches_brute_force(seed):
    instance = generate(1, days=2, seed=seed, jobs=6, durations=(120, 180, 240, 360), booking_rate=0.5)
    best = exact(instance, 30, objective="value")
    assert best.status == "optimal"
    assert best.value == brute_force_value(instance)
    assert len(best.assignments) < 6  # the tiny week is over-full: a choice was made


# --- the checker catches broken plans ---


def checker_case():
    home = (40.0, -75.0)
    far = (40.1, -75.0)  # ~11 km: 22 min at 40 km/h with the road factor
    shifts = [Shift(1, 0, 480, 1020, 2, frozenset({"PTZ"}), home, "N")]
    jobs = [
        Job(1, 60, frozenset(), home),
        Job(2, 60, frozenset(), far),
        Job(3, 60, frozenset({"fibre splicing"}), home),
        Job(4, 60, frozenset(), home, window=(600, 660)),
    ]
    return Instance(shifts=shifts, jobs=jobs, drive=drive_minutes)


def test_checker_passes_a_valid_plan():
    instance = checker_case()
    plan = [Assignment(1, 1, 0, 480), Assignment(2, 1, 0, 480 + 60 + 22)]
    assert violations(instance, plan) == []


@pytest.mark.parametrize(
    "plan,words",
    [
        ([Assignment(1, 1, 0, 480), Assignment(2, 1, 0, 550)], "min drive"),  # drive overlap
        ([Assignment(1, 1, 0, 480), Assignment(4, 1, 0, 500)], "ends 540"),  # plain overlap
        ([Assignment(3, 1, 0, 480)], "lacks"),
        ([Assignment(4, 1, 0, 700)], "outside its window"),
        ([Assignment(1, 1, 0, 400)], "before the shift"),
        ([Assignment(1, 1, 0, 1000)], "after the shift"),
        ([Assignment(1, 1, 0, 480), Assignment(2, 1, 0, 600), Assignment(4, 1, 0, 660 + 22)], "cap"),
        ([Assignment(1, 1, 1, 480)], "does not work"),
        ([Assignment(1, 1, 0, 480), Assignment(1, 1, 0, 700)], "more than once"),
    ],
)
def test_checker_catches_broken_plans(plan, words):
    found = violations(checker_case(), plan)
    assert any(words in v for v in found), found


def test_checker_catches_a_wrong_drive_total():
    instance = checker_case()
    plan = [Assignment(1, 1, 0, 480), Assignment(2, 1, 0, 600)]
    assert violations(instance, plan, reported_drive=22) == []
    assert any("reported drive" in v for v in violations(instance, plan, reported_drive=5))


def test_bookings_count_and_block():
    instance = checker_case()
    instance.bookings = [Booking(1, 0, 480, 600, (40.0, -75.0), 99)]
    assert any("booking 99" in v for v in violations(instance, [Assignment(1, 1, 0, 540)]))
    assert any("cap" in v for v in violations(instance, [Assignment(1, 1, 0, 600), Assignment(4, 1, 0, 660)]))


# --- the plan's words ---


def test_reasons_and_unplaced_are_plain_words():
    home = (40.0, -75.0)
    shifts = [Shift(1, 0, 480, 1020, None, frozenset({"PTZ"}), home, "NE")]
    jobs = [
        Job(1, 60, frozenset({"PTZ"}), (40.05, -75.0), zone="NE"),
        Job(2, 60, frozenset({"fibre splicing"}), home),
    ]
    plan = solve(Instance(shifts=shifts, jobs=jobs, drive=drive_minutes), 1.0)
    (placed,) = plan.assignments
    assert placed.reason == (
        "closest technician with PTZ working that day: 11 min from home, 1st job of the day, in their zone NE"
    )
    assert plan.unplaced == {2: "no technician has fibre splicing"}


def test_priority_first():
    """One slot, two orders: the emergency takes it."""
    home = (40.0, -75.0)
    shifts = [Shift(1, 0, 480, 600, None, frozenset(), home)]
    jobs = [Job(1, 120, location=home, priority="low"), Job(2, 120, location=home, priority="emergency")]
    for method in ("auto", "routing", "decompose"):
        plan = solve(Instance(shifts=shifts, jobs=jobs, drive=drive_minutes), 1.0, method=method)
        assert [a.order_id for a in plan.assignments] == [2]


# --- Fix my day ---


def day_of_three():
    """One technician, one day, three one-hour jobs back to back at the same address."""
    home = (40.0, -75.0)
    shifts = [
        Shift(1, 0, 480, 720, None, frozenset(), home),
        Shift(2, 0, 480, 720, None, frozenset(), (40.01, -75.0)),
    ]
    jobs = [Job(i, 60, location=home) for i in (1, 2, 3)]
    current = [Assignment(1, 1, 0, 480), Assignment(2, 1, 0, 540), Assignment(3, 1, 0, 600)]
    return Instance(shifts=shifts, jobs=jobs, drive=drive_minutes), current


def test_cancellation_needs_no_move():
    instance, current = day_of_three()
    instance.jobs = [j for j in instance.jobs if j.order_id != 2]
    fixed = repair(instance, current, 5)
    assert fixed.moves == []
    assert fixed.customers_to_call == []
    assert violations(instance, fixed.plan.assignments) == []
    assert {(a.order_id, a.start) for a in fixed.plan.assignments} == {(1, 480), (3, 600)}


def test_emergency_insert_moves_the_fewest():
    """Tech 1 is full 8-12 (4 h of jobs); tech 2 has one hour free; the 2-hour emergency must
    go to tech 1 at the address, so exactly... the fewest orders move."""
    home = (40.0, -75.0)
    shifts = [
        Shift(1, 0, 480, 720, None, frozenset({"PTZ"}), home),
        Shift(2, 0, 480, 720, None, frozenset(), home),
    ]
    jobs = [Job(i, 60, location=home) for i in (1, 2, 3, 4)] + [Job(5, 180, location=home)]
    current = [
        Assignment(1, 1, 0, 480),
        Assignment(2, 1, 0, 540),
        Assignment(3, 1, 0, 600),
        Assignment(4, 1, 0, 660),
        Assignment(5, 2, 0, 480),
    ]
    instance = Instance(shifts=shifts, jobs=jobs, drive=drive_minutes)
    assert violations(instance, current) == []
    emergency = Job(9, 120, frozenset({"PTZ"}), home, priority="emergency")
    instance.jobs.append(emergency)
    fixed = repair(instance, current, 10)
    assert violations(instance, fixed.plan.assignments) == []
    placed = {a.order_id: a for a in fixed.plan.assignments}
    assert placed[9].technician_id == 1
    # two one-hour jobs must leave tech 1 (4 h of room); tech 2 has 1 h free, so one of them
    # is dropped and one moves: 2 changed orders is the least possible.
    assert len(fixed.moves) == 2
    assert sorted(fixed.customers_to_call) == sorted(m.order_id for m in fixed.moves)
    assert [a.order_id for a in fixed.added] == [9]


def test_overrun_moves_the_next_job():
    instance, current = day_of_three()
    # Order 1 is now a fixed booking that overran to 10:00 (it was 8:00-9:00).
    instance.jobs = [j for j in instance.jobs if j.order_id != 1]
    instance.bookings = [Booking(1, 0, 480, 600, (40.0, -75.0), 1)]
    current = [a for a in current if a.order_id != 1]
    assert violations(instance, current) != []
    fixed = repair(instance, current, 5)
    assert violations(instance, fixed.plan.assignments) == []
    assert len(fixed.plan.assignments) == 2
    assert len(fixed.moves) == 1
    (move,) = fixed.moves
    assert move.before.order_id == 2 and move.after is not None
    assert fixed.customers_to_call in ([2], [])  # the other tech at 9:00 needs no new time


# --- held out: run once at the end, never looked at while tuning ---


@pytest.mark.parametrize("seed", HELD_OUT_SEEDS)
def test_held_out_seeds(seed):
    instance = small(seed)
    best = exact(instance, 30, objective="value")
    for method in ("auto", "routing", "decompose"):
        plan = solve(instance, 20.0 if method == "auto" else 2.0, method=method)
        assert violations(instance, plan.assignments, plan.drive_minutes) == []
        if method == "auto":
            assert plan.value == best.value
        else:
            assert plan.value >= best.value - max(job_value(j, [0, 1]) for j in instance.jobs), method
    medium = generate(8, days=3, load=1.0, seed=seed)
    plan = solve(medium, 3.0)
    assert violations(medium, plan.assignments, plan.drive_minutes) == []


def test_the_short_reason_keeps_the_drive_when_a_job_needs_two_skills():
    home = (40.0, -75.0)
    shifts = [Shift(1, 0, 480, 1020, None, frozenset({"PTZ", "fibre splicing"}), home, "NE")]
    jobs = [Job(1, 60, frozenset({"PTZ", "fibre splicing"}), (40.05, -75.0), window=(480, 900), zone="NE")]
    (placed,) = solve(Instance(shifts=shifts, jobs=jobs, drive=drive_minutes), 1.0).assignments
    assert placed.drive_reason == (
        "closest technician with PTZ, fibre splicing working that day: 11 min from home, in their zone NE"
    )
    assert placed.reason.startswith(placed.drive_reason.removesuffix(", in their zone NE"))
    assert "1st job of the day" in placed.reason and "window 8:00-15:00" in placed.reason


# --- the time limit and the balance ---


@pytest.mark.parametrize(
    "technicians,seconds", [(1, 1.0), (5, 1.0), (20, 1.5), (60, 5.75), (100, 10.0), (500, 25.0), (2000, 25.0)]
)
def test_the_time_limit_follows_the_size_of_the_company(technicians, seconds):
    assert time_limit(technicians) == pytest.approx(seconds)


def test_a_shift_with_no_minute_left_takes_nothing_and_breaks_nothing():
    home = (40.0, -75.0)
    shifts = [
        Shift(1, 0, 1000, 900, None, frozenset(), home),
        Shift(2, 0, 480, 1020, None, frozenset(), home),
    ]
    instance = Instance(shifts=shifts, jobs=[Job(1, 60, frozenset(), home)], drive=drive_minutes)
    instance.bookings = [Booking(1, 0, 950, 990, home, 99)]
    plan = solve(instance, 1.0)
    assert [(a.order_id, a.technician_id) for a in plan.assignments] == [(1, 2)]


def _unbalanced_week():
    """Two technicians at one depot, jobs with no address (no drive either way): the solver has no
    reason to split them, so the balance decides. Sam already has four jobs booked this week."""
    home = (40.0, -75.0)
    shifts = [Shift(t, d, 480, 1020, 3, frozenset(), home) for t in (1, 2) for d in (0, 1)]
    jobs = [Job(10 + i, 60, frozenset(), None) for i in range(6)]
    return Instance(shifts=shifts, jobs=jobs, drive=drive_minutes, week_load={1: 4, 2: 0})


def test_the_balance_moves_jobs_to_the_lighter_technician_on_the_same_day_and_keeps_every_rule():
    instance = _unbalanced_week()
    before = solve(dataclasses.replace(instance, week_load=None), 1.0)
    plan = solve(instance, 1.0)
    assert len(plan.assignments) == len(before.assignments) == 6
    assert violations(instance, plan.assignments, plan.drive_minutes) == []
    load = {1: 4, 2: 0}
    for a in plan.assignments:
        load[a.technician_id] += 1
    assert abs(load[1] - load[2]) <= 1  # 4 + 6 jobs over two technicians: 5 and 5
    assert plan.drive_minutes <= before.drive_minutes


def test_the_balance_never_adds_drive_nor_changes_a_customers_day():
    home, far = (40.0, -75.0), (40.3, -75.0)
    shifts = [
        Shift(1, 0, 480, 1020, None, frozenset(), home),
        Shift(2, 0, 480, 1020, None, frozenset(), far),
        Shift(2, 1, 480, 1020, None, frozenset(), far),
    ]
    jobs = [Job(10 + i, 60, frozenset(), home, window=(480, 900)) for i in range(3)]
    instance = Instance(shifts=shifts, jobs=jobs, drive=drive_minutes, week_load={1: 3, 2: 0})
    before = solve(dataclasses.replace(instance, week_load=None), 1.0)
    plan = solve(instance, 1.0)
    # Technician 2 is lighter but based far away: moving a job there would add drive, so nothing moves.
    assert {a.technician_id for a in plan.assignments} == {a.technician_id for a in before.assignments} == {1}
    assert plan.drive_minutes == before.drive_minutes
    assert {a.day for a in plan.assignments} == {0}
