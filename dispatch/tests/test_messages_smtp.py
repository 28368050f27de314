"""Customer e-mail through Django's real SMTP backend, against a small SMTP server on localhost:
sent once with a Message-ID per message row; a server's refusal retried; and, since SMTP has no
idempotency key, a send that may have reached the customer (a worker that died after the server
took it, a conversation that broke off mid-handover) is never sent again without a person."""

import datetime as dt
import email
import socketserver
import threading

import pytest
import time_machine
from django.core.mail.backends.smtp import EmailBackend

from dispatch import messaging
from dispatch.models import CommunicationMessage, DeliveryStatus, Notification
from dispatch.services import Actor, work_order_open
from dispatch.tasks import send_customer_message
from dispatch.tests.factories import CustomerFactory, TechnicianFactory

pytestmark = pytest.mark.django_db


class SmtpServer:
    """Enough of RFC 5321 for smtplib: EHLO, MAIL, RCPT, DATA, RSET, NOOP, QUIT. `mode` decides the
    answer to a message's end of data: "ok" (250, kept in `received`), "refuse" (451, not kept) or
    "hangup" (kept, then the connection is closed without an answer: the client cannot tell)."""

    def __init__(self):
        self.mode = "ok"
        self.received: list[email.message.Message] = []
        server = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write(f"{line}\r\n".encode())
                self.wfile.flush()

            def handle(self):
                self.reply("220 localhost test SMTP")
                while line := self.rfile.readline():
                    verb = line.decode().strip().split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250 localhost")
                    elif verb in ("MAIL", "RCPT", "RSET", "NOOP"):
                        self.reply("250 OK")
                    elif verb == "DATA":
                        self.reply("354 End data with <CR><LF>.<CR><LF>")
                        lines = []
                        while (data := self.rfile.readline()) not in (b".\r\n", b""):
                            lines.append(data[1:] if data.startswith(b"..") else data)
                        parsed = email.message_from_bytes(b"".join(lines))
                        if server.mode == "refuse":
                            self.reply("451 Try again later")
                            continue
                        server.received.append(parsed)
                        if server.mode == "hangup":
                            return
                        self.reply("250 OK queued")
                    elif verb == "QUIT":
                        self.reply("221 Bye")
                        return
                    else:
                        self.reply("502 Command not implemented")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def message_ids(self) -> list[str]:
        return [m["Message-ID"] for m in self.received]


def _mailer(settings, server: SmtpServer, backend: str) -> None:
    """The default mailer: `backend` (Django's SMTP one or a subclass) talking to `server`."""
    settings.MAILERS = {
        "default": {"BACKEND": backend, "OPTIONS": {"host": "127.0.0.1", "port": server.port, "timeout": 5}}
    }


@pytest.fixture
def smtp(settings):
    server = SmtpServer()
    _mailer(settings, server, "django.core.mail.backends.smtp.EmailBackend")
    settings.DEFAULT_FROM_EMAIL = "City Security <office@citysecurity.example>"
    yield server
    server.server.shutdown()
    server.server.server_close()


class AcceptedThenDies(EmailBackend):
    """Django's SMTP backend whose worker dies just after the mail server took the message, before
    TechFlow could record it (the exception no handler catches)."""

    def send_messages(self, email_messages):
        super().send_messages(email_messages)
        raise SystemExit("worker killed after the mail server took the message")


class SweptWhileSending(EmailBackend):
    """Django's SMTP backend on a send so slow that the sweep's "not confirmed" verdict is
    recorded while the server still has the message (written here, once the server took it)."""

    def send_messages(self, email_messages):
        sent = super().send_messages(email_messages)
        pk = email_messages[0].extra_headers["Message-ID"].strip("<>").partition("@")[0]
        CommunicationMessage.objects.filter(pk=pk).update(
            delivery_status=DeliveryStatus.FAILED, last_error=messaging.UNCONFIRMED
        )
        return sent


def _book(now, django_capture_on_commit_callbacks) -> CommunicationMessage:
    with django_capture_on_commit_callbacks(execute=True):
        work_order_open(
            actor=Actor.system(),
            created_by=None,
            customer=CustomerFactory(name="City Bank", phone="", email="it@bank.example"),
            title="Install dome cameras",
            brief_description="Lobby",
            technician=TechnicianFactory(name="Mike Johnson"),
            scheduled_for=(now + dt.timedelta(hours=26)).replace(hour=10, minute=0, second=0, microsecond=0),
            override_window=True,
        )
    return CommunicationMessage.objects.get(channel_type="email")


def _system_alerts():
    return list(Notification.objects.filter(notification_type=Notification.Type.SYSTEM))


def test_an_email_goes_once_over_smtp_with_a_message_id_of_its_row(
    now, smtp, django_capture_on_commit_callbacks
):
    message = _book(now, django_capture_on_commit_callbacks)
    assert message.delivery_status == DeliveryStatus.SENT and message.attempts == 1
    [received] = smtp.received
    assert received["To"] == "it@bank.example" and "Mike Johnson" in received.get_payload()
    assert received["Message-ID"] == f"<{message.pk}@citysecurity.example>" == message.provider_id
    # The task run again (a retried task, a duplicate enqueue): the row says sent, nothing goes.
    assert send_customer_message.call(str(message.pk)) == DeliveryStatus.SENT
    assert len(smtp.received) == 1


def test_a_mail_server_refusal_is_retried_and_the_email_then_goes_once(
    now, smtp, django_capture_on_commit_callbacks
):
    smtp.mode = "refuse"
    message = _book(now, django_capture_on_commit_callbacks)
    assert message.delivery_status == DeliveryStatus.RETRYING and "451" in message.last_error
    assert smtp.received == []
    smtp.mode = "ok"
    with time_machine.travel(now + dt.timedelta(minutes=2)):
        assert messaging.messages_retry_due() == 1
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and message.attempts == 2
    assert smtp.message_ids() == [message.provider_id]


def test_an_unreachable_mail_server_is_retried(now, smtp, settings, django_capture_on_commit_callbacks):
    smtp.server.shutdown()
    smtp.server.server_close()  # nothing listens on the port any more
    message = _book(now, django_capture_on_commit_callbacks)
    assert message.delivery_status == DeliveryStatus.RETRYING and message.next_attempt_at is not None
    assert _system_alerts() == []


def test_a_worker_dying_after_the_mail_server_took_the_email_never_sends_it_twice(
    now, smtp, settings, django_capture_on_commit_callbacks
):
    _mailer(settings, smtp, "dispatch.tests.test_messages_smtp.AcceptedThenDies")
    message = _book(now, django_capture_on_commit_callbacks)
    # The claim was committed before the server was called, with the Message-ID in flight.
    assert message.delivery_status == DeliveryStatus.SENDING and message.attempts == 1
    assert smtp.message_ids() == [f"<{message.pk}@citysecurity.example>"] == [message.provider_id]

    _mailer(settings, smtp, "django.core.mail.backends.smtp.EmailBackend")
    # A duplicate task meanwhile leaves it alone: it may be with the server right now.
    assert send_customer_message.call(str(message.pk)) == DeliveryStatus.SENDING
    assert messaging.messages_retry_due() == 0
    # The sweep finds the dead send: SMTP can't be asked "did you take it?", so it is not sent
    # again; it is recorded as not confirmed and the office hears of it.
    with time_machine.travel(now + messaging.LOST_AFTER + dt.timedelta(minutes=1)):
        assert messaging.messages_retry_due() == 1
        message.refresh_from_db()
        assert message.delivery_status == DeliveryStatus.FAILED and message.next_attempt_at is None
        assert message.last_error.startswith("Not confirmed: the mail server may have it")
        [alert] = _system_alerts()
        assert "it@bank.example may not have been sent" in alert.message and alert.work_order_id
        assert Notification.objects.alerts().filter(pk=alert.pk).exists()
        assert messaging.messages_retry_due() == 0
    with time_machine.travel(now + messaging.LOST_AFTER * 10):
        assert messaging.messages_retry_due() == 0
    assert len(smtp.received) == 1


def test_a_conversation_broken_off_mid_handover_is_not_confirmed_and_only_a_person_sends_it_again(
    now, smtp, django_capture_on_commit_callbacks
):
    smtp.mode = "hangup"  # the server keeps the message and hangs up before answering
    message = _book(now, django_capture_on_commit_callbacks)
    assert message.delivery_status == DeliveryStatus.FAILED and message.attempts == 1
    assert message.last_error.startswith(messaging.UNCONFIRMED)
    assert len(_system_alerts()) == 1
    with time_machine.travel(now + dt.timedelta(hours=3)):
        assert messaging.messages_retry_due() == 0
    assert len(smtp.received) == 1
    # The office decides to send it again ("Try again"): it goes with the same Message-ID, so a
    # mail system that has the first copy can drop this one.
    smtp.mode = "ok"
    with django_capture_on_commit_callbacks(execute=True):
        messaging.message_retry_now(message=message)
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and message.attempts == 2
    assert smtp.message_ids() == [f"<{message.pk}@citysecurity.example>"] * 2


def test_a_send_slower_than_the_lost_window_that_went_is_recorded_sent(
    now, smtp, settings, django_capture_on_commit_callbacks
):
    """The sweep marked a slow send not confirmed while it was still with the server; when the
    server then takes it, the record says sent (what is true), not failed."""
    smtp.mode = "refuse"
    message = _book(now, django_capture_on_commit_callbacks)
    assert message.delivery_status == DeliveryStatus.RETRYING
    smtp.mode = "ok"
    _mailer(settings, smtp, "dispatch.tests.test_messages_smtp.SweptWhileSending")
    assert send_customer_message.call(str(message.pk)) == DeliveryStatus.SENT
    message.refresh_from_db()
    assert message.delivery_status == DeliveryStatus.SENT and message.sent_at is not None
    assert message.last_error == "" and len(smtp.received) == 1
