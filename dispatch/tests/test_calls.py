"""Calls: the log, logging one from a customer or work order, the missed-call queue, the phone
system's endpoint, and the summary and sentiment of a transcription."""

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch import call_analysis, calls
from dispatch.models import (
    CallType,
    CommunicationCallDetail,
    CommunicationMessage,
    Customer,
    Notification,
)
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

TOKEN = "phone-system-token-1"
ANGRY = (
    "Hi, this is the bank. The vault camera has been offline since Monday. "
    "Nobody called us back about the camera and this is terrible service. "
    "I am really angry. Please send someone today."
)
HAPPY = "Thanks so much, the new cameras look great and the technician was wonderful. Have a nice day."


def _post(client, payload, token=TOKEN):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post("/api/calls/", data=body, content_type="application/json", **headers)


@pytest.fixture
def phone_token(settings):
    settings.TECHFLOW_PHONE_TOKENS = ["other-integration", TOKEN]


# Summary and sentiment -------------------------------------------------------------------


def test_the_summary_keeps_the_transcriptions_most_telling_sentences_in_their_order():
    summary = call_analysis.summarise(ANGRY)
    assert summary == (
        "The vault camera has been offline since Monday. "
        "Nobody called us back about the camera and this is terrible service."
    )


def test_a_short_transcription_is_its_own_summary():
    assert call_analysis.summarise("Please call me back.") == "Please call me back."


def test_sentiment_is_negative_for_an_angry_call_and_positive_for_a_happy_one():
    assert call_analysis.sentiment_score(ANGRY) < -0.05
    assert call_analysis.sentiment_score(HAPPY) > 0.05


def test_a_negative_call_is_stored_scored_summarised_and_raises_a_follow_up():
    order = WorkOrderFactory()
    message, created = calls.call_record(call_type=CallType.INBOUND, work_order=order, transcription=ANGRY)
    detail = CommunicationCallDetail.objects.get(communication_message=message)
    assert created and detail.sentiment == "negative" and detail.sentiment_score < 0
    assert message.customer == order.customer
    assert "vault camera" in CommunicationMessage.objects.get(pk=message.pk).body
    follow_up = Notification.objects.get(notification_type=Notification.Type.CALL_FOLLOW_UP)
    assert follow_up.work_order == order and order.customer.name in follow_up.message


def test_a_happy_call_raises_no_follow_up():
    calls.call_record(call_type=CallType.INBOUND, customer=CustomerFactory(), transcription=HAPPY)
    assert not Notification.objects.exists()


def test_a_work_order_of_another_customer_is_refused():
    with pytest.raises(Exception, match="is not"):
        calls.call_record(
            call_type=CallType.INBOUND, customer=CustomerFactory(), work_order=WorkOrderFactory()
        )
    assert not CommunicationMessage.objects.exists()


# The phone system's endpoint -----------------------------------------------------------------


def test_the_phone_system_posts_a_call_and_it_is_matched_to_the_customer_by_phone(client, phone_token, now):
    bank = CustomerFactory(name="City Bank", phone="555-0199")
    response = _post(
        client,
        {
            "call_type": "voicemail",
            "phone": "555-0199",
            "call_id": "pbx-1",
            "started_at": (now - dt.timedelta(minutes=20)).isoformat(),
            "wait_time_seconds": 40,
            "transcription": ANGRY,
            "queue_name": "support",
            "ivr_path": ["1", "3"],
        },
    )
    assert response.status_code == 201, response.content
    data = response.json()
    message = CommunicationMessage.objects.get(pk=data["id"])
    assert message.customer == bank and data["sentiment_score"] < 0
    assert message.call_detail.call_type == "voicemail" and message.call_detail.ivr_path == ["1", "3"]
    assert message.created_at == now - dt.timedelta(minutes=20)


def test_the_same_call_posted_twice_is_recorded_once(client, phone_token):
    first = _post(client, {"call_type": "missed", "call_id": "pbx-7"})
    again = _post(client, {"call_type": "missed", "call_id": "pbx-7"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert CommunicationMessage.objects.count() == 1


@pytest.mark.parametrize("token", [None, "wrong", "other-integratio"])
def test_a_post_without_a_valid_token_is_refused(client, phone_token, token):
    assert _post(client, {"call_type": "missed"}, token=token).status_code == 401
    assert not CommunicationMessage.objects.exists()


def test_without_configured_tokens_every_post_is_refused(client, settings):
    settings.TECHFLOW_PHONE_TOKENS = []
    assert _post(client, {"call_type": "missed"}, token="").status_code == 401


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ("not json", "not JSON"),
        ("[1, 2]", "JSON object"),
        ({"call_type": "shouted"}, "not a call type"),
        ({"call_type": "inbound", "outcome": "maybe"}, "not a call outcome"),
        ({"call_type": "inbound", "duration_seconds": "long"}, "whole number"),
        ({"call_type": "inbound", "duration_seconds": -5}, "negative"),
        ({"call_type": "inbound", "customer_id": 999999}, "no customer"),
        ({"call_type": "inbound", "started_at": "yesterday"}, "ISO"),
        ({"call_type": "inbound", "started_at": "2026-12-03T10:00:00"}, "time zone"),
        ({"call_type": "inbound", "started_at": "2099-01-01T10:00:00+00:00"}, "future"),
        ({"call_type": "inbound", "ivr_path": "1-3"}, "ivr_path"),
    ],
)
def test_bad_input_from_the_phone_system_is_a_400_with_the_reason(client, phone_token, payload, reason):
    response = _post(client, payload)
    assert response.status_code == 400
    assert reason in response.json()["error"]
    assert not CommunicationMessage.objects.exists()


def test_the_endpoint_answers_405_to_a_get(client, phone_token):
    assert client.get("/api/calls/", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code == 405


# Office pages -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "name", "args"),
    [
        ("get", "dispatch:call_list", []),
        ("get", "dispatch:call_export", []),
        ("get", "dispatch:call_queue", []),
        ("post", "dispatch:call_create", []),
        ("post", "dispatch:call_called_back", ["00000000-0000-0000-0000-000000000001"]),
    ],
)
def test_a_technician_gets_403_on_the_call_pages(tech_client, method, name, args):
    assert getattr(tech_client, method)(reverse(name, args=args)).status_code == 403


def test_a_call_is_logged_from_a_work_order_in_one_post_and_shows_on_both_timelines(
    office_client, office_user
):
    order = WorkOrderFactory()
    page = reverse("dispatch:work_order_detail", args=[order.pk])
    assert 'id="log-call"' in office_client.get(page).content.decode()
    response = office_client.post(
        reverse("dispatch:call_create"),
        {
            "call_type": "inbound",
            "work_order": order.pk,
            "customer": order.customer.pk,
            "minutes": 4,
            "notes": "Asked when the technician arrives",
            "next": page,
        },
    )
    assert response.status_code == 302 and response["Location"] == page
    message = CommunicationMessage.objects.get()
    assert (message.work_order, message.customer, message.logged_by) == (order, order.customer, office_user)
    assert message.call_detail.duration_seconds == 240
    assert message.technician == order.assigned_technician or message.technician is None
    for url in (page, reverse("dispatch:customer_detail", args=[order.customer.pk])):
        html = office_client.get(url).content.decode()
        assert "Inbound call (4 min)" in html and "Asked when the technician arrives" in html


def test_a_refused_call_log_answers_422_with_the_reason_and_saves_nothing(office_client):
    response = office_client.post(
        reverse("dispatch:call_create"),
        {"call_type": "inbound", "customer": CustomerFactory().pk, "work_order": WorkOrderFactory().pk},
    )
    assert response.status_code == 422
    assert "is not" in response.content.decode()
    assert not CommunicationMessage.objects.exists()


def test_an_offsite_next_is_ignored(office_client):
    response = office_client.post(
        reverse("dispatch:call_create"), {"call_type": "outbound", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("dispatch:call_list")


def _call(call_type, minutes_ago, now, customer=None, body=""):
    message, _ = calls.call_record(
        call_type=call_type,
        customer=customer or CustomerFactory(),
        started_at=now - dt.timedelta(minutes=minutes_ago),
        notes=body,
    )
    return message


def test_the_call_log_filters_by_type_and_search_and_shows_the_last_30_days_by_default(office_client, now):
    bank = CustomerFactory(name="City Bank")
    _call("missed", 10, now, bank, "vault camera")
    _call("inbound", 60, now, body="invoice question")
    _call("inbound", 60 * 24 * 40, now, bank, "old call")
    page = office_client.get(reverse("dispatch:call_list")).content.decode()
    assert "2 calls" in page and "old call" not in page
    assert (
        "1 call<"
        in office_client.get(reverse("dispatch:call_list"), {"call_type": "missed"}).content.decode()
    )
    searched = office_client.get(reverse("dispatch:call_list"), {"q": "bank"}).content.decode()
    assert "vault camera" in searched and "invoice question" not in searched
    older = (now.date() - dt.timedelta(days=60)).isoformat()
    assert "3 calls" in office_client.get(reverse("dispatch:call_list"), {"since": older}).content.decode()


def test_the_call_log_exports_its_filtered_calls_as_csv_with_formulas_escaped(office_client, now):
    _call("inbound", 5, now, body="=HYPERLINK(evil)")
    _call("missed", 6, now, body="missed one")
    response = office_client.get(reverse("dispatch:call_export"), {"call_type": "inbound"})
    text = b"".join(response.streaming_content).decode()
    assert text.splitlines()[0].startswith("id,when,call_type")
    assert "'=HYPERLINK(evil)" in text and "missed one" not in text


def test_the_queue_lists_missed_calls_and_voicemails_oldest_first_with_their_wait(office_client, now):
    late = _call("voicemail", 30, now, body="second")
    early = _call("missed", 125, now, body="first")
    _call("inbound", 200, now, body="answered")
    html = office_client.get(reverse("dispatch:call_queue")).content.decode()
    assert "2 calls waiting" in html and "answered" not in html
    assert html.index(str(early.pk)) < html.index(str(late.pk))
    assert "2 h 05 min" in html and "30 min" in html


def test_called_back_closes_the_call_records_who_and_logs_the_callback(office_client, office_user, now):
    missed = _call("missed", 30, now, body="call me")
    response = office_client.post(
        reverse("dispatch:call_called_back", args=[missed.pk]),
        {"notes": "Booked Friday"},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert "0 calls waiting" in response.content.decode() and "<html" not in response.content.decode()
    detail = CommunicationCallDetail.objects.get(communication_message=missed)
    assert detail.called_back_by == office_user and detail.called_back_at is not None
    callback = CommunicationMessage.objects.get(call_detail__call_type="outbound")
    assert (callback.customer, callback.body, callback.logged_by) == (
        missed.customer,
        "Booked Friday",
        office_user,
    )
    again = office_client.post(reverse("dispatch:call_called_back", args=[missed.pk]), HTTP_HX_REQUEST="true")
    assert again.status_code == 409 and "already called back" in again.content.decode()
    assert CommunicationMessage.objects.count() == 2


def test_an_answered_call_cannot_be_called_back(office_client, now):
    answered = _call("inbound", 5, now)
    response = office_client.post(
        reverse("dispatch:call_called_back", args=[answered.pk]), HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 409


def test_the_called_back_action_refuses_get(office_client, now):
    missed = _call("missed", 5, now)
    assert office_client.get(reverse("dispatch:call_called_back", args=[missed.pk])).status_code == 405


def _many_calls(n: int, now) -> None:
    technicians = [TechnicianFactory() for _ in range(3)]
    customers = Customer.objects.bulk_create(
        [Customer(name=f"C{i}", address="1 Main", phone="555") for i in range(max(2, n // 5))]
    )
    messages = CommunicationMessage.objects.bulk_create(
        [
            CommunicationMessage(
                channel_type="phone",
                direction="inbound",
                customer=customers[i % len(customers)],
                technician=technicians[i % 3],
                body=f"call {i}",
                created_at=now - dt.timedelta(minutes=i),
            )
            for i in range(n)
        ]
    )
    CommunicationCallDetail.objects.bulk_create(
        [
            CommunicationCallDetail(
                communication_message=message,
                call_type=["missed", "voicemail", "inbound"][i % 3],
                sentiment_score=-0.5 if i % 2 else 0.5,
            )
            for i, message in enumerate(messages)
        ]
    )


@pytest.mark.parametrize("name", ["dispatch:call_list", "dispatch:call_queue"])
def test_the_call_pages_run_the_same_queries_at_two_sizes(office_client, now, name):
    counts = []
    for n in (5, 120):
        _many_calls(n, now)
        with CaptureQueriesContext(connection) as queries:
            assert office_client.get(reverse(name)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 15


def test_the_call_log_shows_the_first_technicians_and_accepts_any_found_by_the_search(
    office_client, monkeypatch
):
    """At 500 technicians the filter and the log form were 1,000 options: each select now shows the
    first TECHNICIAN_OPTIONS_LIMIT by name (here one) and the chosen one, the search finds the rest
    (the log form's only active technicians, with its own empty choice), and a technician beyond
    the first is still accepted by both."""
    monkeypatch.setattr("dispatch.selectors.TECHNICIAN_OPTIONS_LIMIT", 1)
    TechnicianFactory(name="Amy First")
    later = TechnicianFactory(name="Zoe Later")
    TechnicianFactory(name="Zed Gone", active=False)
    html = office_client.get(reverse("dispatch:call_list")).content.decode()
    filter_select = html.split('id="id_technician"')[1].split("</select>")[0]
    log_select = html.split('id="call_technician"')[1].split("</select>")[0]
    for select in (filter_select, log_select):
        assert "Amy First" in select and "Zoe Later" not in select
    assert html.count('id="id_technician"') == 1  # the log form's select has its own id
    found = office_client.get(
        reverse("dispatch:work_order_technician_options"), {"q": "z", "active": "1", "empty": "No technician"}
    ).content.decode()
    assert "Zoe Later" in found and "Zed Gone" not in found
    assert (
        office_client.get(reverse("dispatch:work_order_technician_options"), {"q": "z"})
        .content.decode()
        .count("(inactive)")
        == 1
    )
    filtered = office_client.get(reverse("dispatch:call_list"), {"technician": later.pk})
    assert filtered.status_code == 200 and f'value="{later.pk}" selected' in filtered.content.decode()
    response = office_client.post(
        reverse("dispatch:call_create"), {"call_type": "inbound", "technician": later.pk, "notes": "Rang"}
    )
    assert response.status_code == 302
    assert CommunicationMessage.objects.calls().get().technician == later
