"""Web Push against a real local HTTP server standing in for the push service (no internet):
the request is VAPID-signed and its body decrypts, with the phone's keys, to the message."""

import base64
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management import call_command

from dispatch import push, services
from dispatch.models import ManualNotification, PushSubscription
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


class PushService:
    """A push service on 127.0.0.1 that answers each request with the next status given."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                service.requests.append({"path": self.path, "headers": headers, "body": body})
                self.send_response(service.statuses.pop(0) if service.statuses else 201)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def push_service():
    service = PushService()
    yield service
    service.close()


@pytest.fixture
def vapid(settings):
    key = ec.generate_private_key(ec.SECP256R1())
    settings.TECHFLOW_VAPID_PRIVATE_KEY = _b64(key.private_numbers().private_value.to_bytes(32, "big"))
    return key


class Phone:
    """A browser's push keys: the subscription's p256dh and auth, and the private key to read with."""

    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = b"0123456789abcdef"

    def subscribe(self, technician, endpoint: str) -> PushSubscription:
        public = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return PushSubscription.objects.create(
            technician=technician, endpoint=endpoint, p256dh=_b64(public), auth=_b64(self.auth)
        )

    def read(self, body: bytes) -> dict:
        return json.loads(
            http_ece.decrypt(body, private_key=self.key, auth_secret=self.auth, version="aes128gcm")
        )


def test_an_urgent_office_message_is_pushed_to_the_technicians_phone(push_service, vapid):
    technician = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=technician)
    phone = Phone()
    phone.subscribe(technician, push_service.url("/send/phone-1"))
    services.manual_notification_send(
        technician=technician, message="STOP: customer cancelled", priority="urgent", work_order=order
    )
    [request] = push_service.requests
    assert request["path"] == "/send/phone-1"
    assert request["headers"]["content-encoding"] == "aes128gcm"
    assert request["headers"]["authorization"].startswith("vapid t=")
    assert request["headers"]["urgency"] == "high"
    payload = phone.read(request["body"])
    assert payload["body"] == "STOP: customer cancelled"
    assert payload["url"] == f"/tech/jobs/{order.pk}/" and str(order.pk) in payload["title"]
    subscription = PushSubscription.objects.get()
    assert subscription.last_sent_at is not None and subscription.failures == 0


def test_a_normal_message_is_not_pushed(push_service, vapid):
    technician = TechnicianFactory()
    Phone().subscribe(technician, push_service.url("/send/x"))
    services.manual_notification_send(technician=technician, message="Lunch?", priority="normal")
    assert push_service.requests == []


def test_a_gone_subscription_is_removed_and_the_message_still_saved(push_service, vapid):
    technician = TechnicianFactory()
    Phone().subscribe(technician, push_service.url("/send/old"))
    push_service.statuses = [410]
    message = services.manual_notification_send(technician=technician, message="STOP", priority="urgent")
    assert ManualNotification.objects.filter(pk=message.pk).exists()
    assert PushSubscription.objects.count() == 0


def test_a_failing_push_service_is_logged_and_counted_never_raised(push_service, vapid, caplog):
    technician = TechnicianFactory()
    Phone().subscribe(technician, push_service.url("/send/flaky"))
    push_service.statuses = [500]
    services.manual_notification_send(technician=technician, message="STOP", priority="urgent")
    assert PushSubscription.objects.get().failures == 1
    assert "push to subscription" in caplog.text


def test_an_unreachable_push_service_does_not_fail_the_send(vapid):
    technician = TechnicianFactory()
    Phone().subscribe(technician, "http://127.0.0.1:9/nobody-listens")
    result = push.manual_notification_push(
        notification_id=ManualNotification.objects.create(
            technician=technician, message="x", priority="urgent"
        ).pk
    )
    assert result.failed == 1 and result.sent == 0


def test_the_office_send_page_answers_normally_when_push_fails(push_service, vapid, office_client):
    technician = TechnicianFactory()
    Phone().subscribe(technician, push_service.url("/send/a"))
    push_service.statuses = [503]
    response = office_client.post(
        "/office/notifications/send/",
        {"technician": technician.pk, "message": "STOP", "priority": "urgent"},
    )
    assert response.status_code == 302 and ManualNotification.objects.filter(message="STOP").exists()


def test_without_vapid_keys_nothing_is_sent(push_service, settings):
    settings.TECHFLOW_VAPID_PRIVATE_KEY = ""
    technician = TechnicianFactory()
    Phone().subscribe(technician, push_service.url("/send/a"))
    services.manual_notification_send(technician=technician, message="STOP", priority="urgent")
    assert push_service.requests == [] and push.vapid_public_key() == ""


def test_a_read_message_is_not_pushed_again(push_service, vapid):
    technician = TechnicianFactory()
    Phone().subscribe(technician, push_service.url("/send/a"))
    message = ManualNotification.objects.create(
        technician=technician, message="x", priority="urgent", is_read=True
    )
    assert push.manual_notification_push(notification_id=message.pk).sent == 0
    assert push_service.requests == []


def test_the_public_key_matches_the_private_one(vapid):
    public = vapid.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert push.vapid_public_key() == _b64(public)


def test_vapid_keys_prints_a_usable_key(settings, capsys):
    call_command("vapid_keys")
    line = capsys.readouterr().out.splitlines()[0]
    settings.TECHFLOW_VAPID_PRIVATE_KEY = line.split("=", 1)[1]
    assert len(push.vapid_public_key()) == 87
