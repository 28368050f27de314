"""The scheduling rules the board, the detail page and the new-order form share."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dispatch.models import WorkOrderHistory, WorkOrderStatus
from dispatch.services import (
    JOB_DURATION,
    Actor,
    OutsidePreferredWindow,
    StaleWorkOrder,
    work_order_open,
    work_order_schedule,
    work_order_update,
)
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 11)  # a Monday


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def actor(office_user):
    return Actor.for_user(office_user)


@pytest.fixture
def customer():
    return CustomerFactory(preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(16))


def _pending(customer, **kwargs):
    return WorkOrderFactory(
        customer=customer,
        assigned_technician=None,
        scheduled_for=None,
        status=WorkOrderStatus.PENDING,
        **kwargs,
    )


def _refusal(error: pytest.ExceptionInfo) -> str:
    return " ".join(error.value.messages)


def test_scheduling_a_pending_order_assigns_it_makes_it_scheduled_and_records_history(actor, customer):
    tech = TechnicianFactory()
    order = _pending(customer)
    work_order_schedule(work_order=order, actor=actor, technician=tech, scheduled_for=at(9))
    order.refresh_from_db()
    assert (order.assigned_technician, order.scheduled_for, order.status) == (tech, at(9), "scheduled")
    fields = set(WorkOrderHistory.objects.filter(work_order=order).values_list("field_changed", flat=True))
    assert fields == {"assigned_technician", "scheduled_for", "status"}
    assert order.version == 2


def test_a_third_job_on_the_same_day_is_refused_with_the_limit(actor, customer):
    tech = TechnicianFactory(name="Mike")
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(8))
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(11))
    order = _pending(customer)
    with pytest.raises(ValidationError) as error:
        work_order_schedule(work_order=order, actor=actor, technician=tech, scheduled_for=at(14))
    assert "Mike already has 2 jobs" in _refusal(error) and "the limit is 2" in _refusal(error)
    order.refresh_from_db()
    assert order.assigned_technician is None
    assert not WorkOrderHistory.objects.filter(work_order=order).exists()


def test_the_daily_limit_is_a_setting(actor, customer, settings):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = 3
    tech = TechnicianFactory()
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(8))
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(11))
    order = _pending(customer)
    work_order_schedule(work_order=order, actor=actor, technician=tech, scheduled_for=at(14))
    assert order.assigned_technician == tech


def test_a_cancelled_job_does_not_count_towards_the_limit(actor, customer):
    tech = TechnicianFactory()
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(8))
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(11), status=WorkOrderStatus.CANCELLED)
    order = _pending(customer)
    work_order_schedule(work_order=order, actor=actor, technician=tech, scheduled_for=at(11))
    assert order.status == WorkOrderStatus.SCHEDULED


def test_the_same_job_moved_within_its_day_does_not_count_against_itself(actor, customer):
    tech = TechnicianFactory()
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(8))
    order = WorkOrderFactory(customer=customer, assigned_technician=tech, scheduled_for=at(11))
    work_order_schedule(work_order=order, actor=actor, technician=tech, scheduled_for=at(13))
    assert order.scheduled_for == at(13)


@pytest.mark.parametrize(("hour", "minute"), [(6, 30), (15, 30), (16, 0)])
def test_a_job_outside_working_hours_is_refused(actor, hour, minute):
    order = _pending(CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=None))
    with pytest.raises(ValidationError) as error:
        work_order_schedule(
            work_order=order, actor=actor, technician=TechnicianFactory(), scheduled_for=at(hour, minute)
        )
    assert "working hours" in _refusal(error)


def test_a_job_ending_exactly_at_the_end_of_the_day_fits(actor):
    order = _pending(CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=None))
    end_of_day = at(17) - JOB_DURATION
    work_order_schedule(
        work_order=order, actor=actor, technician=TechnicianFactory(), scheduled_for=end_of_day
    )
    assert order.scheduled_for == end_of_day


def test_an_overlapping_job_is_refused_and_names_the_clash(actor, customer):
    tech = TechnicianFactory(name="Sarah")
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(9))
    order = _pending(customer)
    with pytest.raises(ValidationError) as error:
        work_order_schedule(work_order=order, actor=actor, technician=tech, scheduled_for=at(10, 30))
    assert (
        "Sarah already has a job from 9:00 AM to 11:00 AM that this one (10:30 AM–12:30 PM) would overlap."
        in _refusal(error)
    )


def test_back_to_back_jobs_do_not_overlap(actor, customer):
    tech = TechnicianFactory()
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(9))
    order = _pending(customer)
    work_order_schedule(work_order=order, actor=actor, technician=tech, scheduled_for=at(11))
    assert order.scheduled_for == at(11)


def test_outside_the_preferred_window_is_refused_until_the_dispatcher_confirms(actor):
    customer = CustomerFactory(
        name="City Bank", preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(11)
    )
    tech = TechnicianFactory()
    order = _pending(customer)
    with pytest.raises(OutsidePreferredWindow) as error:
        work_order_schedule(work_order=order, actor=actor, technician=tech, scheduled_for=at(13))
    assert "outside City Bank's preferred window, 8:00 AM to 11:00 AM" in _refusal(error)
    order.refresh_from_db()
    assert order.scheduled_for is None
    work_order_schedule(
        work_order=order, actor=actor, technician=tech, scheduled_for=at(13), override_window=True
    )
    order.refresh_from_db()
    assert order.scheduled_for == at(13)


def test_an_inactive_technician_cannot_be_given_a_job(actor, customer):
    order = _pending(customer)
    with pytest.raises(ValidationError) as error:
        work_order_schedule(
            work_order=order, actor=actor, technician=TechnicianFactory(active=False), scheduled_for=at(9)
        )
    assert "not an active technician" in _refusal(error)


def test_a_stale_move_is_refused_and_saves_nothing(actor, customer):
    tech = TechnicianFactory()
    order = _pending(customer)
    seen = order.version
    work_order_update(
        work_order=WorkOrderFactory._meta.model.objects.get(pk=order.pk), actor=actor, title="Changed"
    )
    with pytest.raises(StaleWorkOrder) as error:
        work_order_schedule(
            work_order=order, actor=actor, technician=tech, scheduled_for=at(9), expected_version=seen
        )
    assert "Title: " in _refusal(error)
    order.refresh_from_db()
    assert order.assigned_technician is None


def test_a_finished_order_cannot_be_rescheduled(actor, customer):
    order = WorkOrderFactory(customer=customer, status=WorkOrderStatus.COMPLETED, scheduled_for=at(9))
    with pytest.raises(ValidationError) as error:
        work_order_schedule(
            work_order=order, actor=actor, technician=TechnicianFactory(), scheduled_for=at(11)
        )
    assert "completed" in _refusal(error)


def test_unassigning_a_scheduled_order_sends_it_back_to_pending(actor, customer):
    order = WorkOrderFactory(customer=customer, scheduled_for=at(9))
    work_order_schedule(work_order=order, actor=actor, technician=None, scheduled_for=order.scheduled_for)
    order.refresh_from_db()
    assert (order.assigned_technician, order.status, order.scheduled_for) == (None, "pending", at(9))


def test_assign_keeps_the_time_and_checks_the_new_technicians_day(actor, customer):
    busy = TechnicianFactory()
    WorkOrderFactory(assigned_technician=busy, scheduled_for=at(9))
    order = WorkOrderFactory(customer=customer, scheduled_for=at(9))
    with pytest.raises(ValidationError):
        work_order_schedule(work_order=order, actor=actor, technician=busy, scheduled_for=order.scheduled_for)
    free = TechnicianFactory()
    work_order_schedule(work_order=order, actor=actor, technician=free, scheduled_for=order.scheduled_for)
    assert (order.assigned_technician, order.scheduled_for) == (free, at(9))


def test_opening_an_order_with_a_technician_and_time_schedules_it_by_the_rules(actor, customer, office_user):
    tech = TechnicianFactory()
    order = work_order_open(
        actor=actor,
        created_by=office_user,
        customer=customer,
        title="New cameras",
        brief_description="Two domes",
        technician=tech,
        scheduled_for=at(9),
    )
    assert order.status == WorkOrderStatus.SCHEDULED
    assert WorkOrderHistory.objects.filter(work_order=order, field_changed="assigned_technician").exists()
    with pytest.raises(ValidationError):
        work_order_open(
            actor=actor,
            created_by=office_user,
            customer=customer,
            title="Clash",
            brief_description="x",
            technician=tech,
            scheduled_for=at(10),
        )


def test_opening_an_order_without_a_technician_leaves_it_pending(actor, customer, office_user):
    order = work_order_open(
        actor=actor, created_by=office_user, customer=customer, title="Quote", brief_description="Call back"
    )
    assert order.status == WorkOrderStatus.PENDING
    assert order.created_by == office_user
