"""Statuses that mean what they say: pending is not booked, scheduled has a technician and a time,
in progress starts with travel, cancelled offers only a reopening as a new order."""

import importlib
from datetime import timedelta

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError

from dispatch.models import ActorType, WorkOrder, WorkOrderHistory, WorkOrderStatus
from dispatch.services import Actor, work_order_change_status, work_order_reopen_as_new
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import services as field
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db

OFFICE = Actor(ActorType.OFFICE, None)
migration = importlib.import_module("fieldops.migrations.0007_statuses_mean_what_they_say")


def test_the_migration_moves_existing_rows_to_what_their_status_means(now):
    tech = TechnicianFactory()
    booked = WorkOrderFactory(
        status="pending", assigned_technician=tech, scheduled_for=now + timedelta(days=1)
    )
    fell_through = WorkOrderFactory(
        status="pending", assigned_technician=tech, scheduled_for=now - timedelta(days=1)
    )
    unassigned = WorkOrderFactory(status="pending", assigned_technician=None, scheduled_for=now)
    WorkOrder.objects.filter(pk=unassigned.pk).update(status="scheduled")  # an old row, past today's rules
    driving = WorkOrderFactory(status="scheduled", assigned_technician=tech, scheduled_for=now)
    driving.travel_logs.create(technician=tech, travel_start_time=now - timedelta(minutes=10))
    done = WorkOrderFactory(status="completed", assigned_technician=tech, scheduled_for=now)

    migration.forwards(apps, None)

    statuses = dict(WorkOrder.objects.values_list("pk", "status"))
    assert statuses[booked.pk] == "scheduled"
    assert statuses[fell_through.pk] == "pending"
    assert statuses[unassigned.pk] == "pending"
    assert statuses[driving.pk] == "in_progress"
    assert statuses[done.pk] == "completed"
    moved = WorkOrderHistory.objects.filter(field_changed="status").values_list(
        "work_order_id", "old_value", "new_value"
    )
    assert (booked.pk, "pending", "scheduled") in moved and (driving.pk, "scheduled", "in_progress") in moved


def test_an_order_without_a_technician_cannot_be_marked_scheduled():
    order = WorkOrderFactory(status="pending", assigned_technician=None)
    with pytest.raises(ValidationError, match="scheduled once it has a technician and a time"):
        work_order_change_status(work_order=order, status=WorkOrderStatus.SCHEDULED, actor=OFFICE)
    assert not order.can_become(WorkOrderStatus.SCHEDULED)


def test_travel_start_is_in_progress_and_the_office_sees_where(office_client, now):
    tech = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=tech, scheduled_for=now)
    field.clock_in(technician=tech, truck=TruckFactory())
    field.job_travel_start(technician=tech, work_order=order)
    html = office_client.get(f"/office/work-orders/{order.pk}/").content.decode()
    assert "In progress · Traveling" in html
    field.job_arrive(technician=tech, work_order=order)
    assert "In progress · On site" in office_client.get(f"/office/work-orders/{order.pk}/").content.decode()


def test_a_cancelled_order_offers_only_to_reopen_it_as_a_new_order(office_client):
    order = WorkOrderFactory(status="cancelled", title="Replace NVR drive")
    html = office_client.get(f"/office/work-orders/{order.pk}/").content.decode()
    assert "Reopen as new order" in html
    assert (
        "Assign or reschedule" not in html
        and "Change status" not in html
        and "Cancel this work order" not in html
    )

    response = office_client.post(f"/office/work-orders/{order.pk}/reopen/")
    new = WorkOrder.objects.exclude(pk=order.pk).get()
    assert response.status_code == 302 and response["Location"] == f"/office/work-orders/{new.pk}/"
    assert (new.status, new.title, new.customer_id) == ("pending", "Replace NVR drive", order.customer_id)
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert order.notes.filter(note_text=f"Reopened as #{new.pk}.").exists()
    assert new.notes.filter(note_text=f"Reopened from cancelled #{order.pk}.").exists()


def test_only_a_cancelled_order_is_reopened(office_client):
    order = WorkOrderFactory(status="pending")
    with pytest.raises(ValidationError, match="Only a cancelled work order"):
        work_order_reopen_as_new(work_order=order, actor=OFFICE)
    response = office_client.post(f"/office/work-orders/{order.pk}/reopen/", headers={"HX-Request": "true"})
    assert response.status_code == 422 and WorkOrder.objects.count() == 1
