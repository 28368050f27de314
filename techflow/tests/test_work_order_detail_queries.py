"""The work-order detail page runs the same queries whatever it shows; every kind of row is seeded."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from dispatch.models import (
    ManualNotification,
    Notification,
    Technician,
    WorkOrderHistory,
    WorkOrderNote,
)
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from inventory.models import MovementKind, StockMovement
from inventory.tests.factories import InventoryItemFactory, TruckFactory

pytestmark = pytest.mark.django_db

AT = dt.datetime(2030, 3, 11, 15, 0, tzinfo=dt.UTC)


def _seed(order, n: int) -> None:
    """n rows of every kind the page renders, each from its own technician, item and truck."""
    technicians = Technician.objects.bulk_create([Technician(name=f"Seeded {n}-{i}") for i in range(n)])
    for i, technician in enumerate(technicians):
        item, truck = InventoryItemFactory(), TruckFactory()
        for kind, change in ((MovementKind.USED_ON_JOB, -1), (MovementKind.RETURNED_FROM_JOB, 1)):
            StockMovement.objects.create(
                truck=truck,
                item=item,
                kind=kind,
                quantity_change=change,
                quantity_after=5,
                work_order=order,
                technician=technician,
                created_by_type="technician",
                created_by_id=technician.pk,
            )
        WorkOrderHistory.objects.create(
            work_order=order,
            changed_by_type="technician",
            changed_by_id=technician.pk,
            field_changed="assigned_technician",
            new_value=str(technician.pk),
        )
        WorkOrderNote.objects.create(work_order=order, technician=technician, note_text=f"Note {i}")
        Notification.objects.create(work_order=order, message=f"Alert {i}")
        ManualNotification.objects.create(technician=technician, work_order=order, message="Hi")
        order.activities.create(technician=technician, activity_type="arrived_on_site", truck=truck)
        order.travel_logs.create(
            technician=technician, travel_start_time=AT - dt.timedelta(hours=1), travel_end_time=AT
        )


def _queries(client, order) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/office/work-orders/{order.pk}/")
    assert response.status_code == 200
    return len(queries)


def test_the_detail_page_runs_no_query_per_part_note_or_activity(office_client):
    order = WorkOrderFactory(assigned_technician=TechnicianFactory(), scheduled_for=AT)
    _seed(order, 2)
    small = _queries(office_client, order)
    _seed(order, 20)
    large = _queries(office_client, order)
    assert small == large, f"{small} queries with 2 of each row, {large} with 22"
    assert StockMovement.objects.filter(work_order=order).count() == 44
