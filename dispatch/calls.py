"""Phone calls: logged by the office or posted by the phone system, analysed, called back.

The office's phone system is outside TechFlow; a call here is its record (communication_messages
with communication_call_details, as the seed has them).
"""

from datetime import datetime, timedelta

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from dispatch import call_analysis, clock, formatting
from dispatch.models import (
    CallOutcome,
    CallType,
    Channel,
    CommunicationCallDetail,
    CommunicationMessage,
    Customer,
    Direction,
    Notification,
    Technician,
    WorkOrder,
)

DEFAULT_OUTCOME = {
    CallType.INBOUND: CallOutcome.ANSWERED,
    CallType.OUTBOUND: CallOutcome.ANSWERED,
    CallType.MISSED: CallOutcome.NO_ANSWER,
    CallType.VOICEMAIL: CallOutcome.VOICEMAIL_LEFT,
}


def _analyse(detail: CommunicationCallDetail, message: CommunicationMessage) -> None:
    """Score and summarise a transcription into the seed's columns; a negative call raises a follow-up."""
    if not (detail.transcription or "").strip():
        return
    detail.sentiment_score = call_analysis.sentiment_score(detail.transcription)
    if not message.body:
        message.body = call_analysis.summarise(detail.transcription)
    if detail.sentiment == "negative":
        who = message.customer.name if message.customer else "an unknown caller"
        Notification.objects.create(
            work_order=message.work_order,
            notification_type=Notification.Type.CALL_FOLLOW_UP,
            message=f"Follow up: a {detail.get_call_type_display().lower()} call with {who} sounded "
            f"negative ({detail.sentiment_score:+.2f}). {message.body}".strip(),
        )


@transaction.atomic
def call_record(
    *,
    call_type: str,
    customer: Customer | None = None,
    work_order: WorkOrder | None = None,
    technician: Technician | None = None,
    started_at: datetime | None = None,
    duration_seconds: int | None = None,
    wait_time_seconds: int | None = None,
    outcome: str | None = None,
    notes: str = "",
    transcription: str = "",
    recording_url: str = "",
    queue_name: str = "",
    ivr_path: list | dict | None = None,
    logged_by: AbstractBaseUser | None = None,
    idempotency_key: str | None = None,
) -> tuple[CommunicationMessage, bool]:
    """Record one call with its details (and its analysis, when it has a transcription).

    With an `idempotency_key` already recorded, the call recorded then is returned and nothing is
    written (False); a new call returns True.
    """
    if call_type not in CallType.values:
        raise ValidationError(f"{call_type!r} is not a call type: use one of {', '.join(CallType.values)}.")
    if outcome is not None and outcome not in CallOutcome.values:
        raise ValidationError(
            f"{outcome!r} is not a call outcome: use one of {', '.join(CallOutcome.values)}."
        )
    now = clock.now()
    started_at = started_at or now
    if started_at > now + timedelta(minutes=5):
        raise ValidationError("A call cannot start in the future.")
    for name, value in (("duration", duration_seconds), ("wait time", wait_time_seconds)):
        if value is not None and value < 0:
            raise ValidationError(f"The call's {name} cannot be negative.")
    if work_order is not None:
        if customer is None:
            customer = work_order.customer
        elif work_order.customer_id != customer.pk:
            raise ValidationError(f"Work order #{work_order.pk} is not {customer.name}'s.")
    if idempotency_key:
        existing = CommunicationMessage.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    message = CommunicationMessage(
        channel_type=Channel.PHONE,
        direction=Direction.OUTBOUND if call_type == CallType.OUTBOUND else Direction.INBOUND,
        customer=customer,
        technician=technician,
        work_order=work_order,
        subject=f"{CallType(call_type).label} call",
        body=(notes or "").strip(),
        created_at=started_at,
        sent_at=started_at,
        logged_by=logged_by,
        idempotency_key=idempotency_key or None,
    )
    detail = CommunicationCallDetail(
        communication_message=message,
        call_type=call_type,
        duration_seconds=duration_seconds,
        wait_time_seconds=wait_time_seconds,
        call_outcome=outcome or DEFAULT_OUTCOME[CallType(call_type)],
        transcription=(transcription or "").strip() or None,
        recording_url=recording_url or None,
        queue_name=queue_name or None,
        ivr_path=ivr_path,
    )
    _analyse(detail, message)
    try:
        with transaction.atomic():
            message.save()
            detail.save()
    except IntegrityError:
        # The same key posted twice at once: the other request recorded it.
        if idempotency_key:
            return CommunicationMessage.objects.get(idempotency_key=idempotency_key), False
        raise
    return message, True


@transaction.atomic
def call_mark_called_back(
    *, call: CommunicationMessage, user: AbstractBaseUser, notes: str = ""
) -> CommunicationMessage:
    """Close a missed call or voicemail in the queue: the callback is logged as an outbound call."""
    detail = CommunicationCallDetail.objects.select_for_update().get(communication_message=call)
    if detail.call_type not in (CallType.MISSED, CallType.VOICEMAIL):
        raise ValidationError("Only a missed call or a voicemail waits for a callback.")
    if detail.called_back_at is not None:
        raise ValidationError(
            f"This call was already called back ({formatting.when(detail.called_back_at)})."
        )
    now = clock.now()
    waited = formatting.duration(now - call.created_at)
    callback, _ = call_record(
        call_type=CallType.OUTBOUND,
        customer=call.customer,
        work_order=call.work_order,
        technician=call.technician,
        notes=(notes or "").strip() or f"Called back after {waited}.",
        logged_by=user,
    )
    detail.called_back_at = now
    detail.called_back_by = user
    detail.save(update_fields=["called_back_at", "called_back_by"])
    return callback
