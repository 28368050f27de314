"""Customer messages: what triggers them, the office's wording, opt-out, e-mail and text delivery
(a Twilio-compatible provider served locally), retries, and never sending twice."""

import datetime as dt
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch import formatting, messaging
from dispatch.models import (
    CommunicationMessage,
    DeliveryStatus,
    MessageKind,
    MessageTemplate,
    WorkOrder,
    WorkOrderStatus,
)
from dispatch.services import Actor, visit_add, visit_remove, work_order_open, work_order_schedule
from dispatch.sms import TwilioSmsBackend
from dispatch.tasks import send_customer_message
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops import services as field
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db


class Provider:
    """A Twilio-compatible endpoint on localhost: answers `status`, keeps what it was sent, and
    honours Idempotency-Key: a key it already accepted gets that message's answer again (200) and
    nothing is sent a second time (`delivered` holds what went out, by key)."""

    def __init__(self):
        self.status = 201
        self.received: list[dict] = []
        self.delivered: dict[str, str] = {}
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers["Content-Length"])
                form = parse_qs(self.rfile.read(length).decode())
                provider.received.append(
                    {
                        "path": self.path,
                        "auth": self.headers["Authorization"],
                        "key": self.headers["Idempotency-Key"],
                        **{k: v[0] for k, v in form.items()},
                    }
                )
                key = self.headers["Idempotency-Key"]
                if key and key in provider.delivered:
                    status, body = 200, {"sid": provider.delivered[key]}
                elif provider.status < 300:
                    status, body = provider.status, {"sid": f"SM{len(provider.received)}"}
                    if key:
                        provider.delivered[key] = body["sid"]
                else:
                    status, body = provider.status, {"message": "busy"}
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(body).encode())

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def provider(settings):
    server = Provider()
    settings.TECHFLOW_SMS_BACKEND = "twilio"
    settings.TECHFLOW_SMS_URL = server.url
    settings.TECHFLOW_SMS_ACCOUNT_SID = "AC123"
    settings.TECHFLOW_SMS_AUTH_TOKEN = "secret"
    settings.TECHFLOW_SMS_FROM = "+15550000000"
    yield server
    server.server.shutdown()


def _book(now, customer=None, hours=26):
    return work_order_open(
        actor=Actor.system(),
        created_by=None,
        customer=customer or CustomerFactory(name="City Bank", phone="+15551230000", email="it@bank.example"),
        title="Install dome cameras",
        brief_description="Lobby",
        technician=TechnicianFactory(name="Mike Johnson"),
        scheduled_for=(now + dt.timedelta(hours=hours)).replace(hour=10, minute=0, second=0, microsecond=0),
        override_window=True,
    )


def test_a_booking_sends_a_confirmation_by_email_and_text(now, provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = _book(now)
    sent = {
        m.channel_type: m for m in CommunicationMessage.objects.filter(kind=MessageKind.BOOKING_CONFIRMED)
    }
    assert set(sent) == {"email", "sms"}
    assert all(
        m.delivery_status == DeliveryStatus.SENT and m.sent_at and m.attempts == 1 for m in sent.values()
    )
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["it@bank.example"]
    assert "Mike Johnson" in mail.outbox[0].body and f"#{order.pk}" in mail.outbox[0].body
    [text] = provider.received
    assert text["To"] == "+15551230000" and text["From"] == "+15550000000" and "10:00 AM" in text["Body"]
    assert text["path"] == "/2010-04-01/Accounts/AC123/Messages.json" and text["auth"].startswith("Basic ")
    assert sent["sms"].provider_id == "SM1"


def test_a_customer_who_opted_out_gets_nothing(now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _book(now, customer=CustomerFactory(messages_opt_out=True))
    assert not CommunicationMessage.objects.exists() and not mail.outbox


def test_moving_a_booking_confirms_the_new_time_once(now, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = _book(now)
        later = order.scheduled_for + dt.timedelta(hours=3)
        work_order_schedule(
            work_order=order,
            actor=Actor.system(),
            technician=order.assigned_technician,
            scheduled_for=later,
            override_window=True,
        )
        order.refresh_from_db()
        work_order_schedule(
            work_order=order,
            actor=Actor.system(),
            technician=order.assigned_technician,
            scheduled_for=later,
            override_window=True,
        )
    assert CommunicationMessage.objects.filter(channel_type="email").count() == 2
    assert len(mail.outbox) == 2


def test_a_retried_task_never_sends_twice(now, provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _book(now)
    for message in CommunicationMessage.objects.all():
        assert send_customer_message.call(str(message.pk)) == "sent"
    assert len(mail.outbox) == 1 and len(provider.received) == 1


def test_a_provider_refusal_is_recorded_retried_later_and_fails_for_good_after_the_attempts(
    now, provider, settings, django_capture_on_commit_callbacks
):
    settings.TECHFLOW_MESSAGE_ATTEMPTS = 3
    provider.status = 503
    with django_capture_on_commit_callbacks(execute=True):
        _book(now, customer=CustomerFactory(email=None, phone="+15551112222"))
    message = CommunicationMessage.objects.get()
    assert message.delivery_status == DeliveryStatus.RETRYING and message.attempts == 1
    assert "503" in message.last_error and message.next_attempt_at > now
    assert messaging.messages_retry_due() == 0  # not due yet
    with time_machine.travel(now + dt.timedelta(minutes=2)):
        assert messaging.messages_retry_due() == 1
    message.refresh_from_db()
    assert message.attempts == 2 and message.delivery_status == DeliveryStatus.RETRYING
    with time_machine.travel(now + dt.timedelta(minutes=10)):
        messaging.messages_retry_due()
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.FAILED and message.attempts == 3
    provider.status = 201
    with django_capture_on_commit_callbacks(execute=True):
        messaging.message_retry_now(message=message)
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and len(provider.received) == 4


def test_an_unreachable_provider_is_recorded_not_raised(now, settings, django_capture_on_commit_callbacks):
    settings.TECHFLOW_SMS_BACKEND = "twilio"
    settings.TECHFLOW_SMS_URL = "http://127.0.0.1:9"  # nothing listens there
    settings.TECHFLOW_SMS_ACCOUNT_SID, settings.TECHFLOW_SMS_AUTH_TOKEN = "AC1", "x"
    settings.TECHFLOW_SMS_FROM = "+1555"
    with django_capture_on_commit_callbacks(execute=True):
        _book(now, customer=CustomerFactory(email=None))
    message = CommunicationMessage.objects.get()
    assert message.delivery_status == DeliveryStatus.RETRYING and "could not be reached" in message.last_error


class DyingBackend:
    """A provider call during which the worker process dies (the exception no handler catches)."""

    def send(self, *, to, body, key):
        raise SystemExit("worker killed")


def test_a_message_is_not_lost_when_the_worker_dies_mid_send(
    now, settings, django_capture_on_commit_callbacks
):
    settings.TECHFLOW_SMS_BACKEND = "dispatch.tests.test_messages.DyingBackend"
    # Marked sending before the provider was called: the dead send is on record, not rolled back.
    with django_capture_on_commit_callbacks(execute=True):
        _book(now, customer=CustomerFactory(email=None))
    message = CommunicationMessage.objects.get()
    assert message.delivery_status == DeliveryStatus.SENDING and message.attempts == 1
    settings.TECHFLOW_SMS_BACKEND = "console"
    assert messaging.messages_retry_due() == 0  # its task may still be running
    with time_machine.travel(now + messaging.LOST_AFTER + dt.timedelta(minutes=1)):
        call_command("send_customer_messages")
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and message.attempts == 2


class AcceptedThenDiesBackend(TwilioSmsBackend):
    """The real provider call succeeds, then the worker dies before the answer is recorded."""

    def send(self, *, to, body, key):
        super().send(to=to, body=body, key=key)
        raise SystemExit("worker killed after the provider took the message")


def test_a_worker_dying_after_the_provider_took_the_message_never_sends_it_twice(
    now, provider, settings, django_capture_on_commit_callbacks
):
    settings.TECHFLOW_SMS_BACKEND = "dispatch.tests.test_messages.AcceptedThenDiesBackend"
    with django_capture_on_commit_callbacks(execute=True):
        _book(now, customer=CustomerFactory(email=None, phone="+15553334444"))
    message = CommunicationMessage.objects.get()
    assert message.delivery_status == DeliveryStatus.SENDING and message.provider_id == ""
    assert list(provider.delivered) == [str(message.pk)]  # the customer has it

    # A duplicate task meanwhile leaves it alone: it is with the provider.
    settings.TECHFLOW_SMS_BACKEND = "twilio"
    assert send_customer_message.call(str(message.pk)) == DeliveryStatus.SENDING
    assert len(provider.received) == 1

    # The sweep finds the dead send and asks again with the same key: the provider answers with
    # the message it already took, and sends nothing.
    with time_machine.travel(now + messaging.LOST_AFTER + dt.timedelta(minutes=1)):
        assert messaging.messages_retry_due() == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and message.provider_id == "SM1"
    assert [r["key"] for r in provider.received] == [str(message.pk)] * 2
    assert provider.delivered == {str(message.pk): "SM1"}
    with time_machine.travel(now + messaging.LOST_AFTER * 3):
        assert messaging.messages_retry_due() == 0


def test_a_provider_without_the_key_would_have_sent_twice(now, provider):
    """The test server itself: without the key, the same message posted twice goes out twice
    (what the key above prevents)."""
    backend = TwilioSmsBackend()
    assert backend.send(to="+1555", body="hi", key="k1") == backend.send(to="+1555", body="hi", key="k1")
    assert backend.send(to="+1555", body="hi", key="") != backend.send(to="+1555", body="hi", key="")
    assert len(provider.received) == 4 and len(provider.delivered) == 1


def test_on_my_way_goes_when_travel_starts_with_the_eta(now, settings, django_capture_on_commit_callbacks):
    settings.TECHFLOW_ETA_MINUTES = 25
    tech = TechnicianFactory(name="Sarah Williams")
    order = WorkOrderFactory(
        assigned_technician=tech, customer=CustomerFactory(email="a@b.example", phone="")
    )
    field.clock_in(technician=tech, truck=TruckFactory())
    with django_capture_on_commit_callbacks(execute=True):
        log = field.job_travel_start(technician=tech, work_order=order)
    message = CommunicationMessage.objects.get(kind=MessageKind.ON_MY_WAY)
    eta = (
        timezone.localtime(log.travel_start_time + dt.timedelta(minutes=25)).strftime("%I:%M %p").lstrip("0")
    )
    assert "Sarah Williams" in message.body and eta in message.body
    assert (
        message.delivery_status == DeliveryStatus.SENT
        and mail.outbox[0].subject == "Sarah Williams is on the way"
    )


def test_job_completed_goes_with_the_service_report(django_capture_on_commit_callbacks):
    tech = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=tech, customer=CustomerFactory(phone=""))
    field.clock_in(technician=tech, truck=TruckFactory())
    field.job_travel_start(technician=tech, work_order=order)
    field.job_arrive(technician=tech, work_order=order)
    field.job_work_start(technician=tech, work_order=order)
    with django_capture_on_commit_callbacks(execute=True):
        field.job_complete(technician=tech, work_order=order, note="Replaced the recorder")
    message = CommunicationMessage.objects.get(kind=MessageKind.JOB_COMPLETED)
    assert "Service report:" in message.body and "Replaced the recorder" in message.body


def test_reminders_go_the_day_before_from_the_reminder_hour_once(
    now, settings, django_capture_on_commit_callbacks
):
    settings.TECHFLOW_REMINDER_HOUR = 17
    order = WorkOrderFactory(
        scheduled_for=timezone.localtime(now).replace(hour=9, minute=0) + dt.timedelta(days=1),
        customer=CustomerFactory(phone=""),
    )
    WorkOrderFactory(scheduled_for=now + dt.timedelta(days=3))
    evening = timezone.localtime(now).replace(hour=17, minute=5)
    with time_machine.travel(evening.replace(hour=16)):
        assert messaging.reminders_queue() == 0
    with time_machine.travel(evening), django_capture_on_commit_callbacks(execute=True):
        assert messaging.reminders_queue() == 1
        assert messaging.reminders_queue() == 0
    assert CommunicationMessage.objects.get().work_order == order


def test_a_later_visit_is_confirmed_and_reminded_with_its_own_day_time_and_lead(
    now, settings, django_capture_on_commit_callbacks
):
    settings.TECHFLOW_REMINDER_HOUR = 17
    order = _book(now)
    CommunicationMessage.objects.all().delete()  # the first visit's confirmation
    day = timezone.localdate(order.scheduled_for) + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    starts = timezone.make_aware(dt.datetime.combine(day, dt.time(8)))
    sarah = TechnicianFactory(name="Sarah Lee")
    with django_capture_on_commit_callbacks(execute=True):
        visit = visit_add(
            work_order=order, actor=Actor.system(), starts_at=starts, lead=sarah, override_window=True
        )
    confirmed = CommunicationMessage.objects.filter(kind=MessageKind.BOOKING_CONFIRMED)
    assert {m.channel_type for m in confirmed} == {"email", "sms"}
    for message in confirmed:
        assert "Sarah Lee" in message.body and "8:00 AM" in message.body
        assert formatting.day_text(day) in message.body
        assert message.technician == sarah and message.work_order == order
    # Day two of an install: the order is in progress when its later visit is reminded.
    WorkOrder.objects.filter(pk=order.pk).update(status=WorkOrderStatus.IN_PROGRESS)
    evening = timezone.make_aware(dt.datetime.combine(day - dt.timedelta(days=1), dt.time(17, 5)))
    with time_machine.travel(evening), django_capture_on_commit_callbacks(execute=True):
        assert messaging.reminders_queue() == 2
        assert messaging.reminders_queue() == 0
    reminders = CommunicationMessage.objects.filter(kind=MessageKind.REMINDER)
    assert all("Sarah Lee" in m.body and "8:00 AM" in m.body for m in reminders)
    # Taking the visit off and booking it again at another time confirms the new time.
    remaining = CommunicationMessage.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        WorkOrder.objects.filter(pk=order.pk).update(status=WorkOrderStatus.SCHEDULED)
        visit_remove(visit=visit, actor=Actor.system())
        visit_add(
            work_order=order,
            actor=Actor.system(),
            starts_at=starts + dt.timedelta(hours=2),
            lead=sarah,
            override_window=True,
        )
    assert CommunicationMessage.objects.count() == remaining + 2
    assert (
        CommunicationMessage.objects.filter(
            body__contains="10:00 AM", kind=MessageKind.BOOKING_CONFIRMED
        ).count()
        == 2
    )


# The office's wording ------------------------------------------------------------------------------


def test_the_office_edits_the_wording_and_the_next_message_uses_it(
    office_client, now, django_capture_on_commit_callbacks
):
    response = office_client.post(
        reverse("dispatch:message_templates"),
        {
            "kind": "booking_confirmed",
            "subject": "See you {date}",
            "body": "Hi {customer}, {technician} comes at {time}.",
        },
    )
    assert response.status_code == 200 and "Booking confirmed saved." in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        _book(now)
    assert mail.outbox[0].body == "Hi City Bank, Mike Johnson comes at 10:00 AM."


@pytest.mark.parametrize("body", ["Hi {name}", "Hi {customer.name}", "Hi {customer", "Hi {0}"])
def test_a_template_with_a_wrong_placeholder_is_refused_with_a_422(office_client, body):
    response = office_client.post(
        reverse("dispatch:message_templates"), {"kind": "reminder", "subject": "Reminder", "body": body}
    )
    assert response.status_code == 422
    assert not MessageTemplate.objects.exists()


def test_a_customer_opts_out_on_their_form(office_client):
    customer = CustomerFactory()
    data = {
        "name": customer.name,
        "address": customer.address,
        "phone": customer.phone,
        "messages_opt_out": "on",
    }
    response = office_client.post(reverse("dispatch:customer_edit", args=[customer.pk]), data)
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.messages_opt_out
    assert "No e-mails or texts" in customer.history.first().notes or customer.history.exists()


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("get", "dispatch:message_list"),
        ("get", "dispatch:message_templates"),
        ("post", "dispatch:message_templates"),
    ],
)
def test_a_technician_gets_403_on_the_message_pages(tech_client, method, name):
    assert getattr(tech_client, method)(reverse(name)).status_code == 403


def test_the_message_list_shows_delivery_and_a_retry_and_runs_the_same_queries_at_two_sizes(
    office_client, now, django_capture_on_commit_callbacks
):
    counts = []
    for n in (2, 30):
        with django_capture_on_commit_callbacks(execute=True):
            for _ in range(n):
                _book(now)
        with CaptureQueriesContext(connection) as queries:
            response = office_client.get(reverse("dispatch:message_list"))
        counts.append(len(queries))
    assert "Booking confirmed" in response.content.decode() and "Sent" in response.content.decode()
    assert counts[0] == counts[1] <= 12
    message = CommunicationMessage.objects.first()
    refused = office_client.post(reverse("dispatch:message_retry", args=[message.pk]), HTTP_HX_REQUEST="true")
    assert refused.status_code == 409


def test_the_admin_refuses_a_template_with_a_wrong_placeholder(admin_client):
    response = admin_client.post(
        "/admin/dispatch/messagetemplate/add/", {"kind": "reminder", "subject": "Hi {nobody}", "body": "Hi"}
    )
    assert response.status_code == 200 and "Unknown placeholder" in response.content.decode()
    assert not MessageTemplate.objects.exists()
