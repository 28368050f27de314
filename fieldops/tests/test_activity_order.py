"""Steps written at one instant are read in the order they were written, everywhere state is derived."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from dispatch import clock
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops.models import ActivityType, ClockRecord
from fieldops.selectors import State, technician_state, work_order_field_times
from fieldops.tests.factories import ClockRecordFactory, TechnicianActivityFactory

pytestmark = pytest.mark.django_db

AT = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def _steps_at_one_instant(technician, work_order, kinds):
    for kind in kinds:
        TechnicianActivityFactory(
            technician=technician, work_order=work_order, activity_type=kind, created_at=AT
        )


@time_machine.travel(AT + dt.timedelta(minutes=30), tick=False)
def test_work_started_in_the_same_instant_as_arriving_reads_as_working():
    technician = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=technician)
    ClockRecordFactory(technician=technician, clock_in_time=AT - dt.timedelta(hours=1))
    # Written in this order, all stamped 9:00:00.000: the state is the last one written,
    # whatever the alphabetical or random (uuid) order of the rows.
    _steps_at_one_instant(
        technician,
        order,
        [ActivityType.TRAVEL_END, ActivityType.ARRIVED_ON_SITE, ActivityType.WORK_STARTED],
    )
    state = technician_state(technician)
    assert (state.state, state.work_order_id) == (State.WORKING, order.pk)


@time_machine.travel(AT + dt.timedelta(minutes=30), tick=False)
def test_completed_then_left_in_one_instant_reads_as_back_on_shift():
    technician = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=technician)
    ClockRecord.objects.create(technician=technician, clock_in_time=AT - dt.timedelta(hours=1))
    _steps_at_one_instant(technician, order, [ActivityType.WORK_COMPLETED, ActivityType.LEFT_SITE])
    assert technician_state(technician).state == State.ON_SHIFT
    # And the other way round: left first (an odd order, but the one written), then completed.
    other = TechnicianFactory()
    ClockRecord.objects.create(technician=other, clock_in_time=AT - dt.timedelta(hours=1))
    _steps_at_one_instant(other, order, [ActivityType.LEFT_SITE, ActivityType.WORK_COMPLETED])
    assert technician_state(other).state == State.ON_SITE


@time_machine.travel(AT + dt.timedelta(minutes=30), tick=False)
def test_field_times_pair_steps_by_the_order_they_were_written():
    technician = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=technician)
    # Arrived and left at the same instant (a no-access visit tapped twice): no time on site,
    # and not "on site now" — sorting by type name would put left_site before arrived_on_site.
    _steps_at_one_instant(technician, order, [ActivityType.ARRIVED_ON_SITE, ActivityType.LEFT_SITE])
    order = type(order).objects.prefetch_related("travel_logs", "activities").get(pk=order.pk)
    times = work_order_field_times(order)
    assert times.on_site == dt.timedelta() and not times.on_site_now


def test_the_techflow_clock_is_the_wall_clock_unless_fixed():
    fixed = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(AT, tick=False):
        assert clock.now() == timezone.now() == AT
        with clock.frozen(fixed):
            assert clock.now() == fixed
            assert clock.localdate() == dt.date(2026, 6, 1)
        assert clock.now() == AT  # the fixed clock ends with its block


def test_rows_written_under_a_fixed_clock_carry_its_time():
    fixed = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)
    with time_machine.travel(AT, tick=False), clock.frozen(fixed):
        order = WorkOrderFactory()
        activity = TechnicianActivityFactory()
    order.refresh_from_db()
    assert order.created_at == fixed and order.updated_at == fixed
    assert activity.created_at == fixed


def test_a_naive_time_cannot_fix_the_clock():
    with pytest.raises(ValueError), clock.frozen(dt.datetime(2026, 6, 1, 12, 0)):
        pass
