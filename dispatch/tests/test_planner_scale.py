"""Plan the week on a generated company in the database: it returns a proposal that breaks no rule,
and a time box that runs out gives a partial proposal that says so."""

import datetime as dt
import random
import sys
from collections import defaultdict

import pytest
from django.utils import timezone

from dispatch.models import Customer, Technician, WorkOrder, WorkOrderStatus
from dispatch.planner import NOT_CONSIDERED, plan_week, week_plan
from dispatch.scheduling import duration_of, placement_refusals
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 3, 11)
SUNDAY_NOON = timezone.make_aware(dt.datetime(2030, 3, 10, 12))
WINDOWS = [(8, 16), (8, 10), (9, 12), (13, 15), (12, 17), None]


@pytest.fixture(autouse=True)
def _search_engine(settings):
    """These tests are of the search engine (TECHFLOW_PLANNER_ENGINE=search); the default engine,
    OR-Tools, is tested in test_planner_ortools.py and through the pages."""
    settings.TECHFLOW_PLANNER_ENGINE = "search"


def _company(technicians: int, orders: int, seed: int = 5) -> None:
    """`technicians` technicians, `orders` pending orders with no time, a booked job on some days."""
    rng = random.Random(seed)
    Technician.objects.bulk_create(TechnicianFactory.build_batch(technicians))
    techs = list(Technician.objects.all())
    customers = []
    for _ in range(orders):
        window = rng.choice(WINDOWS)
        customers.append(
            CustomerFactory.build(
                preferred_schedule_start=dt.time(window[0]) if window else None,
                preferred_schedule_end=dt.time(window[1]) if window else None,
            )
        )
    customers = Customer.objects.bulk_create(customers)
    work = [
        WorkOrderFactory.build(
            customer=customer, assigned_technician=None, scheduled_for=None, status=WorkOrderStatus.PENDING
        )
        for customer in customers
    ]
    for tech in rng.sample(techs, len(techs) // 3):
        day = MONDAY + dt.timedelta(days=rng.randrange(5))
        work.append(
            WorkOrderFactory.build(
                customer=customers[0],
                assigned_technician=tech,
                scheduled_for=timezone.make_aware(dt.datetime.combine(day, dt.time(rng.choice([8, 13])))),
            )
        )
    WorkOrder.objects.bulk_create(work)


def _assert_no_rule_broken(plan) -> None:
    booked = defaultdict(list)
    for order in WorkOrder.objects.booked().filter(scheduled_for__date__gte=MONDAY):
        booked[(order.assigned_technician_id, timezone.localdate(order.scheduled_for))].append(
            (order.scheduled_for, order.scheduled_for + duration_of(order))
        )
    placed = defaultdict(list)
    for p in plan.placements:
        placed[(p.technician.pk, timezone.localdate(p.start))].append(p)
    for key, placements in placed.items():
        for p in placements:
            others = booked[key] + [
                (q.start, q.start + duration_of(q.order)) for q in placements if q is not p
            ]
            assert not placement_refusals(
                technician=p.technician,
                start=p.start,
                duration=duration_of(p.order),
                same_day_jobs=others,
                customer=p.order.customer,
            ), p


def test_a_week_of_400_orders_for_100_technicians_is_planned_within_the_time_box():
    _company(100, 400)
    plan = week_plan(MONDAY, now=SUNDAY_NOON)
    assert not plan.partial
    assert len(plan.placements) + len(plan.unplaced) == 400
    # 100 technicians x 5 days x 2 jobs, a third of them with a day already half booked: room for all.
    assert len(plan.placements) == 400
    _assert_no_rule_broken(plan)


def test_a_time_box_that_runs_out_gives_a_partial_plan_that_says_which_orders_it_did_not_reach(settings):
    _company(20, 60)
    settings.TECHFLOW_PLANNER_TIME_BOX = 0
    plan = week_plan(MONDAY, now=SUNDAY_NOON)
    assert plan.partial and not plan.exhaustive
    # The first order is always considered; the box is checked before each one after it.
    assert len(plan.placements) == 1
    assert len(plan.unplaced) == 59 and {u.why for u in plan.unplaced} == {NOT_CONSIDERED}
    _assert_no_rule_broken(plan)


def test_a_week_deeper_than_the_recursion_limit_is_planned_without_recursion():
    """The old search recursed once per order: 1,500 orders were a RecursionError. Unsaved rows:
    the planner is pure."""
    technicians = [Technician(pk=i + 1, name=f"Tech {i:03d}", active=True) for i in range(200)]
    customer = Customer(pk=1, name="Anyone", preferred_schedule_start=None, preferred_schedule_end=None)
    orders = [WorkOrder(pk=i + 1, title=f"Job {i}", customer=customer) for i in range(1500)]
    assert len(orders) > sys.getrecursionlimit()
    plan = plan_week(
        orders=orders,
        technicians=technicians,
        days=[MONDAY + dt.timedelta(days=i) for i in range(5)],
        booked={},
        served={},
        week_load={},
        now=SUNDAY_NOON,
    )
    assert len(plan.placements) == 1500 and not plan.partial and plan.unplaced == []
