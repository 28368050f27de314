"""Parts go on an open job the technician is on: the service refuses what the agent refuses."""

import pytest
from django.core.exceptions import ValidationError

from dispatch.models import WorkOrderStatus
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.state import Step, allowed_steps, check, technician_state
from inventory.models import StockMovement, TruckInventory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    tech, truck = TechnicianFactory(), TruckFactory()
    item = InventoryItemFactory(name="RJ45 End")
    TruckInventoryFactory(truck=truck, item=item, quantity=10)
    order = WorkOrderFactory(assigned_technician=tech)
    services.clock_in(technician=tech, truck=truck)
    return tech, truck, item, order


def _use(tech, order, item, match):
    with pytest.raises(ValidationError, match=match):
        services.job_part_use(technician=tech, work_order=order, item=item, quantity=2)
    assert not StockMovement.objects.exists()
    assert TruckInventory.objects.get(item=item).quantity == 10


def test_parts_on_a_completed_job_are_refused(setup):
    tech, _, item, order = setup
    services.job_travel_start(technician=tech, work_order=order)
    services.job_arrive(technician=tech, work_order=order)
    services.job_work_start(technician=tech, work_order=order)
    services.job_complete(technician=tech, work_order=order, note="Done")
    _use(tech, order, item, "is completed")


def test_parts_on_another_technicians_job_are_refused(setup):
    tech, _, item, _ = setup
    _use(tech, WorkOrderFactory(assigned_technician=TechnicianFactory()), item, "not one of your jobs")


def test_parts_on_a_job_other_than_the_one_you_are_on_are_refused(setup):
    tech, _, item, order = setup
    services.job_travel_start(technician=tech, work_order=order)
    _use(tech, WorkOrderFactory(assigned_technician=tech), item, f"you are on job #{order.pk}")


def test_a_cancelled_job_takes_no_parts(setup):
    tech, _, item, _ = setup
    cancelled = WorkOrderFactory(assigned_technician=tech, status=WorkOrderStatus.CANCELLED)
    _use(tech, cancelled, item, "cancelled")


def test_parts_before_arriving_are_refused_with_the_reason(setup):
    tech, _, item, order = setup
    _use(tech, order, item, "once you have arrived on site: you are on shift")
    services.job_travel_start(technician=tech, work_order=order)
    _use(tech, order, item, f"once you have arrived on site: you are traveling to job #{order.pk}")


def test_parts_on_site_working_and_paused_are_taken(setup):
    tech, truck, item, order = setup
    services.job_travel_start(technician=tech, work_order=order)
    services.job_arrive(technician=tech, work_order=order)
    services.job_part_use(technician=tech, work_order=order, item=item, quantity=1)
    services.job_work_start(technician=tech, work_order=order)
    services.job_part_use(technician=tech, work_order=order, item=item, quantity=1)
    services.job_pause(technician=tech, work_order=order)
    services.job_part_use(technician=tech, work_order=order, item=item, quantity=1)
    assert TruckInventory.objects.get(truck=truck, item=item).quantity == 7


def test_the_steps_allowed_follow_the_state(setup):
    tech, _, _, order = setup
    assert allowed_steps(technician_state(tech), order) >= {Step.TRAVEL_START, Step.CLOCK_OUT}
    assert Step.ARRIVE not in allowed_steps(technician_state(tech), order)
    assert Step.USE_PART not in allowed_steps(technician_state(tech), order)
    services.job_travel_start(technician=tech, work_order=order)
    state = technician_state(tech)
    assert Step.ARRIVE in allowed_steps(state, order)
    assert check(state, Step.CLOCK_OUT) == f"You can't clock out now: you are traveling to job #{order.pk}."
    services.job_arrive(technician=tech, work_order=order)
    assert Step.USE_PART in allowed_steps(technician_state(tech), order)
