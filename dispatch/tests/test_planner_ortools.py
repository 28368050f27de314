"""Plan the week on the OR-Tools engine (TECHFLOW_PLANNER_ENGINE=ortools): the same rules as the
search, checked by scheduling.placement_refusals; skills held on both engines; travel-aware."""

import datetime as dt
import random
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from dispatch.models import JobType, WorkOrder, WorkOrderStatus
from dispatch.planner import plan_week, week_plan
from dispatch.tests.factories import (
    CustomerFactory,
    JobTypeSkillFactory,
    SkillFactory,
    TechnicianFactory,
    WorkOrderFactory,
)
from dispatch.tests.test_planner import NOW, _assert_every_placement_meets_every_rule, _maximum, _week

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
