"""Weekend hours (the seed: 7 AM - 4 PM on weekdays, 7 AM - 1 PM at weekends): a technician's own
Saturday-and-Sunday hours, the company's (TECHFLOW_WEEKEND_WORK_START / _END), and the weekday
hours when neither is set; every rule that reads a technician's hours reads that day's."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dispatch.models import ActorType, Technician, WorkOrder
from dispatch.planner import plan_week
from dispatch.scheduling import company_hours, last_start, schedule_refusals, work_hours
from dispatch.services import Actor, work_order_schedule
from dispatch.suggestions import work_order_suggestions
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

FRIDAY = dt.date(2030, 3, 15)
SATURDAY = dt.date(2030, 3, 16)
SUNDAY = dt.date(2030, 3, 17)
T = dt.time


OFFICE = Actor(ActorType.OFFICE)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def sam(**hours) -> Technician:
    return Technician(pk=7, name="Sam Okafor", active=True, **hours)


def refusals(technician, start, minutes):
    return schedule_refusals(
        technician=technician, start=start, duration=dt.timedelta(minutes=minutes), same_day_jobs=[]
    )


# The rule (pure) ---------------------------------------------------------------------------


def test_own_weekend_hours_hold_on_saturday_and_sunday_and_the_weekday_hours_otherwise():
    seed = sam(work_start=T(7), work_end=T(16), weekend_start=T(7), weekend_end=T(13))
    assert work_hours(seed, FRIDAY) == (T(7), T(16))
    assert work_hours(seed, SATURDAY) == work_hours(seed, SUNDAY) == (T(7), T(13))
    assert work_hours(seed) == (T(7), T(16))  # no day: the weekday hours
    assert refusals(seed, at(FRIDAY, 14), 60) == []
    assert refusals(seed, at(SATURDAY, 12), 60) == []  # ends exactly at 1 PM
    assert refusals(seed, at(SATURDAY, 12, 30), 60) == [
        "A 1 h job at 12:30 PM would run until 1:30 PM: Sam's working hours on Saturdays are "
        "7:00 AM to 1:00 PM."
    ]
    assert refusals(seed, at(SUNDAY, 14), 60)
    assert last_start(SATURDAY, dt.timedelta(hours=2), seed) == at(SATURDAY, 11)
    assert last_start(FRIDAY, dt.timedelta(hours=2), seed) == at(FRIDAY, 14)


def test_with_no_weekend_hours_anywhere_the_weekend_has_the_weekday_hours():
    own = sam(work_start=T(6), work_end=T(14))
    assert work_hours(own, SATURDAY) == (T(6), T(14))
    assert work_hours(sam(), SUNDAY) == (T(7), T(17))
    assert company_hours(SATURDAY) == company_hours() == (T(7), T(17))
    assert refusals(sam(), at(SATURDAY, 15), 60) == []


def test_the_company_weekend_hours_come_from_the_settings_and_a_technicians_own_win(settings):
    settings.TECHFLOW_WEEKEND_WORK_START, settings.TECHFLOW_WEEKEND_WORK_END = "08:00", "12:00"
    assert company_hours(SATURDAY) == (T(8), T(12))
    assert company_hours(FRIDAY) == (T(7), T(17))
    assert work_hours(sam(), SATURDAY) == (T(8), T(12))
    # The technician's own weekday hours don't carry into a weekend the company has hours for.
    assert work_hours(sam(work_start=T(6), work_end=T(14)), SATURDAY) == (T(8), T(12))
    # Their own weekend hours, one end or both, replace the company's.
    assert work_hours(sam(weekend_end=T(15)), SUNDAY) == (T(8), T(15))
    assert work_hours(sam(weekend_start=T(9), weekend_end=T(11)), SUNDAY) == (T(9), T(11))
    assert refusals(sam(), at(SATURDAY, 12), 30)
    # Only one end set at company level: the other is the weekday's.
    settings.TECHFLOW_WEEKEND_WORK_START = ""
    assert company_hours(SATURDAY) == (T(7), T(12))


# Through the services, the suggestions and the planner -------------------------------------------


@pytest.fixture
def seed_hours_technician(db):
    return TechnicianFactory(
        name="Sam Okafor", work_start=T(7), work_end=T(16), weekend_start=T(7), weekend_end=T(13)
    )


def test_booking_a_saturday_afternoon_is_refused_and_nothing_is_saved(seed_hours_technician):
    order = WorkOrderFactory(scheduled_for=None, assigned_technician=None, estimated_minutes=120)
    with pytest.raises(ValidationError) as refused:
        work_order_schedule(
            work_order=order,
            technician=seed_hours_technician,
            scheduled_for=at(SATURDAY, 12),
            actor=OFFICE,
        )
    assert "working hours on Saturdays are 7:00 AM to 1:00 PM" in str(refused.value)
    order.refresh_from_db()
    assert order.scheduled_for is None and order.assigned_technician is None
    work_order_schedule(
        work_order=order, technician=seed_hours_technician, scheduled_for=at(SATURDAY, 11), actor=OFFICE
    )
    order.refresh_from_db()
    assert order.scheduled_for == at(SATURDAY, 11)


def test_suggestions_on_a_saturday_offer_only_starts_inside_the_short_shift(seed_hours_technician):
    order = WorkOrderFactory(
        scheduled_for=None,
        assigned_technician=None,
        estimated_minutes=90,
        customer=CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=None),
    )
    # The suite's pinned clock is years before these days: every start of the day is still ahead.
    [saturday] = [s for s in work_order_suggestions(order, SATURDAY) if s.technician == seed_hours_technician]
    [friday] = [s for s in work_order_suggestions(order, FRIDAY) if s.technician == seed_hours_technician]
    assert saturday.free_starts and friday.free_starts
    assert max(saturday.free_starts) + dt.timedelta(minutes=90) <= at(SATURDAY, 13)
    assert max(friday.free_starts) + dt.timedelta(minutes=90) > at(FRIDAY, 13)


@pytest.mark.parametrize("engine", ["search", "ortools"])
def test_the_planner_keeps_saturday_jobs_inside_the_weekend_hours(engine):
    technician = sam(work_start=T(7), work_end=T(16), weekend_start=T(7), weekend_end=T(9))
    orders = [WorkOrder(pk=100 + i, title=f"Job {i}", estimated_minutes=120) for i in range(3)]
    plan = plan_week(
        orders=orders,
        technicians=[technician],
        days=[SATURDAY],
        booked={},
        served={},
        week_load={},
        now=at(FRIDAY, 18),
        engine=engine,
        lengths={},
    )
    # 7-9 holds one two-hour job; on the weekday hours (7-16) the cap of two would have placed two.
    assert len(plan.placements) == 1
    [placement] = plan.placements
    assert placement.start == at(SATURDAY, 7)
    assert len(plan.unplaced) == 2


# The office's technician page -------------------------------------------------------------------


def test_the_office_sets_weekend_hours_on_the_technician_page(client, office_user, seed_hours_technician):
    client.force_login(office_user)
    url = reverse("field:technician_edit", args=[seed_hours_technician.pk])
    page = client.get(reverse("field:technician_detail", args=[seed_hours_technician.pk]))
    assert 'name="weekend_start"' in page.text and "Saturday and Sunday: leave them empty" in page.text
    fields = {
        "name": "Sam Okafor",
        "phone": "555-0107",
        "active": "on",
        "work_start": "07:00",
        "work_end": "16:00",
    }
    saved = client.post(url, {**fields, "weekend_start": "08:00", "weekend_end": "12:00"})
    assert saved.status_code == 302, saved.context["form"].errors
    seed_hours_technician.refresh_from_db()
    assert (seed_hours_technician.weekend_start, seed_hours_technician.weekend_end) == (T(8), T(12))
    backwards = client.post(url, {**fields, "weekend_start": "12:00", "weekend_end": "08:00"})
    assert backwards.status_code == 422
    assert "The end of work at weekends must be later than its start." in backwards.text
    seed_hours_technician.refresh_from_db()
    assert (seed_hours_technician.weekend_start, seed_hours_technician.weekend_end) == (T(8), T(12))


def test_one_weekend_end_that_crosses_the_other_is_refused_with_the_hours_it_would_give(settings):
    settings.TECHFLOW_WEEKEND_WORK_START, settings.TECHFLOW_WEEKEND_WORK_END = "08:00", "12:00"
    late = sam(weekend_start=T(13))  # with the company's 12:00 end: 1 PM to 12 PM
    with pytest.raises(ValidationError) as refused:
        late.clean()
    assert refused.value.message_dict == {
        "weekend_end": [
            "With these hours and the company's, work at weekends would start at 1:00 PM and end at "
            "12:00 PM: give both ends."
        ]
    }
    with pytest.raises(ValidationError) as weekday:
        sam(work_start=T(18)).clean()  # with the company's 5 PM end
    assert list(weekday.value.message_dict) == ["work_end"]
    sam(weekend_start=T(9)).clean()  # 9 to 12: fine


def test_the_board_on_a_saturday_spans_the_company_weekend_hours(settings):
    from dispatch.selectors import board_hours

    settings.TECHFLOW_WORK_START, settings.TECHFLOW_WORK_END = "07:00", "17:00"
    settings.TECHFLOW_WEEKEND_WORK_START, settings.TECHFLOW_WEEKEND_WORK_END = "08:00", "12:00"
    assert board_hours([], SATURDAY) == range(8, 12)
    assert board_hours([], FRIDAY) == range(7, 17)
    # A technician who works longer that Saturday widens it.
    assert board_hours([sam(weekend_start=T(6), weekend_end=T(14))], SATURDAY) == range(6, 14)
