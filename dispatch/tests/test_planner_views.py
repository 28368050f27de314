"""Plan the week on the board: the proposal (fragment and page), applying it, and its query counts."""

import datetime as dt
import html
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch.models import PlanRun, Technician, WorkOrder, WorkOrderHistory, WorkOrderStatus
from dispatch.planner import week_plan
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from dispatch.views.suggestions import plan_day

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 3, 11)
HX = {"HX-Request": "true"}


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _pending(title: str, window=(8, 16), **kwargs) -> WorkOrder:
    customer = CustomerFactory(
        name=f"{title} Inc",
        preferred_schedule_start=dt.time(window[0]),
        preferred_schedule_end=dt.time(window[1]),
    )
    return WorkOrderFactory(
        title=title,
        customer=customer,
        assigned_technician=None,
        scheduled_for=None,
        status="pending",
        **kwargs,
    )


@pytest.fixture
def week():
    mike = TechnicianFactory(name="Mike Johnson")
    orders = [_pending(f"Job {i}") for i in range(3)]
    impossible = _pending("Night job", window=(16, 17))
    return mike, orders, impossible


def _plan(client, headers=HX, **data):
    """Press "Plan the week" (the tests' immediate task backend plans before the answer)."""
    return client.post(reverse("dispatch:board_plan"), data, headers=headers)


def test_plan_fragment_lists_each_placement_with_its_reason_and_the_orders_it_cannot_place(
    office_client, week
):
    response = _plan(office_client, view="week", date=MONDAY.isoformat())
    assert response.status_code == 200
    body = html.unescape(response.content.decode())
    assert "<html" not in body and "Proposed plan: Mon Mar 11 – Fri Mar 15" in body
    assert body.count('name="placement"') == 3
    assert "Mike's 1st job that day (limit 2)" in body
    assert "Night job" in body and "leaves no start for a 2 h job" in body


def test_plan_full_page_without_htmx_shows_the_board_and_the_proposal(office_client, week):
    response = _plan(office_client, headers={}, view="week", date=MONDAY.isoformat())
    run = PlanRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("dispatch:board_plan_status", args=[run.pk]) + (
        f"?view=week&date={MONDAY.isoformat()}"
    )
    body = office_client.get(response["Location"]).content.decode()
    assert "<html" in body and "Dispatch board" in body and "Apply the plan (3)" in body


def test_plan_with_a_bad_date_is_400(office_client):
    response = _plan(office_client, date="2030-13-01")
    assert response.status_code == 400 and b"is not a date" in response.content
    assert not PlanRun.objects.exists()


def _placements(office_client) -> list[str]:
    body = _plan(office_client, view="week", date=MONDAY.isoformat()).content.decode()
    return re.findall(r'name="placement" value="([^"]+)"', body)


def test_applying_the_plan_books_every_placement_through_the_scheduling_rules(office_client, week):
    mike, orders, impossible = week
    placements = _placements(office_client)
    response = office_client.post(
        reverse("dispatch:board_plan_apply"),
        {"placement": placements, "view": "week", "date": MONDAY.isoformat()},
        headers=HX,
    )
    assert response.status_code == 200
    assert "Plan applied: 3 of 3 placements booked." in response.content.decode()
    assert 'id="board-plan" hx-swap-oob' in response.content.decode()
    for order in orders:
        order.refresh_from_db()
        assert order.status == WorkOrderStatus.SCHEDULED and order.assigned_technician == mike
        assert WorkOrderHistory.objects.filter(work_order=order, field_changed="scheduled_for").exists()
    impossible.refresh_from_db()
    assert impossible.status == "pending"
    per_day = {}
    for order in orders:
        per_day.setdefault(timezone.localdate(order.scheduled_for), []).append(order)
    assert all(len(v) <= 2 for v in per_day.values())


def test_a_placement_that_became_invalid_is_reported_and_the_rest_applied(office_client, week):
    mike, orders, _ = week
    placements = _placements(office_client)
    first_id, _, start, _ = placements[0].split("|")
    # Someone books Mike at that very time meanwhile.
    WorkOrderFactory(
        assigned_technician=mike, scheduled_for=timezone.make_aware(dt.datetime.fromisoformat(start))
    )
    response = office_client.post(
        reverse("dispatch:board_plan_apply"),
        {"placement": placements, "view": "week", "date": MONDAY.isoformat()},
    )
    body = response.content.decode()
    assert "Plan applied: 2 of 3 placements booked." in body
    assert f"#{first_id} " in body and "would overlap" in body
    assert WorkOrder.objects.get(pk=first_id).status == "pending"
    assert WorkOrder.objects.filter(pk__in=[o.pk for o in orders], status="scheduled").count() == 2


def test_a_stale_placement_is_refused_not_forced(office_client, week):
    placements = _placements(office_client)
    order_id = placements[0].split("|")[0]
    order = WorkOrder.objects.get(pk=order_id)
    order.version += 1
    order.save()
    response = office_client.post(reverse("dispatch:board_plan_apply"), {"placement": placements})
    assert "changed while you were editing it" in response.content.decode()
    assert WorkOrder.objects.get(pk=order_id).status == "pending"


def test_apply_refuses_unreadable_or_unknown_placements(office_client, week):
    url = reverse("dispatch:board_plan_apply")
    assert office_client.post(url, {"placement": "nonsense"}).status_code == 400
    assert office_client.post(url, {}).status_code == 400
    assert office_client.post(url, {"placement": "1|2|2030-99-01T09:00|1"}).status_code == 400
    mike = week[0]
    assert office_client.post(url, {"placement": f"999999|{mike.pk}|2030-03-11T09:00|1"}).status_code == 404
    assert office_client.get(url).status_code == 405


def test_planning_and_applying_are_for_office_staff_only(tech_client):
    assert _plan(tech_client, date=MONDAY.isoformat()).status_code == 403
    assert not PlanRun.objects.exists()
    run = PlanRun.objects.create(day=MONDAY)
    assert tech_client.get(reverse("dispatch:board_plan_status", args=[run.pk])).status_code == 403
    assert tech_client.post(reverse("dispatch:board_plan_apply"), {"placement": "1|1|x|1"}).status_code == 403


def test_the_plan_never_breaks_a_rule_on_real_rows_and_leaves_booked_jobs_alone():
    mike = TechnicianFactory(name="Mike Johnson")
    TechnicianFactory(name="Sarah Williams")
    WorkOrderFactory(assigned_technician=mike, scheduled_for=at(MONDAY, 8))
    WorkOrderFactory(assigned_technician=mike, scheduled_for=at(MONDAY, 13))
    orders = [_pending(f"Job {i}", window=(9, 10)) for i in range(12)]
    plan = week_plan(MONDAY, now=at(MONDAY - dt.timedelta(days=1), 12))
    # Window 9-10 fits one job a day per technician, and Mike's Monday is full: 9 placements.
    assert plan.exhaustive and len(plan.placements) == 9 and len(plan.unplaced) == 3
    assert not any(p.technician == mike and p.start.date() == MONDAY for p in plan.placements)
    assert {p.order.pk for p in plan.placements} <= {o.pk for o in orders}


def test_the_board_shows_a_suggest_link_on_tray_cards_and_the_plan_button(office_client, week):
    body = office_client.get(reverse("dispatch:board") + f"?date={MONDAY.isoformat()}").content.decode()
    assert "Plan the week" in body and "data-suggest" in body


def _grow(n: int) -> None:
    technicians = Technician.objects.bulk_create(
        [Technician(name=f"Extra {i}", phone="555") for i in range(n)]
    )
    customer = CustomerFactory()
    WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                customer=customer,
                title=f"Booked {i}",
                brief_description="x",
                assigned_technician=technicians[i % n],
                scheduled_for=at(MONDAY + dt.timedelta(days=i % 5), 8),
                status=WorkOrderStatus.SCHEDULED,
            )
            for i in range(n)
        ]
        + [
            WorkOrder(customer=customer, title=f"Waiting {i}", brief_description="x", status="pending")
            for i in range(n)
        ]
    )


@pytest.mark.parametrize("headers", [HX, {}])
def test_plan_runs_a_fixed_number_of_queries(office_client, week, headers):
    _grow(3)
    with CaptureQueriesContext(connection) as small:
        assert _plan(office_client, headers=headers, view="week", date=MONDAY.isoformat()).status_code in (
            200,
            302,
        )
    _grow(40)
    with CaptureQueriesContext(connection) as large:
        assert _plan(office_client, headers=headers, view="week", date=MONDAY.isoformat()).status_code in (
            200,
            302,
        )
    # The week plan reads the technicians' skills and the job types' required skills: two queries.
    assert len(small) == len(large) <= 22


def test_a_late_pending_order_is_planned_again_and_stays_with_its_technician_if_it_can():
    mike = TechnicianFactory(name="Mike Johnson")
    TechnicianFactory(name="Aaron Able")
    late = _pending("Late job")
    WorkOrder.objects.filter(pk=late.pk).update(assigned_technician=mike, scheduled_for=at(MONDAY, 9))
    plan = week_plan(MONDAY + dt.timedelta(days=7), now=at(MONDAY + dt.timedelta(days=6), 12))
    assert [(p.order.pk, p.technician) for p in plan.placements] == [(late.pk, mike)]


@pytest.mark.parametrize("value", ["<b>|1|2|3", "1|1|" + "9" * 5000 + "|1", "１|1|2030-03-11T09:00|1", ""])
def test_apply_answers_odd_or_very_long_placements_with_a_400(office_client, week, value):
    response = office_client.post(reverse("dispatch:board_plan_apply"), {"placement": value})
    assert response.status_code == 400


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (dt.datetime(2030, 3, 13, 10), dt.date(2030, 3, 13)),  # Wednesday morning: this week from today
        (dt.datetime(2030, 3, 15, 16), dt.date(2030, 3, 18)),  # Friday after the last start: next week
        (dt.datetime(2030, 3, 16, 10), dt.date(2030, 3, 18)),  # Saturday: next week
    ],
)
def test_plan_the_week_plans_the_coming_week_when_this_one_is_over(now, expected):
    with time_machine.travel(timezone.make_aware(now), tick=False):
        assert plan_day(now.date()) == expected
