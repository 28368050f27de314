"""Messages to customers: booking confirmed, the reminder the day before, "on my way" with an ETA,
and job completed with the service report; by e-mail and text, in the office's wording.

Each message is a communication_messages row first (queued, with a key unique to what it says
about which job), then sent by a task (`dispatch.tasks.send_customer_message`). The row is the
record: a task that is retried, or runs twice, finds it sent and sends nothing; a provider's
refusal is kept and tried again later (`messages_retry_due`), until TECHFLOW_MESSAGE_ATTEMPTS.
"""

import logging
import smtplib
import string
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, mailers
from django.db import IntegrityError, transaction
from django.utils import timezone

from dispatch import clock, formatting
from dispatch.models import (
    Channel,
    CommunicationMessage,
    DeliveryStatus,
    Direction,
    MessageKind,
    MessageTemplate,
    Notification,
    Technician,
    Visit,
    WorkOrder,
    WorkOrderStatus,
)
from dispatch.scheduling import day_bounds
from dispatch.sms import SmsError, sms_backend

logger = logging.getLogger("techflow.messages")

# What a template may say: {placeholder} names, nothing else (no attributes, no indexes).
PLACEHOLDERS = {
    "customer": "the customer's name",
    "company": "your company's name (TECHFLOW_COMPANY_NAME)",
    "order": "the work order's number",
    "title": "the job's title",
    "date": "the job's day, e.g. Thu Dec 3",
    "time": "the job's time, e.g. 2:00 PM",
    "technician": "the technician's name",
    "eta": "the arrival estimate, e.g. 2:35 PM (on my way)",
    "report": "the service report (job completed)",
}
DEFAULTS = {
    MessageKind.BOOKING_CONFIRMED: (
        "Your booking with {company} is confirmed",
        'Hello {customer}, your visit "{title}" (#{order}) is booked for {date} at {time} with {technician}.',
    ),
    MessageKind.REMINDER: (
        "Reminder: {company} visits you tomorrow",
        'Hello {customer}, a reminder that {technician} from {company} comes {date} at {time} for "{title}".',
    ),
    MessageKind.ON_MY_WAY: (
        "{technician} is on the way",
        "Hello {customer}, {technician} from {company} is on the way and expects to arrive about {eta}.",
    ),
    MessageKind.JOB_COMPLETED: (
        "Job #{order} completed",
        'Hello {customer}, {technician} has completed "{title}" (#{order}).\n\nService report:\n{report}',
    ),
}
RETRY_AFTER = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2))
# A queued message whose task never ran (a worker that died, a lost enqueue) is sent by the sweep after this.
LOST_AFTER = timedelta(minutes=10)


def template_errors(text: str) -> list[str]:
    """What is wrong with a template's text: unknown or malformed placeholders."""
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError as error:
        return [f"The braces don't pair up ({error}); write {{{{ and }}}} for a literal brace."]
    unknown = sorted({field for field in fields if field not in PLACEHOLDERS})
    if unknown:
        return [
            f"Unknown placeholder {{{name}}}: use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}."
            for name in unknown
        ]
    return []


def wording(kind: str) -> tuple[str, str]:
    """The office's subject and body for a kind of message, or the built-in ones."""
    template = MessageTemplate.objects.filter(kind=kind).first()
    if template is not None:
        return template.subject, template.body
    return DEFAULTS[MessageKind(kind)]


@transaction.atomic
def message_template_save(*, kind: str, subject: str, body: str) -> MessageTemplate:
    """Save the office's wording of one kind of message; a wrong placeholder is refused with the reason."""
    errors = template_errors(subject) + template_errors(body)
    if errors:
        raise ValidationError(errors)
    template, _ = MessageTemplate.objects.update_or_create(
        kind=kind, defaults={"subject": subject, "body": body}
    )
    return template


def _lead(work_order: WorkOrder, visit: Visit | None) -> Technician | None:
    """Who comes: a later `visit`'s lead, else the order's technician."""
    return visit.lead if visit is not None else work_order.assigned_technician


def _values(work_order: WorkOrder, eta: datetime | None, visit: Visit | None = None) -> dict[str, str]:
    """The placeholders' values; about a later `visit`, its day, time and lead."""
    local = visit.starts_at if visit is not None else work_order.scheduled_for
    technician = _lead(work_order, visit)
    return {
        "customer": work_order.customer.name if work_order.customer else "",
        "company": settings.TECHFLOW_COMPANY_NAME,
        "order": str(work_order.pk),
        "title": work_order.title,
        "date": formatting.day_text(timezone.localdate(local)) if local else "",
        "time": formatting.clock_time(local) if local else "",
        "technician": technician.name if technician else "our technician",
        "eta": formatting.clock_time(eta) if eta else "",
        "report": work_order.full_summary or work_order.brief_description or "",
    }


def customer_messages_queue(
    *,
    kind: str,
    work_order: WorkOrder,
    occasion: str,
    eta: datetime | None = None,
    visit: Visit | None = None,
) -> list[CommunicationMessage]:
    """Queue one kind of message about a job (or one of its later visits) to its customer, by
    e-mail and text (where they have an address and haven't opted out); sent after the caller's
    transaction commits.

    `occasion` makes the key: the same kind, job and occasion (e.g. its booked time) is queued once.
    """
    customer = work_order.customer
    if customer is None or customer.messages_opt_out:
        return []
    subject_text, body_text = wording(kind)
    values = _values(work_order, eta, visit)
    subject, body = subject_text.format_map(values), body_text.format_map(values)
    queued = []
    for channel, recipient in ((Channel.EMAIL, customer.email), (Channel.SMS, customer.phone)):
        if not recipient:
            continue
        key = f"{kind}:{work_order.pk}:{occasion}:{channel}"
        if CommunicationMessage.objects.filter(idempotency_key=key).exists():
            continue
        try:
            with transaction.atomic():
                message = CommunicationMessage.objects.create(
                    channel_type=channel,
                    direction=Direction.OUTBOUND,
                    customer=customer,
                    technician=_lead(work_order, visit),
                    work_order=work_order,
                    kind=kind,
                    subject=subject[:255],
                    body=body,
                    recipient=recipient,
                    delivery_status=DeliveryStatus.QUEUED,
                    next_attempt_at=clock.now(),
                    idempotency_key=key,
                )
        except IntegrityError:
            continue  # queued at the same moment by another request
        queued.append(message)
        transaction.on_commit(lambda pk=str(message.pk): _enqueue(pk))
    return queued


def _enqueue(message_id: str) -> None:
    # Imported here: the tasks module imports this one.
    from dispatch.tasks import send_customer_message

    try:
        send_customer_message.enqueue(message_id)
    except Exception:  # a queue that is down must not fail the office's request; the sweep sends it
        logger.exception("could not enqueue customer message %s; messages_retry_due will send it", message_id)


class Unconfirmed(Exception):
    """The send broke off after the provider may have taken the message: it may have reached the
    customer, so it is never sent again without a person deciding to (README "Customer messages")."""


# What the office reads on Messages (shown cut to 120 characters) for an e-mail that may have gone.
UNCONFIRMED = (
    "Not confirmed: the mail server may have it, so it was not sent again. "
    "Try again sends it with the same Message-ID."
)


def email_message_id(message: CommunicationMessage) -> str:
    """The e-mail's Message-ID, one per message row (never per attempt): an attempt a person asks
    for after an unconfirmed one carries the same id, which mail systems use to drop a duplicate."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip(" >") or "techflow.invalid"
    return f"<{message.pk}@{domain}>"


def _email(message: CommunicationMessage) -> str:
    """Send one e-mail through Django's configured backend. Raised as a plain OSError (retried)
    when it certainly did not go: no connection, or the mail server answered with a refusal.
    Raised as Unconfirmed when the conversation broke off once the message was being handed over
    (a timeout, a hang-up): SMTP has no idempotency key to ask again with."""
    message_id = email_message_id(message)
    email = EmailMessage(
        subject=message.subject, body=message.body, to=[message.recipient], headers={"Message-ID": message_id}
    )
    connection = mailers.default  # MAILERS["default"] (settings: EMAIL_URL)
    connection.open()  # refused, unreachable, bad login: nothing was handed over
    try:
        connection.send_messages([email])
    except (smtplib.SMTPResponseException, smtplib.SMTPRecipientsRefused):
        raise  # the server answered no: it does not have the message
    except OSError as error:
        raise Unconfirmed(f"{type(error).__name__}: {error}") from error
    finally:
        try:
            connection.close()
        except OSError:
            logger.warning("closing the mail connection after message %s failed", message.pk)
    return message_id


def _deliver(message: CommunicationMessage) -> str:
    if message.channel_type == Channel.EMAIL:
        return _email(message)
    return sms_backend().send(to=message.recipient, body=message.body, key=str(message.pk))


def _unconfirmed(message: CommunicationMessage, why: str) -> None:
    """Record an e-mail that may have reached the customer: failed, not retried on its own, with
    an inbox alert so the office decides (check with the customer, or Try again)."""
    message.delivery_status = DeliveryStatus.FAILED
    message.next_attempt_at = None
    message.last_error = f"{UNCONFIRMED} ({why})"[:2000]
    message.save(update_fields=["delivery_status", "next_attempt_at", "last_error"])
    Notification.objects.create(
        notification_type=Notification.Type.SYSTEM,
        work_order=message.work_order,
        message=(
            f"The “{message.get_kind_display()}” e-mail to {message.recipient} may not have been "
            "sent: the worker stopped while the mail server had it. It was not sent again; check "
            "with the customer, or Try again on Messages."
        ),
    )


def customer_message_send(*, message_id: str) -> str:
    """Send one queued message, at most once, even when a worker dies mid-send.

    1. Claim it: under a row lock, a queued or retrying message is marked `sending` (until
       LOST_AFTER from now) and that is committed *before* the provider is called; a second task
       finds it sending and leaves it, a sent one is left alone.
    2. Call the provider outside any transaction, with the message's id as its idempotency key.
    3. Record the answer. A provider's refusal is recorded and retried later, never raised.

    A worker that dies between 1 and 3 leaves it `sending`; after LOST_AFTER the sweep
    (messages_retry_due) finds it. A text is sent again with the *same* key, and a provider that
    honours Idempotency-Key (the Twilio-compatible one) answers with the message it already took
    instead of sending it twice. SMTP has no such key, so an e-mail is never sent again blindly:
    the claim wrote its Message-ID on the row, and a lost e-mail send (or one whose conversation
    broke off mid-handover, `Unconfirmed`) is recorded failed as not confirmed, with an inbox
    alert; only a person's Try again sends it once more, with the same Message-ID
    (README "Customer messages").
    """
    now = clock.now()
    with transaction.atomic():
        message = CommunicationMessage.objects.select_for_update().filter(pk=message_id).first()
        if message is None:
            return "gone"
        status = message.delivery_status
        if status == DeliveryStatus.SENDING and message.next_attempt_at and message.next_attempt_at > now:
            return DeliveryStatus.SENDING  # another worker has it with the provider right now
        if status not in (DeliveryStatus.QUEUED, DeliveryStatus.RETRYING, DeliveryStatus.SENDING):
            return status or "not ours"
        if status == DeliveryStatus.SENDING and message.channel_type == Channel.EMAIL:
            # Its worker died with the mail server: it may have gone. Never resent blindly.
            _unconfirmed(message, f"no answer recorded for attempt {message.attempts}")
            return message.delivery_status
        message.attempts += 1
        message.delivery_status = DeliveryStatus.SENDING
        message.next_attempt_at = now + LOST_AFTER
        fields = ["attempts", "delivery_status", "next_attempt_at"]
        if message.channel_type == Channel.EMAIL:
            message.provider_id = email_message_id(message)  # what is in flight, on record first
            fields.append("provider_id")
        message.save(update_fields=fields)
    error = unconfirmed = None
    try:
        provider_id = _deliver(message)[:200]
    except Unconfirmed as exc:
        unconfirmed = exc
    except (SmsError, OSError) as exc:
        error = exc
    with transaction.atomic():
        message = CommunicationMessage.objects.select_for_update().get(pk=message_id)
        late = (
            message.delivery_status == DeliveryStatus.FAILED
            and message.last_error.startswith(UNCONFIRMED)
            and error is None
            and unconfirmed is None
        )
        if message.delivery_status != DeliveryStatus.SENDING and not late:
            return message.delivery_status  # recorded meanwhile by a send the sweep resumed
        # `late`: a send slower than LOST_AFTER, recorded as not confirmed meanwhile, did go: say so.
        now = clock.now()
        if unconfirmed is not None:
            _unconfirmed(message, str(unconfirmed))
            return message.delivery_status
        if error is not None:
            message.last_error = str(error)[:2000]
            if message.attempts >= settings.TECHFLOW_MESSAGE_ATTEMPTS:
                message.delivery_status = DeliveryStatus.FAILED
                message.next_attempt_at = None
            else:
                message.delivery_status = DeliveryStatus.RETRYING
                message.next_attempt_at = now + RETRY_AFTER[min(message.attempts, len(RETRY_AFTER)) - 1]
        else:
            message.provider_id = provider_id
            message.delivery_status = DeliveryStatus.SENT
            message.sent_at = now
            message.next_attempt_at = None
            message.last_error = ""
        message.save(
            update_fields=[
                "provider_id",
                "last_error",
                "delivery_status",
                "next_attempt_at",
                "sent_at",
            ]
        )
        return message.delivery_status


def messages_retry_due(*, limit: int = 500) -> int:
    """Enqueue the messages due another attempt, queued ones whose task never ran, and sends whose
    worker died with the provider (`sending` past LOST_AFTER: a text is sent again with the same
    key; an e-mail is recorded as not confirmed, never resent: see customer_message_send)."""
    now = clock.now()
    due = CommunicationMessage.objects.filter(
        delivery_status__in=[DeliveryStatus.QUEUED, DeliveryStatus.RETRYING, DeliveryStatus.SENDING],
        next_attempt_at__lte=now,
    ).exclude(delivery_status=DeliveryStatus.QUEUED, next_attempt_at__gt=now - LOST_AFTER)
    ids = [str(pk) for pk in due.order_by("next_attempt_at").values_list("pk", flat=True)[:limit]]
    for pk in ids:
        _enqueue(pk)
    return len(ids)


@transaction.atomic
def message_retry_now(*, message: CommunicationMessage) -> CommunicationMessage:
    """The office asks for a failed message to be tried again now."""
    locked = CommunicationMessage.objects.select_for_update().get(pk=message.pk)
    if locked.delivery_status not in (DeliveryStatus.FAILED, DeliveryStatus.RETRYING):
        raise ValidationError("Only a message that failed or waits for a retry can be retried.")
    locked.delivery_status = DeliveryStatus.RETRYING
    locked.next_attempt_at = clock.now()
    locked.attempts = min(locked.attempts, settings.TECHFLOW_MESSAGE_ATTEMPTS - 1)
    locked.save(update_fields=["delivery_status", "next_attempt_at", "attempts"])
    transaction.on_commit(lambda: _enqueue(str(locked.pk)))
    return locked


# What triggers them --------------------------------------------------------------------------


def booking_confirmed(work_order: WorkOrder) -> list[CommunicationMessage]:
    """A job booked with a technician and a time (again after a move): its confirmation."""
    if work_order.status != WorkOrderStatus.SCHEDULED or work_order.scheduled_for is None:
        return []
    if work_order.scheduled_for < clock.now():
        return []
    return customer_messages_queue(
        kind=MessageKind.BOOKING_CONFIRMED,
        work_order=work_order,
        occasion=work_order.scheduled_for.isoformat(),
    )


def visit_booked(visit: Visit) -> list[CommunicationMessage]:
    """A later visit booked (day two of an install, a return for a part): its confirmation."""
    if visit.starts_at < clock.now():
        return []
    return customer_messages_queue(
        kind=MessageKind.BOOKING_CONFIRMED,
        work_order=visit.work_order,
        occasion=f"visit-{visit.pk}-{visit.starts_at.isoformat()}",
        visit=visit,
    )


def on_my_way(work_order: WorkOrder, travel_started: datetime) -> list[CommunicationMessage]:
    eta = travel_started + timedelta(minutes=settings.TECHFLOW_ETA_MINUTES)
    return customer_messages_queue(
        kind=MessageKind.ON_MY_WAY, work_order=work_order, occasion=travel_started.isoformat(), eta=eta
    )


def job_completed(work_order: WorkOrder) -> list[CommunicationMessage]:
    return customer_messages_queue(kind=MessageKind.JOB_COMPLETED, work_order=work_order, occasion="done")


def reminders_queue() -> int:
    """Tomorrow's booked jobs get their reminder, once each, from TECHFLOW_REMINDER_HOUR on."""
    if timezone.localtime(clock.now()).hour < settings.TECHFLOW_REMINDER_HOUR:
        return 0
    tomorrow = clock.localdate() + timedelta(days=1)
    start, end = day_bounds(tomorrow)
    orders = (
        WorkOrder.objects.booked()
        .filter(status=WorkOrderStatus.SCHEDULED, scheduled_for__gte=start, scheduled_for__lt=end)
        # Those reminded already (an earlier run today) are left out before the per-message key check.
        .exclude(
            messages__kind=MessageKind.REMINDER, messages__created_at__gte=day_bounds(clock.localdate())[0]
        )
        .select_related("customer", "assigned_technician")
    )
    count = 0
    for order in orders.iterator(chunk_size=500):
        count += len(
            customer_messages_queue(
                kind=MessageKind.REMINDER, work_order=order, occasion=tomorrow.isoformat()
            )
        )
    # Tomorrow's later visits of open orders (the order itself may be in progress: day two).
    visits = Visit.objects.filter(
        starts_at__gte=start,
        starts_at__lt=end,
        work_order__status__in=[WorkOrderStatus.SCHEDULED, WorkOrderStatus.IN_PROGRESS],
    ).select_related("work_order__customer", "lead")
    for visit in visits.iterator(chunk_size=500):
        count += len(
            customer_messages_queue(
                kind=MessageKind.REMINDER,
                work_order=visit.work_order,
                occasion=f"{tomorrow.isoformat()}-visit-{visit.pk}",
                visit=visit,
            )
        )
    return count
