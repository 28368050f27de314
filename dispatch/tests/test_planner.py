"""Plan the week: every placement meets every rule, and small weeks get the most placements possible."""

import datetime as dt
import itertools
import random
from collections import defaultdict

import pytest
from django.utils import timezone

from dispatch.models import Customer, Technician, WorkOrder
from dispatch.planner import plan_week
from dispatch.scheduling import duration_of
from dispatch.services import max_jobs_per_day, placement_refusals
from dispatch.suggestions import candidate_starts

MONDAY = dt.date(2030, 3, 11)
NOW = timezone.make_aware(dt.datetime(2030, 3, 10, 12))  # the Sunday before
H2 = dt.timedelta(hours=2)  # the generated orders have no type and no estimate: the default length
WINDOWS = [(8, 0, 16, 0), (8, 0, 10, 0), (9, 0, 9, 30), (13, 0, 15, 0), (16, 0, 17, 0), None]


@pytest.fixture(autouse=True, params=["search", "ortools"])
def engine(request, settings):
    """Each test runs on both engines: the exact search and the default, OR-Tools (whose own tests,
    with places and drive times, are in test_planner_ortools.py)."""
    settings.TECHFLOW_PLANNER_ENGINE = request.param
    return request.param


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _week(seed: int, techs: int, days: int, orders: int, bookings: int, windows=WINDOWS):
    """A generated week of unsaved objects: the planner is pure, so no database is needed."""
    rng = random.Random(seed)
    technicians = [Technician(pk=i + 1, name=f"Tech {chr(65 + i)}", active=True) for i in range(techs)]
    week = [MONDAY + dt.timedelta(days=i) for i in range(days)]
    customers = []
    for i in range(orders):
        window = rng.choice(windows)
        customers.append(
            Customer(
                pk=100 + i,
                name=f"Customer {i}",
                preferred_schedule_start=dt.time(window[0], window[1]) if window else None,
                preferred_schedule_end=dt.time(window[2], window[3]) if window else None,
            )
        )
    work = [WorkOrder(pk=1000 + i, title=f"Job {i}", customer=customers[i]) for i in range(orders)]
    booked = defaultdict(list)
    for _ in range(bookings):
        tech, day = rng.choice(technicians), rng.choice(week)
        start = at(day, rng.choice([8, 10, 13, 15]))
        if len(booked[(tech.pk, day)]) < max_jobs_per_day() and all(
            abs(start - other) >= H2 for other, _ in booked[(tech.pk, day)]
        ):
            booked[(tech.pk, day)].append((start, start + H2))
    served = {(rng.choice(technicians).pk, c.pk): 1 for c in customers if rng.random() < 0.3}
    load = {t.pk: sum(len(v) for (tid, _), v in booked.items() if tid == t.pk) for t in technicians}
    return dict(
        orders=work, technicians=technicians, days=week, booked=dict(booked), served=served, week_load=load
    )


def _assert_every_placement_meets_every_rule(week, plan) -> None:
    """Re-check each placement with the rule function, against the bookings and every other placement."""
    placed = defaultdict(list)
    for p in plan.placements:
        placed[(p.technician.pk, timezone.localtime(p.start).date())].append(p)
    assert len({p.order.pk for p in plan.placements}) == len(plan.placements)
    for (tech_id, day), placements in placed.items():
        assert day in week["days"]
        for p in placements:
            others = week["booked"].get((tech_id, day), []) + [
                (q.start, q.start + duration_of(q.order, {})) for q in placements if q is not p
            ]
            refusals = placement_refusals(
                technician=p.technician,
                start=p.start,
                duration=duration_of(p.order, {}),
                same_day_jobs=others,
                customer=p.order.customer,
            )
            assert refusals == [], (p, refusals)


def _feasible(week, cache, bucket, members) -> bool:
    """Whether these orders (indices) fit together in one technician's day: every start of the grid
    tried, each checked with the rule function against the day's bookings and the others."""
    orders = week["orders"]
    key = (bucket[0].pk, bucket[1], members)
    if key not in cache:
        existing = week["booked"].get((bucket[0].pk, bucket[1]), [])

        def refused(start, others, k) -> bool:
            return bool(
                placement_refusals(
                    technician=bucket[0],
                    start=start,
                    same_day_jobs=existing + [(s, s + H2) for s in others],
                    customer=orders[members[k]].customer,
                )
            )

        def extend(starts: list) -> bool:
            # A start refused beside some of the others is refused beside all of them, so
            # cutting there loses nothing; a full set is re-checked job by job at the end.
            if len(starts) == len(members):
                return not any(refused(s, starts[:k] + starts[k + 1 :], k) for k, s in enumerate(starts))
            k = len(starts)
            return any(
                extend([*starts, start])
                for start in candidate_starts(bucket[1], orders[members[k]].customer, NOW)
                if not refused(start, starts, k)
            )

        cache[key] = extend([])
    return cache[key]


def _maximum(week) -> int:
    """The most orders any assignment can place: brute force over (technician, day) per order."""
    buckets = [(t, d) for t in week["technicians"] for d in week["days"]]
    orders = week["orders"]
    cache = {}
    best = 0
    for choice in itertools.product(range(len(buckets) + 1), repeat=len(orders)):
        count = sum(1 for c in choice if c < len(buckets))
        if count <= best:
            continue
        members = defaultdict(list)
        for i, c in enumerate(choice):
            if c < len(buckets):
                members[c].append(i)
        if all(_feasible(week, cache, buckets[c], tuple(m)) for c, m in members.items()):
            best = count
    return best


def _window(order) -> tuple:
    return (order.customer.preferred_schedule_start, order.customer.preferred_schedule_end)


def _class_maximum(week, max_states: int = 20_000) -> int | None:
    """The exact maximum when the orders fall into few windows: orders with the same window are
    interchangeable, so a day takes a count per window, and a dynamic programme over the days
    finds the best total. None when there are too many window combinations to enumerate."""
    orders = week["orders"]
    by_window = defaultdict(list)
    for i, order in enumerate(orders):
        by_window[_window(order)].append(i)
    keys = sorted(by_window, key=repr)
    sizes = [len(by_window[k]) for k in keys]
    total = 1
    for n in sizes:
        total *= n + 1
    if total > max_states:
        return None
    limit, cache = max_jobs_per_day(), {}
    states = {tuple(0 for _ in keys)}
    for tech in week["technicians"]:
        for day in week["days"]:
            options = [
                counts
                for counts in itertools.product(*(range(min(n, limit) + 1) for n in sizes))
                if sum(counts) <= limit
                and _feasible(
                    week,
                    cache,
                    (tech, day),
                    tuple(i for k, c in zip(keys, counts, strict=True) for i in by_window[k][:c]),
                )
            ]
            states = {
                tuple(a + b for a, b in zip(state, counts, strict=True))
                for state in states
                for counts in options
                if all(a + b <= n for a, b, n in zip(state, counts, sizes, strict=True))
            }
    return max(sum(state) for state in states)


SMALL_SEEDS = range(60)
FIGURES: dict[int, tuple[int, int, int]] = {}


# On the search; the same weeks on OR-Tools are test_planner_ortools' brute-force test.
@pytest.mark.parametrize("engine", ["search"])
@pytest.mark.parametrize("seed", SMALL_SEEDS)
def test_planner_places_as_many_orders_as_possible_on_small_generated_weeks(seed, engine, capsys):
    rng = random.Random(seed)
    week = _week(seed, techs=rng.choice([1, 2]), days=2, orders=rng.randint(3, 6), bookings=rng.randint(0, 4))
    plan = plan_week(**week, now=NOW, engine=engine)
    _assert_every_placement_meets_every_rule(week, plan)
    assert plan.exhaustive
    maximum = _maximum(week)
    assert len(plan.placements) == maximum
    assert _class_maximum(week) == maximum  # the larger weeks' exact check agrees with brute force
    FIGURES[seed] = (len(week["orders"]), len(plan.placements), maximum)
    if len(FIGURES) == len(SMALL_SEEDS):
        orders, placed, best = (sum(f[i] for f in FIGURES.values()) for i in range(3))
        short = sum(1 for f in FIGURES.values() if f[2] < f[0])
        with capsys.disabled():
            print(
                f"\nplanner small weeks: {len(FIGURES)} weeks, {orders} orders, placed {placed}, "
                f"maximum {best}; {short} weeks could not place every order"
            )
    assert len(plan.placements) + len(plan.unplaced) == len(week["orders"])
    assert all(u.why for u in plan.unplaced)


def test_planner_on_an_infeasible_week_places_what_fits_and_says_why_for_the_rest():
    # Five orders that all want a 9:00-9:30 start; one technician, two days: two fit (one a day).
    week = _week(1, techs=1, days=2, orders=5, bookings=0, windows=[(9, 0, 9, 30)])
    plan = plan_week(**week, now=NOW)
    _assert_every_placement_meets_every_rule(week, plan)
    assert len(plan.placements) == _maximum(week) == 2
    assert len(plan.unplaced) == 3
    assert all("given to other orders" in u.why for u in plan.unplaced)


def test_an_order_whose_window_leaves_no_start_inside_working_hours_is_explained():
    week = _week(2, techs=2, days=2, orders=2, bookings=0, windows=[(16, 0, 17, 0)])
    plan = plan_week(**week, now=NOW)
    assert plan.placements == []
    assert [u.why for u in plan.unplaced] == [
        "Customer 0's window (4:00 PM–5:00 PM) leaves no start for a 2 h job inside working hours "
        "(7:00 AM–5:00 PM) on the days left this week.",
        "Customer 1's window (4:00 PM–5:00 PM) leaves no start for a 2 h job inside working hours "
        "(7:00 AM–5:00 PM) on the days left this week.",
    ]


def test_a_fully_booked_week_places_nothing_and_says_the_technicians_are_at_their_limit():
    week = _week(3, techs=1, days=1, orders=1, bookings=0)
    week["booked"] = {(1, MONDAY): [(at(MONDAY, 8), at(MONDAY, 10)), (at(MONDAY, 13), at(MONDAY, 15))]}
    plan = plan_week(**week, now=NOW)
    assert plan.placements == []
    assert "already at the limit of 2 jobs" in plan.unplaced[0].why


def test_with_no_days_left_or_no_technicians_the_planner_says_so():
    week = _week(4, techs=1, days=1, orders=1, bookings=0)
    assert "No working days" in plan_week(**{**week, "days": []}, now=NOW).unplaced[0].why
    assert "no active technicians" in plan_week(**{**week, "technicians": []}, now=NOW).unplaced[0].why


def test_the_planner_never_books_in_the_past():
    week = _week(5, techs=1, days=1, orders=2, bookings=0, windows=[(8, 0, 16, 0)])
    now = at(MONDAY, 11)
    plan = plan_week(**week, now=now)
    assert plan.placements and all(p.start > now for p in plan.placements)


# The search's own preference: OR-Tools weighs drive time and load, not who served the customer.
@pytest.mark.parametrize("engine", ["search"])
def test_the_planner_prefers_a_technician_who_served_the_customer_and_is_deterministic(engine):
    week = _week(6, techs=3, days=1, orders=1, bookings=0, windows=[(8, 0, 16, 0)])
    week["served"] = {(3, week["orders"][0].customer.pk): 2}
    first = plan_week(**week, now=NOW, engine=engine)
    assert first.placements[0].technician.pk == 3
    assert "has served this customer before" in first.placements[0].reason
    assert first.placements == plan_week(**week, now=NOW, engine=engine).placements


def test_the_planner_balances_the_week_load():
    week = _week(7, techs=2, days=1, orders=1, bookings=0, windows=[(8, 0, 16, 0)])
    week["week_load"] = {1: 5, 2: 1}
    assert plan_week(**week, now=NOW).placements[0].technician.pk == 2


@pytest.mark.parametrize(
    ("techs", "days", "orders", "bookings", "windows"),
    [
        (4, 5, 30, 10, WINDOWS),
        (8, 5, 60, 25, WINDOWS),
        (8, 5, 100, 40, WINDOWS),
        (6, 5, 50, 20, [(8, 0, 10, 0), (9, 0, 9, 30), (13, 0, 14, 0)]),
        (10, 5, 120, 30, [(8, 0, 9, 0), (10, 0, 11, 0), (12, 0, 15, 0)]),
    ],
)
def test_planner_on_larger_generated_weeks_never_breaks_a_rule(
    techs, days, orders, bookings, windows, capsys
):
    week = _week(techs * orders, techs=techs, days=days, orders=orders, bookings=bookings, windows=windows)
    plan = plan_week(**week, now=NOW)
    _assert_every_placement_meets_every_rule(week, plan)
    # An upper bound on the maximum: orders that fit somewhere alone, capped by the week's free capacity
    # and, for the orders whose window allows only one job a day (starts within 2 h), one per bucket.
    limit = max_jobs_per_day()
    capacity = sum(
        max(0, limit - len(week["booked"].get((t.pk, d), [])))
        for t in week["technicians"]
        for d in week["days"]
    )
    alone = [u for u in plan.unplaced if "given to other orders" in u.why] + plan.placements
    bound = min(len(alone), capacity)
    exact = _class_maximum(week)
    with capsys.disabled():
        print(
            f"\nplanner {techs} techs x {days} days, {orders} orders, {bookings} bookings tried: "
            f"placed {len(plan.placements)}, maximum {exact if exact is not None else 'not computed'}, "
            f"upper bound {bound}, search nodes {plan.nodes}, search complete {plan.exhaustive}"
        )
    assert len(plan.placements) <= bound
    if exact is not None:
        assert len(plan.placements) <= exact
