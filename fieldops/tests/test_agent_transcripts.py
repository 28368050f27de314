"""The office reads what technicians said to the voice agent, by technician or by work order."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from fieldops import services
from fieldops.agent.dialogue import respond
from fieldops.selectors import voice_transcripts
from fieldops.tests.agent_helpers import make_day
from fieldops.tests.factories import VoiceAgentInteractionFactory

pytestmark = pytest.mark.django_db

URL = reverse("field:voice_transcripts")


@pytest.fixture
def day(technician):
    return make_day(technician)


def _talk(day) -> None:
    services.clock_in(technician=day.technician, truck=day.truck)
    respond(technician=day.technician, text="start travel to city bank")
    respond(technician=day.technician, text="what's my next job")
    respond(technician=day.others.assigned_technician, text="help")


def test_transcripts_by_technician_and_by_work_order(day):
    _talk(day)
    mine = voice_transcripts(technician=day.technician)
    assert [line.text for line in mine if line.speaker == "technician"] == [
        "start travel to city bank",
        "what's my next job",
    ]
    first = mine[0]
    assert first.intent == "travel_start" and first.slots == {"job": "city bank"}
    assert mine[1].result["action"] == "job_travel_start"
    about_first = voice_transcripts(work_order=day.first)
    assert {line.text for line in about_first} >= {"start travel to city bank"}
    assert all(line.technician == day.technician for line in about_first)


def test_plain_text_lines_from_before_the_agent_are_read_as_they_are(day):
    VoiceAgentInteractionFactory(
        session__technician=day.technician, content="Close out work order 7, all done."
    )
    [line] = voice_transcripts(technician=day.technician)
    assert line.text == "Close out work order 7, all done." and line.intent == ""


def test_the_office_page_shows_a_technicians_transcript(office_client, day):
    _talk(day)
    response = office_client.get(URL, {"technician": day.technician.pk})
    html = response.content.decode()
    assert response.status_code == 200
    assert "start travel to city bank" in html
    # In words: no intent names, no service names, no slot keys.
    assert "Start travelling: job: city bank" in html and "Travel started" in html
    assert "travel_start" not in html and "job_travel_start" not in html
    assert "Riverside" in html  # the next job's answer
    assert ">help<" not in html  # another technician's words


def test_the_office_page_by_work_order(office_client, day):
    _talk(day)
    html = office_client.get(URL, {"work_order": day.first.pk}).content.decode()
    assert "start travel to city bank" in html


@pytest.mark.parametrize("query", [{"technician": "abc"}, {"work_order": "-1"}, {"technician": "1" * 40}])
def test_bad_filters_get_a_clear_message_and_a_400(office_client, day, query):
    response = office_client.get(URL, query)
    assert response.status_code == 400 and "is not a" in response.content.decode()


def test_unknown_ids_are_404(office_client, day):
    assert office_client.get(URL, {"technician": 999999}).status_code == 404
    assert office_client.get(URL, {"work_order": 999999}).status_code == 404


def test_technicians_and_anonymous_users_cannot_read_transcripts(tech_client, client, day):
    assert tech_client.get(URL).status_code == 403
    tech_client.logout()
    response = client.get(URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_transcripts_page_runs_a_fixed_number_of_queries(office_client, day):
    _talk(day)

    def count() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert office_client.get(URL, {"technician": day.technician.pk}).status_code == 200
        return len(captured)

    small = count()
    for _ in range(20):
        respond(technician=day.technician, text="list my jobs")
    assert count() == small


def test_an_action_written_as_a_call_reads_as_words(office_client, day):
    from fieldops.models import VoiceAgentInteraction
    from fieldops.tests.factories import VoiceAgentSessionFactory

    session = VoiceAgentSessionFactory(technician=day.technician, work_order=day.first)
    VoiceAgentInteraction.objects.create(
        session=session,
        interaction_type=VoiceAgentInteraction.Type.ACTION,
        content=f"work_order_update(#{day.first.pk}, status=completed)",
    )
    html = office_client.get(URL, {"work_order": day.first.pk}).content.decode()
    assert f"Job #{day.first.pk}: status Completed" in html
    assert "work_order_update" not in html and "status=completed" not in html
