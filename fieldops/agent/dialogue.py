"""One turn of conversation: the session, the pending yes/no, the log of what was said and done.

A technician has one active session. It starts with their first words, ends when they say
goodbye, and lapses after 30 idle minutes (a pending action lapses with it). A high-impact
action waits on the session until the next turn: yes runs it, no or cancel drops it, and
anything else drops it and is answered as itself.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from dispatch import clock
from dispatch.models import Technician
from fieldops.agent import actions
from fieldops.agent.parser import HIGH_IMPACT, Parse, parse
from fieldops.models import VoiceAgentInteraction, VoiceAgentSession
from fieldops.services import NOWHERE, Location

IDLE = timedelta(minutes=30)
MAX_TEXT = 1000

Type = VoiceAgentInteraction.Type


@dataclass
class Turn:
    text: str
    parsed: Parse
    result: actions.Result
    session: VoiceAgentSession | None

    @property
    def reply(self) -> str:
        return self.result.reply


def _end(session: VoiceAgentSession, at: datetime) -> None:
    session.is_active = False
    session.session_end = max(at, session.session_start)
    session.pending = None
    session.save(update_fields=["is_active", "session_end", "pending"])


def active_session(technician: Technician, *, now: datetime | None = None) -> VoiceAgentSession | None:
    """The technician's session if it is still live (no write: a lapsed one is ended on the next turn)."""
    now = now or clock.now()
    session = VoiceAgentSession.objects.filter(technician=technician, is_active=True).first()
    if session and (session.last_activity_at or session.session_start) < now - IDLE:
        return None
    return session


def _session_for_turn(technician: Technician, now: datetime) -> VoiceAgentSession:
    """The active session, locked for this turn; a lapsed one is ended and a new one started."""
    session = (
        VoiceAgentSession.objects.select_for_update().filter(technician=technician, is_active=True).first()
    )
    if session and (session.last_activity_at or session.session_start) < now - IDLE:
        _end(session, session.last_activity_at or session.session_start)
        session = None
    if session is None:
        try:
            # The database allows one active session per technician; a second phone racing us loses.
            with transaction.atomic():
                session = VoiceAgentSession.objects.create(
                    technician=technician, session_start=now, last_activity_at=now
                )
        except IntegrityError:
            session = VoiceAgentSession.objects.select_for_update().get(technician=technician, is_active=True)
    return session


def _fills_pending(parsed: Parse, session: VoiceAgentSession) -> bool:
    """Whether the words answer the question a waiting action asked ("What did you do?")."""
    pending = session.pending or {}
    return pending.get("awaiting") == "text" and parsed.intent not in ("confirm", "deny", "cancel", "goodbye")


def _with_pending(
    parsed: Parse, session: VoiceAgentSession, ctx: actions.Context, text: str
) -> actions.Result | None:
    """The answer when an action is waiting on the session, or None to answer the words as themselves."""
    pending = session.pending
    if not pending:
        if parsed.intent == "confirm":
            return actions.Result("There is nothing waiting for a yes.", ok=False)
        if parsed.intent in ("deny", "cancel"):
            return actions.Result("Okay.")
        return None
    if parsed.intent in ("deny", "cancel"):
        return actions.Result("Okay, cancelled. Nothing was changed.", data={"dropped": pending})
    if pending.get("awaiting") == "text" and parsed.intent == pending["intent"]:
        filled = {k: v for k, v in pending.items() if k != "awaiting"} | {"text": parsed.slots["text"]}
        if filled["intent"] == "job_complete":
            job = next((j for j in ctx.jobs if j.pk == filled["job"]), None)
            if job is None:
                return actions.Result("That job is not one of yours today any more.", ok=False)
            return actions.confirm_completion(job, filled)
        return actions.plan(filled["intent"], {"text": filled["text"]}, ctx)
    if parsed.intent == "confirm" and not pending.get("awaiting"):
        return actions.execute(pending, ctx)
    return None


def respond(
    *, technician: Technician, text: str, location: Location = NOWHERE, now: datetime | None = None
) -> Turn:
    """Understand the technician's words, act within their own scope, log the turn, and answer."""
    now = now or clock.now()
    text = (text or "").strip()
    with transaction.atomic():
        session = _session_for_turn(technician, now)
        parsed = parse(text)
        ctx = actions.context_for(technician, location)
        if _fills_pending(parsed, session):
            # The words are the text the waiting action asked for: log them as that intent.
            said = parsed.slots.get("text") if parsed.intent == session.pending["intent"] else None
            parsed = Parse(session.pending["intent"], {"text": said or text}, parsed.normalized)
        result = _with_pending(parsed, session, ctx, text)
        if result is None:
            result = actions.plan(parsed.intent, parsed.slots, ctx) if parsed.intent != "goodbye" else None
        if parsed.intent == "goodbye" and result is None:
            result = actions.Result("Goodbye. Stay safe out there.")
        if parsed.intent in HIGH_IMPACT and result.action:
            # A high-impact action never runs on the turn it is asked for; this is a bug, not bad input.
            raise RuntimeError(f"{parsed.intent} ran without a yes")
        _log(session, text, parsed, result, now)
        session.pending = result.pending
        session.last_activity_at = now
        if result.work_order is not None:
            session.work_order = result.work_order
        if parsed.intent == "goodbye":
            session.is_active, session.session_end, session.pending = False, now, None
        session.save(update_fields=["pending", "last_activity_at", "work_order", "is_active", "session_end"])
    return Turn(text, parsed, result, session)


def _log(session: VoiceAgentSession, text: str, parsed: Parse, result: actions.Result, now: datetime) -> None:
    said = {"text": text, "intent": parsed.intent, "slots": parsed.slots}
    answered = {"reply": result.reply, "result": result.as_dict()}
    kind = Type.ACTION if result.action else (Type.AGENT_RESPONSE if result.ok else Type.ERROR)
    job = result.work_order
    VoiceAgentInteraction.objects.bulk_create(
        [
            VoiceAgentInteraction(
                session=session,
                interaction_type=Type.TECHNICIAN_SPEECH,
                content=json.dumps(said, ensure_ascii=False),
                work_order=job,
                created_at=now,
            ),
            VoiceAgentInteraction(
                session=session,
                interaction_type=kind,
                content=json.dumps(answered, ensure_ascii=False, default=str),
                work_order=job,
                created_at=now,
            ),
        ]
    )
