"""The admin writes through the office services: reasons, history, notifications, authors."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dispatch.models import ActorType, Customer, CustomerHistory, Notification, WorkOrder, WorkOrderNote
from dispatch.tests import factories as df
from techflow.tests.test_admin import _form_data, _form_errors, _url

pytestmark = pytest.mark.django_db


def _cancel(client, orders, **extra):
    return client.post(
        _url(WorkOrder, "changelist"),
        {"action": "cancel_work_orders", "_selected_action": [o.pk for o in orders], **extra},
    )


def test_cancelling_in_the_admin_asks_for_the_reason_and_cancels_nothing_without_it(admin_client):
    order = df.WorkOrderFactory(status=WorkOrder.Status.SCHEDULED)

    response = _cancel(admin_client, [order])

    assert response.status_code == 200
    assert 'name="reason"' in response.content.decode()
    order.refresh_from_db()
    assert order.status == WorkOrder.Status.SCHEDULED


def test_the_admin_cancel_reason_is_kept_as_a_note_by_the_admin(admin_client, admin_user):
    order = df.WorkOrderFactory(status=WorkOrder.Status.SCHEDULED)

    response = _cancel(admin_client, [order], reason="Customer moved away")

    assert response.status_code == 302
    note = order.notes.get()
    assert note.note_text == "Cancelled: Customer moved away"
    assert (note.created_by_type, note.created_by_id) == (ActorType.ADMIN, admin_user.pk)


def test_cancelling_a_completed_order_in_the_admin_is_refused_with_a_message_not_a_500(admin_client):
    done = df.WorkOrderFactory(status=WorkOrder.Status.COMPLETED)
    open_order = df.WorkOrderFactory(status=WorkOrder.Status.SCHEDULED)

    response = _cancel(admin_client, [done, open_order], reason="Duplicate")

    assert response.status_code == 302
    done.refresh_from_db()
    open_order.refresh_from_db()
    assert (done.status, open_order.status) == (WorkOrder.Status.COMPLETED, WorkOrder.Status.CANCELLED)
    page = admin_client.get(response.url).content.decode()
    assert f"Not cancelled #{done.pk}" in page


def test_an_office_note_records_its_author(office_user):
    from dispatch.services import Actor, work_order_note_add

    order = df.WorkOrderFactory()
    note = work_order_note_add(
        work_order=order, text="Customer prefers mornings", actor=Actor.for_user(office_user)
    )

    note.refresh_from_db()
    assert (note.created_by_type, note.created_by_id, note.technician) == (
        ActorType.OFFICE,
        office_user.pk,
        None,
    )


def test_the_detail_page_names_the_office_author_of_a_note(office_client, office_user):
    from dispatch.services import Actor, work_order_note_add

    order = df.WorkOrderFactory()
    work_order_note_add(work_order=order, text="Bring the long ladder", actor=Actor.for_user(office_user))

    page = office_client.get(f"/office/work-orders/{order.pk}/").content.decode()
    assert "Olivia" in page


def test_an_alert_note_added_in_the_admin_notifies_the_office(admin_client, admin_user):
    order = df.WorkOrderFactory()
    response = admin_client.post(
        _url(WorkOrderNote, "add"),
        {"work_order": order.pk, "note_text": "Dog in the yard", "alert_office": "on"},
    )

    assert response.status_code == 302, _form_errors(response)
    note = order.notes.get()
    assert (note.created_by_type, note.created_by_id) == (ActorType.ADMIN, admin_user.pk)
    assert Notification.objects.get(work_order=order).notification_type == Notification.Type.NOTE_ALERT


def test_an_alert_note_added_inline_in_the_admin_notifies_the_office(admin_client):
    order = df.WorkOrderFactory()
    url = _url(WorkOrder, "change", order.pk)
    data = _form_data(admin_client, url)
    data.update(
        {"notes-TOTAL_FORMS": ["1"], "notes-0-note_text": ["Gate 4411"], "notes-0-alert_office": ["on"]}
    )

    response = admin_client.post(url, data)

    assert response.status_code == 302, _form_errors(response)
    assert Notification.objects.filter(work_order=order, notification_type="note_alert").count() == 1


def test_saving_a_customer_in_the_admin_writes_customer_history(admin_client, admin_user):
    response = admin_client.post(
        _url(Customer, "add"), {"name": "Acme Storage", "address": "1 Dock Rd", "phone": "555-0100"}
    )
    assert response.status_code == 302, _form_errors(response)
    customer = Customer.objects.get(name="Acme Storage")

    url = _url(Customer, "change", customer.pk)
    data = _form_data(admin_client, url)
    data["phone"] = ["555-0199"]
    response = admin_client.post(url, data)

    assert response.status_code == 302, _form_errors(response)
    rows = list(
        CustomerHistory.objects.filter(customer=customer)
        .order_by("id")
        .values_list("notes", "created_by_type", "created_by_id")
    )
    assert rows == [
        ("Customer created.", ActorType.ADMIN, admin_user.pk),
        ("Details changed: phone.", ActorType.ADMIN, admin_user.pk),
    ]


# The admin keeps the office's rules; a superuser may override them, on the record.

MONDAY = dt.date(2030, 5, 6)


def _at(hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(MONDAY, dt.time(hour)))


def _book_third_job(admin_client, **extra):
    tech = df.TechnicianFactory()
    df.WorkOrderFactory(assigned_technician=tech, scheduled_for=_at(8))
    df.WorkOrderFactory(assigned_technician=tech, scheduled_for=_at(11))
    third = df.WorkOrderFactory(assigned_technician=None, status=WorkOrder.Status.PENDING, scheduled_for=None)
    url = _url(WorkOrder, "change", third.pk)
    data = _form_data(admin_client, url)
    data.update(
        assigned_technician=[str(tech.pk)],
        status=[WorkOrder.Status.SCHEDULED],
        scheduled_for_0=[MONDAY.isoformat()],
        scheduled_for_1=["14:00:00"],
        **extra,
    )
    return third, admin_client.post(url, data)


def test_the_admin_refuses_a_third_job_on_a_day_with_the_rules_words(admin_client):
    third, response = _book_third_job(admin_client)

    assert response.status_code == 200
    assert "already has 2 jobs" in response.content.decode()
    third.refresh_from_db()
    assert third.assigned_technician is None


def test_the_admin_refuses_reopening_a_completed_order(admin_client):
    done = df.WorkOrderFactory(status=WorkOrder.Status.COMPLETED, scheduled_for=_at(9))
    url = _url(WorkOrder, "change", done.pk)
    data = _form_data(admin_client, url)
    data["status"] = [WorkOrder.Status.SCHEDULED]

    response = admin_client.post(url, data)

    assert response.status_code == 200
    assert "can&#x27;t become scheduled" in response.content.decode()
    done.refresh_from_db()
    assert done.status == WorkOrder.Status.COMPLETED


def test_a_superuser_override_books_it_and_is_recorded_as_a_note(admin_client, admin_user):
    third, response = _book_third_job(admin_client, override_reason=["Customer is the owner's brother"])

    assert response.status_code == 302, _form_errors(response)
    third.refresh_from_db()
    assert third.assigned_technician is not None
    note = third.notes.get()
    assert note.note_text.startswith("Admin override: Customer is the owner's brother")
    assert "already has 2 jobs" in note.note_text
    assert (note.created_by_type, note.created_by_id) == (ActorType.ADMIN, admin_user.pk)


def test_only_an_admin_actor_may_override(office_user):
    from dispatch.services import Actor, work_order_save_edited

    done = df.WorkOrderFactory(status=WorkOrder.Status.COMPLETED, scheduled_for=_at(9))
    done.status = WorkOrder.Status.SCHEDULED
    with pytest.raises(ValidationError, match="Only an admin"):
        work_order_save_edited(
            work_order=done, actor=Actor.for_user(office_user), changed_fields=["status"], override_reason="x"
        )
