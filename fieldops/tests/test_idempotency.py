"""Idempotency keys per the IETF Idempotency-Key draft, through real requests to the phone's pages:
a key back with the same request replays, with a different one is a 422 that changes nothing,
and keys are each technician's own."""

import uuid

import pytest
from django.contrib.auth.models import Group

from conftest import PASSWORD
from dispatch.models import WorkOrderNote
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import ClockRecord, ProcessedAction
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(technician):
    return WorkOrderFactory(assigned_technician=technician, title="Install four dome cameras")


def _note(client, order, key, text, **extra):
    data = {"idempotency_key": key, "text": text, **extra}
    return client.post(f"/tech/jobs/{order.pk}/notes/", data, headers=extra.pop("headers", {}))


def test_the_same_key_with_a_different_note_is_a_422_and_keeps_the_first(tech_client, order):
    key = str(uuid.uuid4())
    assert _note(tech_client, order, key, "Cable run through the attic").status_code == 302
    response = _note(tech_client, order, key, "Replaced the doorbell")
    assert response.status_code == 422
    assert "already sent with different details, so nothing was changed" in response.content.decode()
    assert list(WorkOrderNote.objects.values_list("note_text", flat=True)) == ["Cable run through the attic"]
    assert ProcessedAction.objects.count() == 1


def test_a_queued_replay_with_a_different_payload_gets_a_422_json_answer(tech_client, order):
    key = str(uuid.uuid4())
    _note(tech_client, order, key, "First")
    response = tech_client.post(
        f"/tech/jobs/{order.pk}/notes/", {"idempotency_key": key, "text": "Second"}, headers={"X-Replay": "1"}
    )
    assert response.status_code == 422
    answer = response.json()
    assert answer["ok"] is False and "nothing was changed" in answer["message"]
    assert WorkOrderNote.objects.count() == 1


def test_a_retry_with_a_renewed_csrf_token_and_position_is_the_same_request(tech_client, order):
    # tech.js renews the CSRF token before replaying, and the phone refreshes its position by itself.
    key = str(uuid.uuid4())
    first = _note(tech_client, order, key, "Same note", csrfmiddlewaretoken="a" * 64, latitude="40.1")
    again = _note(tech_client, order, key, "Same note", csrfmiddlewaretoken="b" * 64, latitude="40.2")
    assert first.status_code == again.status_code == 302
    assert WorkOrderNote.objects.count() == 1


def test_the_same_key_on_another_path_is_a_422(tech_client, technician, order):
    other = WorkOrderFactory(assigned_technician=technician, title="Other job")
    key = str(uuid.uuid4())
    _note(tech_client, order, key, "Note")
    assert _note(tech_client, other, key, "Note").status_code == 422
    assert not WorkOrderNote.objects.filter(work_order=other).exists()


def test_another_technicians_key_never_answers_with_their_result(client, technician, django_user_model):
    key = str(uuid.uuid4())
    mine, theirs = TruckFactory(name="Truck 1"), TruckFactory(name="Truck 2")
    services.action_perform(
        technician=technician,
        key=uuid.UUID(key),
        action="clock_in",
        perform=lambda: services.clock_in(technician=technician, truck=mine),
        success_message="Clocked in with Truck 1.",
        redirect_to="/tech/",
    )
    user = django_user_model.objects.create_user("other", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    other = TechnicianFactory(user=user)
    client.force_login(user)
    response = client.post(
        "/tech/clock-in/", {"idempotency_key": key, "truck": theirs.pk}, headers={"X-Replay": "1"}
    )
    assert response.status_code == 200
    assert response.json()["message"] == "Clocked in with Truck 2."
    assert ClockRecord.objects.get(technician=other).truck == theirs
    assert ProcessedAction.objects.filter(key=key).count() == 2
