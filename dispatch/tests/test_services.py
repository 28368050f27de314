"""Work-order writes record who changed what in work_order_history."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from dispatch.models import (
    ActorType,
    Customer,
    Notification,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderNote,
    WorkOrderStatus,
)
from dispatch.services import (
    Actor,
    StaleWorkOrder,
    work_order_change_status,
    work_order_create,
    work_order_note_add,
    work_order_save_edited,
    work_order_update,
)
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2025, 3, 10, 14, 0, tzinfo=dt.UTC)


def _history(order: WorkOrder) -> dict[str, tuple]:
    return {
        row.field_changed: (row.old_value, row.new_value, row.changed_by_type, row.changed_by_id)
        for row in WorkOrderHistory.objects.filter(work_order=order)
    }


# Who the actor is


def test_an_office_login_acts_as_office_by_user_id(office_user):
    assert Actor.for_user(office_user) == Actor(ActorType.OFFICE, office_user.pk)


def test_a_technicians_login_acts_as_that_technician(technician):
    assert Actor.for_user(technician.user) == Actor(ActorType.TECHNICIAN, technician.pk)


def test_a_superuser_acts_as_admin(django_user_model):
    root = django_user_model.objects.create_superuser("root")
    assert Actor.for_user(root) == Actor(ActorType.ADMIN, root.pk)


# work_order_update


def test_update_writes_one_history_row_per_changed_field_with_old_and_new_values(office_user):
    order = WorkOrderFactory(title="Camera maintenance", status=WorkOrderStatus.SCHEDULED)
    work_order_update(
        work_order=order,
        actor=Actor.for_user(office_user),
        title="Camera maintenance, lobby",
        status=WorkOrderStatus.IN_PROGRESS,
        brief_description=order.brief_description,  # unchanged: no row
    )
    assert _history(order) == {
        "title": ("Camera maintenance", "Camera maintenance, lobby", "office", office_user.pk),
        "status": ("scheduled", "in_progress", "office", office_user.pk),
    }
    order.refresh_from_db()
    assert (order.title, order.status) == ("Camera maintenance, lobby", "in_progress")


def test_update_by_a_technician_records_the_technician_not_the_login(django_user_model):
    user = django_user_model.objects.create_user("field-tech")
    technician = TechnicianFactory(id=user.pk + 100, user=user)  # ids that can't be confused
    order = WorkOrderFactory(assigned_technician=technician, status=WorkOrderStatus.SCHEDULED)
    work_order_update(work_order=order, actor=Actor.for_user(user), status="in_progress")
    row = WorkOrderHistory.objects.get(work_order=order)
    assert (row.changed_by_type, row.changed_by_id) == ("technician", technician.pk)


def test_update_by_a_superuser_records_admin(django_user_model):
    root = django_user_model.objects.create_superuser("root")
    order = WorkOrderFactory()
    work_order_update(work_order=order, actor=Actor.for_user(root), status="cancelled")
    row = WorkOrderHistory.objects.get(work_order=order)
    assert (row.changed_by_type, row.changed_by_id, row.new_value) == ("admin", root.pk, "cancelled")


def test_reassignment_and_rescheduling_are_recorded_as_ids_and_utc_times(office_user):
    first, second = TechnicianFactory.create_batch(2)
    order = WorkOrderFactory(assigned_technician=first, scheduled_for=T0)
    new_time = T0.astimezone(dt.timezone(dt.timedelta(hours=-4))) + dt.timedelta(days=1)
    work_order_update(
        work_order=order,
        actor=Actor.for_user(office_user),
        assigned_technician=second,
        scheduled_for=new_time,
    )
    history = _history(order)
    assert history["assigned_technician"][:2] == (str(first.pk), str(second.pk))
    assert history["scheduled_for"][:2] == ("2025-03-10T14:00:00+00:00", "2025-03-11T14:00:00+00:00")


def test_update_hands_the_callers_instance_the_saved_state(office_user):
    order = WorkOrderFactory(status=WorkOrderStatus.IN_PROGRESS)
    returned = work_order_update(work_order=order, actor=Actor.for_user(office_user), status="completed")
    assert returned is order
    assert order.status == "completed"
    assert order.updated_at is not None


def test_update_without_a_change_writes_no_history(office_user):
    order = WorkOrderFactory(status=WorkOrderStatus.SCHEDULED, title="Repair DVR")
    work_order_update(
        work_order=order, actor=Actor.for_user(office_user), status="scheduled", title="Repair DVR"
    )
    work_order_update(work_order=order, actor=Actor.for_user(office_user))
    assert not WorkOrderHistory.objects.filter(work_order=order).exists()


def test_update_of_an_unknown_field_raises_value_error_and_saves_nothing(office_user):
    order = WorkOrderFactory(title="Repair DVR")
    with pytest.raises(ValueError, match="created_at"):
        work_order_update(work_order=order, actor=Actor.for_user(office_user), title="X", created_at=T0)
    order.refresh_from_db()
    assert order.title == "Repair DVR"
    assert not WorkOrderHistory.objects.exists()


def test_update_to_an_invalid_status_raises_validation_error_and_saves_nothing(office_user):
    order = WorkOrderFactory(status=WorkOrderStatus.SCHEDULED, title="Repair DVR")
    with pytest.raises(ValidationError) as excinfo:
        work_order_update(
            work_order=order, actor=Actor.for_user(office_user), title="Repair NVR", status="on_hold"
        )
    assert "status" in excinfo.value.message_dict
    order.refresh_from_db()
    assert (order.status, order.title) == ("scheduled", "Repair DVR")
    assert not WorkOrderHistory.objects.exists()


def test_update_with_a_blank_title_raises_validation_error_and_saves_nothing(office_user):
    order = WorkOrderFactory(title="Repair DVR")
    with pytest.raises(ValidationError):
        work_order_update(work_order=order, actor=Actor.for_user(office_user), title="")
    order.refresh_from_db()
    assert order.title == "Repair DVR"
    assert not WorkOrderHistory.objects.exists()


# work_order_create


def test_create_records_every_initial_value_as_a_change_from_nothing(office_user):
    customer = CustomerFactory()
    technician = TechnicianFactory()
    order = work_order_create(
        actor=Actor.for_user(office_user),
        created_by=office_user,
        customer=customer,
        title="Install four IP domes",
        brief_description="Lobby and parking",
        job_type="installation",
        assigned_technician=technician,
        scheduled_for=T0,
    )
    assert order.created_by == office_user
    assert _history(order) == {
        "customer": (None, str(customer.pk), "office", office_user.pk),
        "title": (None, "Install four IP domes", "office", office_user.pk),
        "brief_description": (None, "Lobby and parking", "office", office_user.pk),
        "job_type": (None, "installation", "office", office_user.pk),
        "status": (None, "pending", "office", office_user.pk),
        "assigned_technician": (None, str(technician.pk), "office", office_user.pk),
        "scheduled_for": (None, "2025-03-10T14:00:00+00:00", "office", office_user.pk),
    }


def test_create_with_invalid_values_saves_no_order_and_no_history(office_user):
    with pytest.raises(ValidationError):
        work_order_create(
            actor=Actor.for_user(office_user), title="", brief_description="x", job_type="welding"
        )
    assert not WorkOrder.objects.exists()
    assert not WorkOrderHistory.objects.exists()


# updated_at


def test_updated_at_moves_on_save():
    with time_machine.travel(T0, tick=False):
        order = WorkOrderFactory()
    assert order.updated_at == T0
    later = T0 + dt.timedelta(hours=2)
    with time_machine.travel(later, tick=False):
        order.title = "Renamed"
        order.save()
    order.refresh_from_db()
    assert order.updated_at == later


def test_updated_at_moves_on_queryset_update():
    with time_machine.travel(T0, tick=False):
        order = WorkOrderFactory()
    later = T0 + dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        WorkOrder.objects.filter(pk=order.pk).update(status="completed")
    order.refresh_from_db()
    assert (order.status, order.updated_at) == ("completed", later)


def test_updated_at_moves_on_update_through_a_related_manager():
    with time_machine.travel(T0, tick=False):
        order = WorkOrderFactory()
    later = T0 + dt.timedelta(minutes=5)
    with time_machine.travel(later, tick=False):
        order.customer.work_orders.update(status="cancelled")
        Customer.objects.filter(pk=order.customer_id).update(phone="555-0199")
    order.refresh_from_db()
    order.customer.refresh_from_db()
    assert order.updated_at == later
    assert order.customer.updated_at == later


def test_an_explicit_updated_at_in_a_queryset_update_is_kept():
    order = WorkOrderFactory()
    WorkOrder.objects.filter(pk=order.pk).update(updated_at=T0)
    order.refresh_from_db()
    assert order.updated_at == T0


def test_an_edited_instance_records_only_the_fields_the_editor_changed(office_user):
    order = WorkOrderFactory(status="scheduled", title="Repair DVR")
    stored_time = order.scheduled_for
    # A form changed the status; its time widget also dropped the microseconds.
    order.status = WorkOrderStatus.IN_PROGRESS
    order.scheduled_for = stored_time.replace(microsecond=0) + dt.timedelta(microseconds=1)
    work_order_save_edited(work_order=order, actor=Actor.for_user(office_user), changed_fields=["status"])

    order.refresh_from_db()
    assert order.scheduled_for == stored_time
    rows = list(WorkOrderHistory.objects.filter(work_order=order).values_list("field_changed", "new_value"))
    assert rows == [("status", "in_progress")]


def test_a_new_instance_saved_by_an_editor_records_its_initial_values(office_user):
    order = WorkOrderFactory.build(
        customer=CustomerFactory(),
        assigned_technician=TechnicianFactory(),
        # Inside working hours: an editor's save keeps the scheduling rules.
        scheduled_for=timezone.make_aware(dt.datetime(2030, 5, 6, 10, 0)),
    )
    work_order_save_edited(work_order=order, actor=Actor.for_user(office_user))
    fields = set(WorkOrderHistory.objects.filter(work_order=order).values_list("field_changed", flat=True))
    assert {"title", "status", "assigned_technician", "scheduled_for"} <= fields


@pytest.mark.parametrize(
    ("start", "target"),
    [
        ("completed", "in_progress"),
        ("cancelled", "scheduled"),
        ("scheduled", "completed"),
        ("completed", "cancelled"),
    ],
)
def test_a_status_change_outside_the_allowed_transitions_is_refused_and_nothing_saved(
    office_user, start, target
):
    order = WorkOrderFactory(status=start)
    with pytest.raises(ValidationError, match="can't become"):
        work_order_update(work_order=order, actor=Actor.for_user(office_user), status=target)
    order.refresh_from_db()
    assert order.status == start
    assert not WorkOrderHistory.objects.filter(work_order=order).exists()


def test_every_real_change_bumps_the_version_and_a_no_op_does_not(office_user):
    order = WorkOrderFactory(status="scheduled")
    assert order.version == 1
    work_order_update(work_order=order, actor=Actor.for_user(office_user), title="Repair NVR")
    assert order.version == 2
    work_order_update(work_order=order, actor=Actor.for_user(office_user), title="Repair NVR")
    order.refresh_from_db()
    assert order.version == 2


def test_a_save_from_a_stale_copy_is_refused_with_what_changed(office_user):
    order = WorkOrderFactory(status="scheduled", title="Repair NVR")
    loaded_version = order.version
    other_copy = WorkOrder.objects.get(pk=order.pk)
    work_order_update(work_order=other_copy, actor=Actor.for_user(office_user), title="Replace NVR")

    with pytest.raises(StaleWorkOrder, match="Title: Repair NVR → Replace NVR"):
        work_order_update(
            work_order=order,
            actor=Actor.for_user(office_user),
            expected_version=loaded_version,
            title="Fix NVR",
        )
    order.refresh_from_db()
    assert order.title == "Replace NVR"


def test_cancelling_needs_a_reason_which_is_kept_as_a_note(office_user):
    order = WorkOrderFactory(status="scheduled")
    with pytest.raises(ValidationError, match="why"):
        work_order_change_status(work_order=order, status="cancelled", actor=Actor.for_user(office_user))
    work_order_change_status(
        work_order=order,
        status="cancelled",
        actor=Actor.for_user(office_user),
        reason="Customer closed the store",
    )
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert WorkOrderNote.objects.get(work_order=order).note_text == "Cancelled: Customer closed the store"


def test_an_alert_note_notifies_the_office_and_a_plain_note_does_not():
    order = WorkOrderFactory()
    technician = order.assigned_technician
    work_order_note_add(
        work_order=order, text="All good", actor=Actor("technician", technician.pk), technician=technician
    )
    assert not Notification.objects.exists()
    work_order_note_add(
        work_order=order,
        text="Customer wants a quote for 4 more cameras",
        actor=Actor("technician", technician.pk),
        technician=technician,
        alert_office=True,
    )
    notification = Notification.objects.get()
    assert notification.work_order == order
    assert notification.notification_type == Notification.Type.NOTE_ALERT
    assert "quote for 4 more cameras" in notification.message
    assert not notification.is_read


def test_an_empty_note_is_refused():
    with pytest.raises(ValidationError, match="Write the note"):
        work_order_note_add(work_order=WorkOrderFactory(), text="   ", actor=Actor.system())
