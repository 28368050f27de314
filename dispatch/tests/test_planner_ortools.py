"""Plan the week on the OR-Tools engine (TECHFLOW_PLANNER_ENGINE=ortools): the same rules as the
search, checked by scheduling.placement_refusals; skills held on both engines; travel-aware."""

import datetime as dt
import math
import random
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dispatch import routing
from dispatch.models import Customer, JobType, Technician, VisitHelper, WorkOrder, WorkOrderStatus
from dispatch.planner import plan_week, week_plan
from dispatch.scheduling import booked_jobs_with_places
from dispatch.tests.factories import (
    CustomerFactory,
    JobTypeSkillFactory,
    SkillFactory,
    TechnicianFactory,
    WorkOrderFactory,
)
from dispatch.tests.test_planner import NOW, _assert_every_placement_meets_every_rule, _maximum, _week, at

MONDAY = dt.date(2030, 3, 11)
HX = {"HX-Request": "true"}


# The search's own generated weeks (test_planner._week), none of them used to tune the optimiser
# (tuned on dispatch/tests/optimiser_instances.py seeds 1-6): held-out data for this engine.
@pytest.mark.parametrize("seed", range(60))
def test_the_optimiser_places_the_brute_force_maximum_on_small_weeks_and_breaks_no_rule(seed):
    rng = random.Random(seed)
    week = _week(seed, techs=rng.choice([1, 2]), days=2, orders=rng.randint(3, 6), bookings=rng.randint(0, 4))
    plan = plan_week(**week, now=NOW, engine="ortools", seconds=5)
    _assert_every_placement_meets_every_rule(week, plan)
    assert len(plan.placements) == _maximum(week)
    assert len(plan.placements) + len(plan.unplaced) == len(week["orders"])
    assert all(u.why for u in plan.unplaced)


def test_the_optimiser_never_books_in_the_past():
    week = _week(3, techs=2, days=2, orders=5, bookings=0)
    now = dt.datetime.combine(MONDAY, dt.time(12, 10), tzinfo=NOW.tzinfo)
    plan = plan_week(**week, now=now, engine="ortools", seconds=5)
    assert plan.placements and all(p.start > now for p in plan.placements)


def test_the_drive_from_a_booked_job_starts_where_that_job_is():
    """A booking's place (planner.week_plan reads it through scheduling.booked_jobs_with_places)
    is where the technician drives on from; without it the leg would count as no drive at all."""
    sam = Technician(
        pk=1,
        name="Sam South",
        active=True,
        home_latitude=Decimal("40.580"),
        home_longitude=Decimal("-73.960"),
    )
    customer = Customer(
        pk=10,
        name="North Two",
        latitude=Decimal("40.870"),
        longitude=Decimal("-73.895"),
        preferred_schedule_start=dt.time(10),
        preferred_schedule_end=dt.time(11),
    )
    order = WorkOrder(pk=100, title="Service the NVR", customer=customer, estimated_minutes=60)
    booking = (at(MONDAY, 8), at(MONDAY, 10))
    week = dict(
        orders=[order],
        technicians=[sam],
        days=[MONDAY],
        booked={(1, MONDAY): [booking]},
        served={},
        week_load={1: 1},
        now=NOW,
        engine="ortools",
        lengths={},
    )
    far_north = (40.875, -73.905)  # the booked job, across the city from Sam's home
    [unknown] = plan_week(**week).placements
    [known] = plan_week(**week, booked_places={(1, booking[0]): far_north}).placements
    assert "0 min from the booked job before" in unknown.reason
    leg = math.ceil(routing.straight_minutes(far_north, (40.870, -73.895)))
    assert leg > 0 and f"{leg} min from the booked job before" in known.reason
    # The window and the job's place in the day are said once (the planner's words), not again.
    assert known.reason.count("window") == 1 and "job of the day" not in known.reason
    assert known.start == at(MONDAY, 10) + dt.timedelta(minutes=leg)


def test_week_plan_reads_where_the_booked_jobs_are(city):
    north, south, orders = city
    booked = WorkOrderFactory(
        customer=CustomerFactory(latitude=Decimal("40.700"), longitude=Decimal("-73.930")),
        assigned_technician=south,
        scheduled_for=at(MONDAY, 8),
        estimated_minutes=60,
    )
    VisitHelper.objects.create(work_order=booked, visit=None, technician=north)  # the crew's helper
    rows = booked_jobs_with_places(MONDAY, MONDAY + dt.timedelta(days=1))
    places = {(tech, start): place for tech, start, _, place in rows}
    assert places == {
        (south.pk, booked.scheduled_for): (40.7, -73.93),
        (north.pk, booked.scheduled_for): (40.7, -73.93),
    }


def _place(name, lat, lng, **kwargs):
    customer = CustomerFactory(
        name=name,
        latitude=Decimal(str(lat)),
        longitude=Decimal(str(lng)),
        preferred_schedule_start=None,
        preferred_schedule_end=None,
    )
    return WorkOrderFactory(
        title=f"Job at {name}",
        customer=customer,
        assigned_technician=None,
        scheduled_for=None,
        status="pending",
        **kwargs,
    )


@pytest.fixture
def city(db):
    """Two technicians at opposite ends of a city, two customers next to each."""
    ptz = SkillFactory(name="PTZ")
    JobTypeSkillFactory(job_type=JobType.INSTALLATION, skill=ptz)
    north = TechnicianFactory(
        name="Nora North", home_latitude=Decimal("40.880"), home_longitude=Decimal("-73.900")
    )
    south = TechnicianFactory(
        name="Sam South", home_latitude=Decimal("40.580"), home_longitude=Decimal("-73.960")
    )
    north.skills.add(ptz)
    orders = {
        "north 1": _place("North One", 40.875, -73.905),
        "north 2": _place("North Two", 40.870, -73.895),
        "south 1": _place("South One", 40.585, -73.955),
        "south 2": _place("South Two", 40.590, -73.965),
    }
    return north, south, orders


@pytest.fixture
def camera(city):
    """Near the south technician, but only the north one has PTZ."""
    return _place("South Camera", 40.588, -73.958, job_type=JobType.INSTALLATION, estimated_minutes=120)


def test_each_job_goes_to_the_technician_near_it(city, settings):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = 0  # no cap: geography alone decides
    north, south, orders = city
    plan = week_plan(MONDAY, now=NOW, engine="ortools")
    who = {p.order.pk: p.technician for p in plan.placements}
    assert not plan.unplaced
    assert who[orders["north 1"].pk] == north and who[orders["north 2"].pk] == north
    assert who[orders["south 1"].pk] == south and who[orders["south 2"].pk] == south
    reasons = " ".join(p.reason for p in plan.placements)
    assert "min from home" in reasons  # the drive is said in words


@pytest.mark.parametrize("engine", ["ortools", "search"])
def test_a_job_needing_a_skill_goes_to_the_technician_who_has_it_on_either_engine(city, camera, engine):
    north, south, orders = city
    plan = week_plan(MONDAY, now=NOW, engine=engine)
    placed = [p for p in plan.placements if p.order.pk == camera.pk]
    assert placed and placed[0].technician == north


def test_a_week_planned_by_the_optimiser_is_applied_with_no_refusal(city, camera, office_client, settings):
    settings.TECHFLOW_PLANNER_ENGINE = "ortools"
    north, south, orders = city
    orders = {**orders, "ptz": camera}
    body = office_client.post(
        reverse("dispatch:board_plan"), {"view": "week", "date": MONDAY.isoformat()}, headers=HX
    ).content.decode()
    placements = re.findall(r'name="placement" value="([^"]+)"', body)
    assert len(placements) == len(orders)
    response = office_client.post(
        reverse("dispatch:board_plan_apply"),
        {"placement": placements, "view": "week", "date": MONDAY.isoformat()},
        headers=HX,
    )
    assert f"Plan applied: {len(orders)} of {len(orders)} placements booked." in response.content.decode()
    booked = WorkOrder.objects.filter(pk__in=[o.pk for o in orders.values()])
    assert all(o.status == WorkOrderStatus.SCHEDULED for o in booked)
    assert booked.get(pk=orders["ptz"].pk).assigned_technician == north


def test_planning_after_one_technicians_day_is_over_does_not_fail():
    """At 4 PM on Monday Sam's day (7 AM-3 PM) is over: no Monday shift for him, and the plan goes
    on with the others and the later days (OR-Tools failed on the empty shift before)."""
    week = _week(4, techs=2, days=2, orders=4, bookings=0)
    week["technicians"][0].work_end = dt.time(15)
    four_pm = dt.datetime.combine(MONDAY, dt.time(16), tzinfo=NOW.tzinfo)
    plan = plan_week(**week, now=four_pm, engine="ortools", seconds=5)
    assert plan.placements
    _assert_every_placement_meets_every_rule(week, plan)
    sam = week["technicians"][0]
    assert not [p for p in plan.placements if p.technician == sam and p.start.date() == MONDAY]
    assert all(p.start > four_pm for p in plan.placements)
