"""Calls, texts, e-mails, office messages to technicians, operational events and a voice session.

Office messages go through dispatch's manual_notification_send and are read through fieldops'
message_mark_read, as steps at their moment. Calls, messages, operational events and the
voice session come from outside systems (the phone system, the monitoring feed, the voice
agent's transcript) and are written as rows at their times, none after the moment of loading.
"""

import random
import uuid
from datetime import time, timedelta
from decimal import Decimal
from typing import Any

from dispatch.models import (
    CallOutcome,
    CallType,
    Channel,
    CommunicationCallDetail,
    CommunicationMessage,
    Direction,
    Priority,
)
from dispatch.services import manual_notification_send
from fieldops.models import (
    EventCategory,
    OperationalEvent,
    Severity,
    VoiceAgentInteraction,
    VoiceAgentSession,
)
from fieldops.services import message_mark_read
from techflow.demo.builder import Build, Visit, day_text
from techflow.demo.catalogue import (
    CUSTOMERS,
    LATE_ARRIVAL,
    SEED,
    TECHNICIANS,
    TRAFFIC_MESSAGE,
    TRAVEL_MINUTES,
)
from techflow.demo.field import is_completed_in_plan


def plan_messages(build: Build) -> None:
    """The office's messages to technicians: sent at their moment, some read since."""
    today_mike, next_sarah, yesterday_mike = (
        build.visit(0, 0, 0),
        build.visit(1, 1, 0),
        build.visit(-1, 0, 0),
    )
    morning = build.local(build.today, time(7, 15))
    yesterday = build.today - timedelta(days=1)
    rows = [
        (
            0,
            today_mike,
            Priority.URGENT,
            f"{CUSTOMERS[today_mike.customer].name} called: use the side entrance today, the main "
            "entrance is closed for a fire drill.",
            None,
            morning,
        ),
        (
            1,
            next_sarah,
            Priority.HIGH,
            f"Bring the 28 ft ladder to {CUSTOMERS[next_sarah.customer].name} on "
            f"{day_text(next_sarah.day)}: the camera mount is above the loading dock.",
            None,
            morning + timedelta(minutes=20),
        ),
        (
            0,
            yesterday_mike,
            Priority.NORMAL,
            f"The customer asked for a USB export of the footage from {day_text(yesterday)}. "
            "Drop it at the office.",
            None,
            build.local(yesterday, time(17, 15)),
        ),
        (
            2,
            None,
            Priority.NORMAL,
            "Truck 203 is booked for an oil change Friday at 7:00; take the office truck that morning.",
            timedelta(hours=1, minutes=5),
            build.local(build.today - timedelta(days=2), time(9, 40)),
        ),
        (
            3,
            None,
            Priority.NORMAL,
            "Last week's timesheets are approved. Thanks!",
            timedelta(hours=2),
            build.local(build.today - timedelta(days=3), time(8, 5)),
        ),
        (
            2,
            None,
            Priority.URGENT,
            "Storm warning this afternoon: no roof or ladder work above 12 ft until it passes.",
            timedelta(minutes=12),
            build.local(build.today - timedelta(days=4), time(11, 30)),
        ),
    ]
    for tech, visit, priority, message, read_after, at in rows:
        technician = build.technicians[tech]
        sent: dict[str, Any] = {}

        def send(technician=technician, visit=visit, priority=priority, message=message, sent=sent) -> None:
            sent["message"] = manual_notification_send(
                technician=technician,
                message=message,
                priority=priority,
                work_order=visit.order if visit else None,
            )

        build.add(at, send)
        if read_after is not None:
            build.add(
                at + read_after,
                lambda technician=technician, sent=sent: message_mark_read(
                    technician=technician, message=sent["message"]
                ),
                tech=tech,
            )


def add_records(build: Build) -> None:
    ids = random.Random(SEED + 1)
    _add_communications(build, ids)
    _add_operational_events(build, ids)
    _add_voice_session(build)


def _uuid(ids: random.Random) -> uuid.UUID:
    return uuid.UUID(int=ids.getrandbits(128), version=4)


def _next_visit(build: Build, customer: int) -> Visit | None:
    """The customer's next job from today on."""
    return next((v for v in build.visits if v.customer == customer and v.offset >= 0), None)


def _add_communications(build: Build, ids: random.Random) -> None:
    """Calls, texts and emails of the last two days, with the phone calls' details."""
    yesterday = build.today - timedelta(days=1)
    bank, gas, restaurant = _next_visit(build, 0), _next_visit(build, 5), _next_visit(build, 3)
    on_the_way = build.visit(0, 0, 0)
    late = build.visit(0, *LATE_ARRIVAL)
    rows: list[dict[str, Any]] = []
    if bank:
        rows.append(
            {
                "channel_type": Channel.PHONE,
                "direction": Direction.INBOUND,
                "customer": 0,
                "visit": bank,
                "subject": f"About “{bank.title}”",
                "body": "Branch manager asked that the technician check in with the guard at the side door.",
                "at": build.local(yesterday, time(10, 12)),
                "call": {
                    "call_type": CallType.INBOUND,
                    "duration_seconds": 245,
                    "wait_time_seconds": 12,
                    "call_outcome": CallOutcome.ANSWERED,
                    "queue_name": "support",
                    "ivr_path": ["main", "existing_customer", "support"],
                    "sentiment_score": Decimal("0.350"),
                    "transcription": "Hi, this is the branch manager at City Bank about your visit "
                    f"on {bank.day:%A}. Please have your technician check in with the guard at the side "
                    "door; the main doors stay locked until we open.",
                },
            }
        )
    rows.append(
        {
            "channel_type": Channel.PHONE,
            "direction": Direction.INBOUND,
            "customer": 3,
            "at": build.local(yesterday, time(15, 48)),
            "call": {
                "call_type": CallType.MISSED,
                "duration_seconds": 0,
                "wait_time_seconds": 41,
                "call_outcome": CallOutcome.NO_ANSWER,
                "queue_name": "support",
                "ivr_path": ["main", "existing_customer", "support"],
            },
        }
    )
    rows.append(
        {
            "channel_type": Channel.PHONE,
            "direction": Direction.OUTBOUND,
            "customer": 3,
            "visit": restaurant,
            "subject": "Returned missed call",
            "body": "Owner wanted to confirm the next visit and asked us to come before the lunch rush.",
            "at": build.local(yesterday, time(16, 5)),
            "call": {
                "call_type": CallType.OUTBOUND,
                "duration_seconds": 130,
                "wait_time_seconds": 0,
                "call_outcome": CallOutcome.ANSWERED,
                "queue_name": "support",
            },
        }
    )
    rows.append(
        {
            "channel_type": Channel.PHONE,
            "direction": Direction.INBOUND,
            "customer": 6,
            "subject": "Voicemail: ambulance bay camera",
            "at": build.local(yesterday, time(18, 5)),
            "read": False,
            "call": {
                "call_type": CallType.VOICEMAIL,
                "duration_seconds": 48,
                "wait_time_seconds": 25,
                "call_outcome": CallOutcome.VOICEMAIL_LEFT,
                "queue_name": "after_hours",
                "ivr_path": ["main", "after_hours"],
                "sentiment_score": Decimal("-0.200"),
                "transcription": "This is security at the Medical Center. The ambulance bay camera keeps "
                "dropping out at night. Please call us back in the morning.",
            },
        }
    )
    if gas:
        rows.append(
            {
                "channel_type": Channel.PHONE,
                "direction": Direction.OUTBOUND,
                "customer": 5,
                "visit": gas,
                "subject": "Appointment confirmation",
                "body": f"Confirmed {day_text(gas.day)} at {gas.at:%H:%M} with the station manager.",
                "at": build.local(yesterday, time(11, 30)),
                "call": {
                    "call_type": CallType.OUTBOUND,
                    "duration_seconds": 95,
                    "wait_time_seconds": 0,
                    "call_outcome": CallOutcome.ANSWERED,
                    "queue_name": "dispatch",
                },
            }
        )
    rows.append(
        {
            "channel_type": Channel.SMS,
            "direction": Direction.OUTBOUND,
            "customer": on_the_way.customer,
            "visit": on_the_way,
            "body": f"TechFlow: your technician {TECHNICIANS[on_the_way.tech].name.split()[0]} is on the "
            "way and will arrive in about 30 minutes.",
            "at": on_the_way.at - timedelta(minutes=TRAVEL_MINUTES) + timedelta(seconds=30),
        }
    )
    rows.append(
        {
            "channel_type": Channel.EMAIL,
            "direction": Direction.INBOUND,
            "customer": 2,
            "subject": "Quote request: cameras for the new gym wing",
            "body": "Hello, we open a new gym wing in the spring and would like a quote for cameras "
            "covering both entrances and the bleachers. Thanks, Operations.",
            "at": build.local(yesterday - timedelta(days=1), time(9, 20)),
            "read": False,
        }
    )
    rows.append(
        {
            "channel_type": Channel.IN_APP,
            "direction": Direction.INBOUND,
            "technician": 1,
            "visit": late,
            "body": TRAFFIC_MESSAGE,
            "at": late.at - timedelta(minutes=TRAVEL_MINUTES - 12),
        }
    )

    messages, details, threads = [], [], {}
    for row in sorted(rows, key=lambda row: row["at"]):
        at = row["at"]
        if at > build.now:
            continue  # nothing is recorded in the future
        customer, tech, visit = row.get("customer"), row.get("technician"), row.get("visit")
        thread = threads.setdefault((customer, tech), _uuid(ids))
        inbound = row["direction"] == Direction.INBOUND
        message = CommunicationMessage(
            id=_uuid(ids),
            channel_type=row["channel_type"],
            direction=row["direction"],
            customer=build.customers[customer] if customer is not None else None,
            technician=build.technicians[tech] if tech is not None else None,
            work_order=visit.order if visit else None,
            thread_id=thread,
            subject=row.get("subject", ""),
            body=row.get("body", ""),
            created_at=at,
            sent_at=at,
            read_at=at + timedelta(minutes=10)
            if inbound and row.get("read", True) and at + timedelta(minutes=10) <= build.now
            else None,
        )
        messages.append(message)
        if "call" in row:
            details.append(
                CommunicationCallDetail(id=_uuid(ids), communication_message=message, **row["call"])
            )
    CommunicationMessage.objects.bulk_create(messages)
    CommunicationCallDetail.objects.bulk_create(details)


def _add_operational_events(build: Build, ids: random.Random) -> None:
    office = build.users["office"]
    yesterday = build.today - timedelta(days=1)
    ring_at = build.local(yesterday, time(10, 12))
    alarm_at = build.local(yesterday, time(2, 14))
    OperationalEvent.objects.bulk_create(
        [
            OperationalEvent(
                id=_uuid(ids),
                created_at=ring_at,
                event_type="phone_ring",
                event_category=EventCategory.COMMUNICATION,
                severity=Severity.INFO,
                source_system="phone_system",
                title="Incoming call on the support line",
                description=f"Caller ID {CUSTOMERS[0].phone} ({CUSTOMERS[0].name}), answered after 12 s.",
                metadata={"queue": "support", "caller_id": CUSTOMERS[0].phone},
                resolved_at=ring_at + timedelta(seconds=12),
                resolved_by=office,
            ),
            OperationalEvent(
                id=_uuid(ids),
                created_at=alarm_at,
                event_type="alarm_triggered",
                event_category=EventCategory.SECURITY,
                severity=Severity.WARNING,
                source_system="alarm_panel",
                title=f"Tamper alarm: pump island camera at {CUSTOMERS[5].name}",
                description="The camera reported a tamper event. Video shows a delivery truck brushing "
                "the pole; no damage.",
                metadata={"camera": "cam-06", "customer": CUSTOMERS[5].name},
                resolved_at=alarm_at + timedelta(hours=6),
                resolved_by=office,
            ),
            OperationalEvent(
                id=_uuid(ids),
                created_at=build.now - timedelta(hours=2),
                event_type="system_alert",
                event_category=EventCategory.OPERATIONAL,
                severity=Severity.ERROR,
                source_system="vms_monitor",
                title=f"Camera offline at {CUSTOMERS[6].name}: ambulance bay",
                description="The monitoring feed has not heard from the ambulance bay camera for two hours.",
                metadata={"camera": "cam-07", "customer": CUSTOMERS[6].name},
            ),
        ]
    )


def _add_voice_session(build: Build) -> None:
    """Mike asked the voice agent to close yesterday's first job (if he completed it)."""
    visit = build.visit(-1, 0, 0)
    if not is_completed_in_plan(visit):
        return
    done = visit.at + timedelta(minutes=visit.minutes)
    session = VoiceAgentSession.objects.create(
        technician=build.technicians[0],
        work_order=visit.order,
        session_start=done - timedelta(minutes=2),
        session_end=done + timedelta(minutes=1),
        is_active=False,
    )
    lines = [
        (VoiceAgentInteraction.Type.TECHNICIAN_SPEECH, f"Close out work order {visit.order.pk}, all done."),
        (
            VoiceAgentInteraction.Type.AGENT_RESPONSE,
            f"Marking #{visit.order.pk} “{visit.title}” completed. Anything for the summary?",
        ),
        (VoiceAgentInteraction.Type.TECHNICIAN_SPEECH, visit.summary),
        (VoiceAgentInteraction.Type.ACTION, f"Job #{visit.order.pk}: status Completed"),
    ]
    VoiceAgentInteraction.objects.bulk_create(
        VoiceAgentInteraction(
            session=session,
            interaction_type=kind,
            content=text,
            created_at=session.session_start + timedelta(seconds=20 * step),
        )
        for step, (kind, text) in enumerate(lines)
    )
