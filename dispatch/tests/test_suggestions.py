"""Dispatch suggestions: technicians ranked for an order and a day, with reasons; one click assigns."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch.models import Technician, WorkOrder, WorkOrderHistory, WorkOrderStatus
from dispatch.suggestions import work_order_suggestions
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 12)  # a Tuesday
HX = {"HX-Request": "true"}


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def bank():
    return CustomerFactory(
        name="City Bank", preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(12)
    )


@pytest.fixture
def pending(bank):
    return WorkOrderFactory(
        customer=bank,
        title="Install four dome cameras",
        assigned_technician=None,
        scheduled_for=None,
        status=WorkOrderStatus.PENDING,
    )


@pytest.fixture
def team():
    """Mike is free; Sarah has one job at 8 AM that day; David is at the limit; Ina is inactive."""
    mike, sarah, david = (TechnicianFactory(name=n) for n in ("Mike Johnson", "Sarah Williams", "David Chen"))
    TechnicianFactory(name="Ina Active", active=False)
    WorkOrderFactory(assigned_technician=sarah, scheduled_for=at(8))
    WorkOrderFactory(assigned_technician=david, scheduled_for=at(8))
    WorkOrderFactory(assigned_technician=david, scheduled_for=at(13))
    return mike, sarah, david


def test_ranking_puts_who_can_take_it_first_with_plain_reasons(pending, team):
    mike, sarah, david = team
    ranked = work_order_suggestions(pending, DAY)
    assert [s.technician for s in ranked] == [mike, sarah, david]
    first = ranked[0]
    assert first.start == at(8)
    assert first.reasons[0] == (
        "Free at 8:00 AM, inside City Bank's window (8:00 AM–12:00 PM); "
        "also free at 8:30 AM, 9:00 AM, 9:30 AM and later."
    )
    assert "No other jobs that day (limit 2)." in first.reasons
    assert "Hasn't served City Bank before." in first.reasons
    assert "0 jobs this week, lighter than the team's average of 1.0." in first.reasons
    assert "Works 7:00 AM–5:00 PM; the 2 h job would end by 10:00 AM." in first.reasons
    # Sarah's 8 AM job blocks her until 10: her first slot is 10 AM, her 2nd job that day.
    assert ranked[1].start == at(10)
    assert "This would be their 2nd job that day (limit 2)." in ranked[1].reasons
    assert not ranked[2].feasible
    assert ranked[2].refusals[0] == "David Chen already has 2 jobs on Tue Mar 12, 2030; the limit is 2."
    # The limit is said once, as the refusal, not again among the reasons.
    assert not any("that day" in reason for reason in ranked[2].reasons)


def test_having_served_the_customer_before_ranks_higher(pending, team, bank):
    mike, sarah, david = team
    WorkOrderFactory(
        customer=bank,
        assigned_technician=sarah,
        status=WorkOrderStatus.COMPLETED,
        scheduled_for=at(9, day=dt.date(2030, 1, 7)),
    )
    ranked = work_order_suggestions(pending, DAY)
    assert ranked[0].technician == sarah
    assert "Has served City Bank before (once)." in ranked[0].reasons


def test_the_week_load_balances_between_equally_free_technicians(pending):
    busy, light = TechnicianFactory(name="Busy Bee"), TechnicianFactory(name="Light Load")
    for day in (dt.date(2030, 3, 11), dt.date(2030, 3, 13), dt.date(2030, 3, 14)):
        WorkOrderFactory(assigned_technician=busy, scheduled_for=at(9, day=day))
    ranked = work_order_suggestions(pending, DAY)
    assert [s.technician for s in ranked] == [light, busy]
    assert "3 jobs this week, heavier than the team's average of 1.5." in ranked[1].reasons


def test_the_closest_free_technician_ranks_first_and_the_drive_is_said(bank):
    """Drive from the job before the first free start (its customer's place), else from home."""
    Customer = type(bank)
    Customer.objects.filter(pk=bank.pk).update(latitude=Decimal("40.7580"), longitude=Decimal("-73.9855"))
    order = WorkOrderFactory(
        customer=Customer.objects.get(pk=bank.pk),
        title="Replace a camera",
        assigned_technician=None,
        scheduled_for=None,
        status=WorkOrderStatus.PENDING,
        estimated_minutes=60,
    )
    # Ann's home is far out (Staten Island); Ben's is near; Cy has no home base but a job next
    # door from 8:00 to 9:00. Names would sort Ann first.
    ann = TechnicianFactory(name="Ann Far", home_latitude=Decimal("40.58"), home_longitude=Decimal("-74.15"))
    ben = TechnicianFactory(name="Ben Near", home_latitude=Decimal("40.75"), home_longitude=Decimal("-73.99"))
    cy = TechnicianFactory(name="Cy Nextdoor")
    nextdoor = CustomerFactory(latitude=Decimal("40.7585"), longitude=Decimal("-73.9850"))
    WorkOrderFactory(assigned_technician=cy, customer=nextdoor, scheduled_for=at(8), estimated_minutes=60)
    nowhere = TechnicianFactory(name="Dee Unknown")  # no home base, no job: no drive to say
    ranked = work_order_suggestions(order, DAY)
    # Cy and Ben are both within the first 10-minute band: Ben's lighter week ranks him first.
    assert [s.technician for s in ranked] == [ben, cy, ann, nowhere]
    by_name = {s.technician.name: s for s in ranked}
    assert by_name["Cy Nextdoor"].start == at(9)
    assert by_name["Cy Nextdoor"].drive_minutes == 1
    assert "1 min away, from their 8:00 AM job." in by_name["Cy Nextdoor"].reasons
    assert by_name["Ben Near"].drive_minutes < by_name["Ann Far"].drive_minutes
    assert f"{by_name['Ann Far'].drive_minutes} min away, from home." in by_name["Ann Far"].reasons
    assert by_name["Dee Unknown"].drive_minutes is None
    assert not any("min away" in reason for reason in by_name["Dee Unknown"].reasons)
    # A second job for Ben the same week: now Cy's lighter week puts him first; Ann stays behind
    # both, her drive a band (or more) further, though her week is the lightest.
    WorkOrderFactory(assigned_technician=ben, scheduled_for=at(14), estimated_minutes=60)
    WorkOrderFactory(assigned_technician=ben, scheduled_for=at(8) + dt.timedelta(days=1))
    assert [s.technician for s in work_order_suggestions(order, DAY)][:3] == [cy, ben, ann]


def test_a_window_outside_working_hours_leaves_no_slot_and_says_so(team):
    late = CustomerFactory(
        name="Night Shop", preferred_schedule_start=dt.time(16), preferred_schedule_end=dt.time(18)
    )
    order = WorkOrderFactory(customer=late, assigned_technician=None, scheduled_for=None, status="pending")
    ranked = work_order_suggestions(order, DAY)
    assert not any(s.feasible for s in ranked)
    assert ranked[0].refusals == [
        "No start on Tue Mar 12, 2030 is left inside Night Shop's window (4:00 PM–6:00 PM) for a 2 h job "
        "(Mike works 7:00 AM–5:00 PM)."
    ]


def test_every_suggested_slot_is_accepted_by_the_scheduling_service(pending, team, office_user):
    from dispatch.services import Actor, work_order_schedule

    for suggestion in work_order_suggestions(pending, DAY):
        for start in suggestion.free_starts:
            order = WorkOrder.objects.get(pk=pending.pk)
            work_order_schedule(
                work_order=order,
                actor=Actor.for_user(office_user),
                technician=suggestion.technician,
                scheduled_for=start,
            )
    assert WorkOrder.objects.get(pk=pending.pk).status == "scheduled"


# Views ----------------------------------------------------------------------------------


def _url(order, **query) -> str:
    from urllib.parse import urlencode

    return reverse("dispatch:work_order_suggestions", args=[order.pk]) + (
        "?" + urlencode(query) if query else ""
    )


def test_suggestions_fragment_for_htmx_lists_reasons_and_assign_buttons(office_client, pending, team):
    response = office_client.get(_url(pending, day=DAY.isoformat()), headers=HX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "1. Mike Johnson" in body and "Assign to Mike Johnson at 8:00 AM" in body
    assert "Not that day" in body and "the limit is 2" in body
    assert f'action="{reverse("dispatch:work_order_schedule", args=[pending.pk])}"' in body


def test_suggestions_full_page_without_htmx(office_client, pending, team):
    response = office_client.get(_url(pending, day=DAY.isoformat()))
    assert response.status_code == 200
    assert b"<html" in response.content and b"Suggest a technician" in response.content


def test_suggestions_from_the_board_assign_through_the_board(office_client, pending, team):
    response = office_client.get(_url(pending, day=DAY.isoformat(), **{"from": "board"}), headers=HX)
    body = response.content.decode()
    assert (
        f'hx-post="{reverse("dispatch:board_move")}"' in body
        and 'name="start" value="2030-03-12T08:00"' in body
    )


def test_one_click_assign_books_the_suggested_slot_with_history(office_client, pending, team):
    mike = team[0]
    response = office_client.post(
        reverse("dispatch:work_order_schedule", args=[pending.pk]),
        {"version": pending.version, "technician": mike.pk, "scheduled_for": "2030-03-12T08:00"},
        headers=HX,
    )
    assert response.status_code == 200
    pending.refresh_from_db()
    assert (pending.assigned_technician, pending.scheduled_for, pending.status) == (mike, at(8), "scheduled")
    assert WorkOrderHistory.objects.filter(work_order=pending, field_changed="assigned_technician").exists()


def test_a_bad_day_is_a_400_with_a_message(office_client, pending):
    response = office_client.get(_url(pending, day="2030-02-31"), headers=HX)
    assert response.status_code == 400 and "is not a date" in response.content.decode()


def test_a_past_day_or_a_closed_order_gets_a_message_not_suggestions(office_client, pending):
    response = office_client.get(_url(pending, day="2020-01-01"), headers=HX)
    assert response.status_code == 200 and "has passed" in response.content.decode()
    done = WorkOrderFactory(status=WorkOrderStatus.COMPLETED)
    response = office_client.get(_url(done, day=DAY.isoformat()), headers=HX)
    assert "nothing to schedule" in response.content.decode()


def test_suggestions_of_an_unknown_order_is_404_and_post_is_405(office_client, pending):
    assert office_client.get(reverse("dispatch:work_order_suggestions", args=[999999])).status_code == 404
    assert office_client.post(_url(pending)).status_code == 405


def test_suggestions_are_for_office_staff_only(tech_client, client, pending):
    assert tech_client.get(_url(pending)).status_code == 403


def test_detail_page_shows_the_suggest_panel_for_a_pending_order_only(office_client, pending):
    page = office_client.get(reverse("dispatch:work_order_detail", args=[pending.pk])).content.decode()
    assert "Suggest a technician" in page
    scheduled = WorkOrderFactory()
    page = office_client.get(reverse("dispatch:work_order_detail", args=[scheduled.pk])).content.decode()
    assert "Suggest a technician" not in page


def _grow(n: int, bank) -> None:
    technicians = Technician.objects.bulk_create(
        [Technician(name=f"Extra {i}", phone="555") for i in range(n)]
    )
    WorkOrder.objects.bulk_create(
        [
            WorkOrder(
                customer=bank,
                title=f"Job {i}",
                brief_description="x",
                assigned_technician=technicians[i % n],
                scheduled_for=at(8 + (i % 2) * 5, day=DAY + dt.timedelta(days=i % 3)),
                status=WorkOrderStatus.COMPLETED if i % 4 == 0 else WorkOrderStatus.SCHEDULED,
            )
            for i in range(n * 3)
        ]
    )


@pytest.mark.parametrize("headers", [HX, {}])
def test_suggestions_run_a_fixed_number_of_queries(office_client, pending, bank, headers):
    _grow(3, bank)
    with CaptureQueriesContext(connection) as small:
        assert office_client.get(_url(pending, day=DAY.isoformat()), headers=headers).status_code == 200
    _grow(60, bank)
    with CaptureQueriesContext(connection) as large:
        assert office_client.get(_url(pending, day=DAY.isoformat()), headers=headers).status_code == 200
    # +2: the technicians' skills and the job type's required skills; +1: the crews' bookings.
    assert len(small) == len(large) <= 13


@pytest.mark.parametrize("day", ["<script>alert(1)</script>", "x" * 5000, "２０３０-03-12", " "])
def test_odd_or_very_long_days_are_a_clear_400_or_today(office_client, pending, day):
    response = office_client.get(_url(pending, day=day), headers=HX)
    body = response.content.decode()
    assert "<script>" not in body
    if day.strip():
        assert response.status_code == 400 and "is not a date" in body and len(body) < 2000
    else:
        assert response.status_code == 200
