"""The agent's page and its turns over HTTP: access, fragments, bad input, a fixed number of queries."""

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch.tests.factories import WorkOrderFactory
from fieldops import services
from fieldops.agent.dialogue import respond
from fieldops.models import VoiceAgentInteraction, VoiceAgentSession
from fieldops.tests.agent_helpers import make_day

pytestmark = pytest.mark.django_db

PAGE = reverse("fieldops:agent_page")
SAY = reverse("fieldops:agent_say")
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def day(technician):
    return make_day(technician)


def test_anonymous_users_are_sent_to_sign_in(client):
    for url in (PAGE, SAY):
        response = client.get(url) if url == PAGE else client.post(url, {"text": "help"})
        assert response.status_code == 302 and "/login/" in response["Location"]


def test_office_staff_cannot_use_the_agent(office_client):
    assert office_client.get(PAGE).status_code == 403
    assert office_client.post(SAY, {"text": "clock out"}).status_code == 403
    assert not VoiceAgentSession.objects.exists()


def test_the_page_shows_the_text_box_the_microphone_and_suggestions(tech_client, day):
    response = tech_client.get(PAGE)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="text"' in html and 'id="agent-mic"' in html and "js/agent.js" in html
    assert "Clock in" in html  # a suggestion for a technician who is off
    assert "agent-fab" not in html  # the page's own microphone replaces the floating button


def test_every_technician_page_has_the_microphone_button(tech_client, day):
    html = tech_client.get(reverse("fieldops:tech_home")).content.decode()
    assert f'href="{PAGE}?listen=1"' in html
    html = tech_client.get(reverse("fieldops:job_detail", args=[day.first.pk])).content.decode()
    assert f'href="{PAGE}?listen=1"' in html


def test_a_plain_post_acts_then_redirects_to_the_transcript(tech_client, day):
    response = tech_client.post(SAY, {"text": "clock in with truck two oh one"})
    assert response.status_code == 302 and response["Location"].startswith(PAGE)
    assert day.technician.clock_records.filter(clock_out_time__isnull=True).exists()
    html = tech_client.get(PAGE).content.decode()
    assert "clock in with truck two oh one" in html and "Clocked in with Service Truck 201." in html


def test_an_htmx_post_answers_with_the_conversation_fragment_and_the_reply_to_speak(tech_client, day):
    response = tech_client.post(SAY, {"text": "what's my next job"}, **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html and 'id="conversation"' in html
    assert f'data-speak="Next: job {day.first.pk} for City Bank' in html


def test_a_high_impact_request_shows_yes_and_no(tech_client, day):
    services.clock_in(technician=day.technician, truck=day.truck)
    html = tech_client.post(SAY, {"text": "clock out"}, **HTMX).content.decode()
    assert "Say yes to confirm." in html and 'value="yes"' in html and 'value="no"' in html
    assert day.technician.clock_records.get().clock_out_time is None
    tech_client.post(SAY, {"text": "yes"}, **HTMX)
    assert day.technician.clock_records.get().clock_out_time is not None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "I didn&#x27;t hear anything."),
        ("   ", "I didn&#x27;t hear anything."),
        ("x" * 5000, "That&#x27;s too long for me"),
        # Refused before the agent sees it (techflow.security.RequestInputMiddleware), with the reason.
        ("\x00clock in", "contains a NUL character"),
    ],
)
def test_bad_input_gets_a_clear_reply_and_a_400(tech_client, day, text, message):
    response = tech_client.post(SAY, {"text": text})
    assert response.status_code == 400
    assert message in response.content.decode()
    fragment = tech_client.post(SAY, {"text": text}, **HTMX)
    assert fragment.status_code == 400 and message in fragment.content.decode()
    assert not VoiceAgentInteraction.objects.exists()


@pytest.mark.parametrize(
    "text",
    ["🙂🙂🙂", "ｃｌｏｃｋ　ｉｎ？", "café ☕ — «pause»", "\u202e\u200bhelp", "<script>alert(1)</script>"],
)
def test_odd_characters_get_a_reply_never_an_error(tech_client, day, text):
    response = tech_client.post(SAY, {"text": text}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<script>alert(1)</script>" not in html
    assert VoiceAgentInteraction.objects.count() == 2
    VoiceAgentInteraction.objects.all().delete()


def test_a_missing_text_field_is_a_400_not_an_error(tech_client, day):
    assert tech_client.post(SAY, {}).status_code == 400


def test_get_on_say_is_not_allowed(tech_client, day):
    assert tech_client.get(SAY).status_code == 405


def test_the_location_sent_with_a_turn_reaches_the_activity(tech_client, day):
    tech_client.post(
        SAY,
        {"text": "clock in with truck 201", "latitude": "40.7128", "longitude": "-74.006", "accuracy": "12"},
    )
    activity = day.technician.activities.get()
    assert float(activity.latitude) == pytest.approx(40.7128) and activity.accuracy_meters == 12


def _grow(day, sessions: int) -> None:
    """More data of every kind the page reads: turns, jobs, other sessions."""
    for _ in range(sessions):
        respond(technician=day.technician, text="list my jobs")
        WorkOrderFactory(assigned_technician=day.technician, scheduled_for=day.first.scheduled_for)
    respond(technician=day.technician, text="navigate to city bank")


def _queries(client, method: str, *args, **kwargs) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = getattr(client, method)(*args, **kwargs)
        assert response.status_code in (200, 302)
    return len(captured)


def test_the_page_and_a_turn_run_a_fixed_number_of_queries(tech_client, day):
    services.clock_in(technician=day.technician, truck=day.truck)
    _grow(day, 2)
    small = (
        _queries(tech_client, "get", PAGE),
        _queries(tech_client, "post", SAY, {"text": "list my jobs"}, **HTMX),
    )
    _grow(day, 25)
    large = (
        _queries(tech_client, "get", PAGE),
        _queries(tech_client, "post", SAY, {"text": "list my jobs"}, **HTMX),
    )
    assert small == large


def test_the_transcript_on_the_page_is_the_technicians_own(tech_client, day, django_user_model):
    other = day.others.assigned_technician
    respond(technician=other, text="add a note: secret note of sarah")
    respond(technician=day.technician, text="help")
    html = tech_client.get(PAGE).content.decode()
    assert "secret note of sarah" not in html and "You can say" in html
    content = json.loads(VoiceAgentInteraction.objects.filter(session__technician=other).first().content)
    assert content["intent"] == "add_note"


def test_a_double_tapped_turn_is_answered_once(tech_client, technician):
    import uuid

    from dispatch.models import WorkOrderNote
    from dispatch.tests.factories import WorkOrderFactory
    from fieldops import services
    from inventory.tests.factories import TruckFactory

    order = WorkOrderFactory(assigned_technician=technician)
    services.clock_in(technician=technician, truck=TruckFactory())
    services.job_travel_start(technician=technician, work_order=order)
    services.job_arrive(technician=technician, work_order=order)
    key = str(uuid.uuid4())
    for _ in range(3):
        tech_client.post("/tech/agent/say/", {"text": "add a note the gate code is 4412", "turn_key": key})
    assert WorkOrderNote.objects.filter(work_order=order, note_text__contains="4412").count() == 1


def test_a_turn_carries_the_recognisers_alternatives_and_after_a_question_shows_no_yes_no(tech_client, day):
    services.clock_in(technician=day.technician, truck=day.truck)
    response = tech_client.post(
        SAY,
        {"text": "navigate to citi bang", "alternative": ["navigate to city bank", "navigate to city bang"]},
        **HTMX,
    )
    html = response.content.decode()
    assert "Directions to City Bank" in html and "btn-yes" not in html
    spoken = json.loads(
        VoiceAgentInteraction.objects.filter(interaction_type="technician_speech").get().content
    )
    assert spoken["intent"] == "navigate"
    html = tech_client.post(SAY, {"text": "add a note"}, **HTMX).content.decode()
    assert "What should the note say?" in html and "btn-yes" not in html  # a question, not a yes/no


def test_a_queued_turn_is_logged_with_when_it_was_said_and_a_bad_time_is_a_400(tech_client, day):
    import time_machine
    from django.utils import timezone

    now = timezone.make_aware(__import__("datetime").datetime(2026, 3, 10, 10, 0))
    with time_machine.travel(now, tick=False):
        response = tech_client.post(
            SAY, {"text": "help", "said_at": "2026-03-10T09:55:00+00:00", "replayed": "1"}
        )
        assert response.status_code == 302
        spoken = json.loads(VoiceAgentInteraction.objects.get(interaction_type="technician_speech").content)
        assert spoken["said_at"].startswith("2026-03-10T09:55") and spoken["replayed"] is True
        for bad in ("yesterday-ish", "2026-03-01T10:00:00+00:00", "2026-03-11T10:00:00+00:00"):
            response = tech_client.post(SAY, {"text": "help", "said_at": bad})
            html = response.content.decode()
            assert response.status_code == 400
            assert "is not a date and time" in html or "queued too long ago (or in the future)" in html
    assert VoiceAgentInteraction.objects.filter(interaction_type="technician_speech").count() == 1
