"""Completing a job writes its summary in the same step."""

import pytest

from dispatch.models import WorkOrderHistory
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import services
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory

pytestmark = pytest.mark.django_db


def test_completing_a_job_writes_its_full_summary_with_history():
    tech = TechnicianFactory(name="Mike Johnson")
    truck = TruckFactory(name="Truck 201")
    item = InventoryItemFactory(name="RJ45 Connector", unit="unit")
    TruckInventoryFactory(truck=truck, item=item, quantity=50)
    order = WorkOrderFactory(assigned_technician=tech, title="Install four dome cameras")
    services.clock_in(technician=tech, truck=truck)
    services.job_travel_start(technician=tech, work_order=order)
    services.job_arrive(technician=tech, work_order=order)
    services.job_work_start(technician=tech, work_order=order)
    services.job_part_use(technician=tech, work_order=order, item=item, quantity=6)
    services.job_note_add(
        technician=tech, work_order=order, text="Back door needs a camera", alert_office=True
    )
    services.job_complete(technician=tech, work_order=order, note="All four cameras recording")

    order.refresh_from_db()
    assert order.status == "completed"
    # The technician's words first, the facts after.
    assert order.full_summary.startswith("Work done: All four cameras recording.")
    assert "\n\nFrom the job's record: Mike Johnson visited" in order.full_summary
    assert "6 × RJ45 Connector" in order.full_summary
    assert "Work done: All four cameras recording." in order.full_summary
    assert "Points raised during the visit: Back door needs a camera." in order.full_summary
    row = WorkOrderHistory.objects.get(work_order=order, field_changed="full_summary")
    assert (row.changed_by_type, row.changed_by_id) == ("technician", tech.pk)
