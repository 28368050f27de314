"""Refusals the office should know reach its inbox as "Refused action" alerts: an action saved offline
and refused on replay, a clock-in refused because another technician drives the truck. Ordinary form
validation and a question to the phone do not."""

import uuid
from datetime import timedelta

import pytest
import time_machine

from dispatch.models import Notification
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import services
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db


def _replay(client, path: str, tapped_at, key: uuid.UUID | None = None, data: dict | None = None):
    body = {"idempotency_key": str(key or uuid.uuid4()), "tapped_at": str(int(tapped_at.timestamp() * 1000))}
    return client.post(path, {**body, **(data or {})}, headers={"X-Replay": "1"})


def _clock_in(client, truck, key: uuid.UUID | None = None, **data):
    return client.post(
        "/tech/clock-in/",
        {"idempotency_key": str(key or uuid.uuid4()), "truck": truck.pk, **data},
        HTTP_HX_REQUEST="true",
    )


def _refusals():
    return list(Notification.objects.filter(notification_type=Notification.Type.REFUSAL))


@pytest.fixture
def truck():
    return TruckFactory(name="Truck 201")


@pytest.fixture
def david():
    return TechnicianFactory(name="David Kim")


def test_an_offline_action_refused_on_replay_reaches_the_inbox_once(tech_client, technician, truck, now):
    services.clock_in(technician=technician, truck=truck)
    order = WorkOrderFactory(
        assigned_technician=technician, title="Install four dome cameras", scheduled_for=now
    )
    key = uuid.uuid4()
    # "Arrived" tapped offline before travel started: the replay is refused with its reason.
    with time_machine.travel(now + timedelta(minutes=20), tick=False):
        answer = _replay(tech_client, f"/tech/jobs/{order.pk}/arrive/", now + timedelta(minutes=5), key)
        assert answer.status_code == 409 and not answer.json()["ok"]
        (alert,) = _refusals()
        assert alert.work_order == order and not alert.is_read
        assert alert.message.startswith(f"Terry Tech: “Arrived” on #{order.pk}, saved offline at ")
        assert answer.json()["message"] in alert.message
        assert Notification.objects.alerts().filter(pk=alert.pk).exists()  # counted as unread alert
        # The phone sends the same key again: the same answer, no second alert.
        again = _replay(tech_client, f"/tech/jobs/{order.pk}/arrive/", now + timedelta(minutes=5), key)
        assert again.json() == answer.json()
    assert len(_refusals()) == 1


def test_a_tap_too_old_to_record_reaches_the_inbox_with_the_reason(
    tech_client, technician, truck, now, settings
):
    settings.TECHFLOW_OFFLINE_MAX_AGE_HOURS = 1
    services.clock_in(technician=technician, truck=truck)
    order = WorkOrderFactory(assigned_technician=technician, scheduled_for=now)
    with time_machine.travel(now + timedelta(hours=2), tick=False):
        answer = _replay(tech_client, f"/tech/jobs/{order.pk}/travel-start/", now + timedelta(minutes=1))
    assert answer.status_code == 409
    (alert,) = _refusals()
    assert "“Start travel”" in alert.message and "Not recorded:" in alert.message


def test_a_clock_in_on_a_truck_in_use_reaches_the_inbox(tech_client, technician, truck, david):
    services.clock_in(technician=david, truck=truck)
    response = _clock_in(tech_client, truck)
    assert response.status_code == 409
    (alert,) = _refusals()
    assert alert.message.startswith("Terry Tech: “Clock in” was refused: Truck 201 is in use: David Kim")
    assert alert.work_order is None


def test_a_crew_question_and_form_errors_do_not_reach_the_inbox(tech_client, technician, david, now):
    crew = TruckFactory(name="Truck 202", crew_allowed=True)
    services.clock_in(technician=david, truck=crew)
    assert _clock_in(tech_client, crew).status_code == 409  # "are you sharing it?": a question
    assert tech_client.post("/tech/clock-in/", {"idempotency_key": str(uuid.uuid4())}).status_code == 400
    order = WorkOrderFactory(assigned_technician=technician, scheduled_for=now)
    # Online, a step out of order is refused on the phone at once: the technician sees it, no alert.
    online = tech_client.post(
        f"/tech/jobs/{order.pk}/arrive/", {"idempotency_key": str(uuid.uuid4())}, headers={"X-Replay": "1"}
    )
    assert online.status_code == 409
    assert _refusals() == []


def test_a_successful_offline_replay_raises_no_alert(tech_client, technician, truck, now):
    # The job is booked at the pinned now: its steps are open today, at any hour the suite runs.
    services.clock_in(technician=technician, truck=truck)
    order = WorkOrderFactory(assigned_technician=technician, scheduled_for=now)
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        answer = _replay(tech_client, f"/tech/jobs/{order.pk}/travel-start/", now + timedelta(minutes=2))
    assert answer.status_code == 200 and answer.json()["ok"]
    assert _refusals() == []


def _agent_says(client, text: str, key: uuid.UUID):
    return client.post("/tech/agent/say/", {"text": text, "turn_key": str(key)}, HTTP_HX_REQUEST="true")


def test_a_voice_clock_in_on_a_truck_in_use_reaches_the_inbox_once(tech_client, technician, truck, david):
    """The agent's clock-in meets the same rule as the phone's button, and the office hears of it the
    same way: one "Refused action" alert per turn, none more when the phone resends the turn."""
    from fieldops.models import VoiceAgentInteraction

    services.clock_in(technician=david, truck=truck)
    key = uuid.uuid4()
    answer = _agent_says(tech_client, "clock in with truck 201", key)
    assert "Truck 201 is in use: David Kim" in answer.content.decode()
    (alert,) = _refusals()
    assert alert.message.startswith("Terry Tech: “Clock in” was refused: Truck 201 is in use: David Kim")
    assert alert.work_order is None and not alert.is_read
    assert Notification.objects.alerts().filter(pk=alert.pk).exists()
    # The same turn resent (a double tap, a lost answer): answered once, alerted once.
    _agent_says(tech_client, "clock in with truck 201", key)
    assert len(_refusals()) == 1
    assert VoiceAgentInteraction.objects.filter(interaction_type="technician_speech").count() == 1
    # Still not clocked in: the refusal changed nothing else.
    assert not technician.clock_records.filter(clock_out_time__isnull=True).exists()


def test_a_voice_clock_in_the_agent_can_ask_about_raises_no_alert(tech_client, technician, david):
    """A crew truck in use is a question to the technician, not a refusal for the office; nor is a
    truck the agent does not know."""
    crew = TruckFactory(name="Truck 202", crew_allowed=True)
    services.clock_in(technician=david, truck=crew)
    answer = _agent_says(tech_client, "clock in with truck 202", uuid.uuid4())
    assert "Are you sharing it with them as a crew?" in answer.content.decode()
    _agent_says(tech_client, "clock in with truck 999", uuid.uuid4())
    assert _refusals() == []
