"""One turn of conversation: the session, the pending yes/no, the log of what was said and done.

A technician has one active session. It starts with their first words, ends when they say
goodbye, and lapses after 30 idle minutes (a pending action lapses with it). A high-impact
action waits on the session until the next turn: yes runs it; no, cancel or a negation
("don't clock me out") drops it; a hesitation or an unclear yes/no asks again; anything else
drops it and is answered as itself. A yes said offline and replayed confirms nothing.
A note the agent asked for is taken only from words that are not themselves a request, a
question, a hesitation or an injection.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction

from dispatch import clock
from dispatch.models import Technician
from fieldops.agent import actions, llm, scope
from fieldops.agent.normalize import clean_characters
from fieldops.agent.parser import (
    HESITATION_REASON,
    HIGH_IMPACT,
    QUESTION_REASON,
    Parse,
    parse,
    parse_alternatives,
)
from fieldops.models import VoiceAgentInteraction, VoiceAgentSession
from fieldops.services import NOWHERE, Location

IDLE = timedelta(minutes=30)

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


NOT_A_NOTE = "I didn't take that as the note. {ask} Say it in a sentence, or say cancel."


def _asked(pending: dict) -> str:
    if pending.get("intent") == "job_complete":
        return f"What did you do on job {pending.get('job')}?"
    if pending.get("intent") == "alert_office":
        return "What should I tell the office?"
    return "What should the note say?"


def _note_words(parsed: Parse, text: str, pending: dict) -> str | None:
    """The words as the note a waiting action asked for, or None when they are not a note: another
    intent, a question, a hesitation, an injection or someone else's work."""
    if parsed.intent == pending["intent"] and parsed.slots.get("text"):
        return parsed.slots["text"]
    if parsed.intent != "unknown" or parsed.reason:
        return None
    return clean_characters(text).strip().rstrip(".").strip() or None


def _with_pending(
    parsed: Parse, session: VoiceAgentSession, ctx: actions.Context, text: str, *, replayed: bool
) -> actions.Result | None:
    """The answer when an action is waiting on the session, or None to answer the words as themselves."""
    pending = session.pending
    if not pending:
        if parsed.intent == "confirm":
            return actions.Result("There is nothing waiting for a yes.", ok=False)
        if parsed.intent in ("deny", "cancel"):
            return actions.Result("Okay." if not parsed.negated else "Okay, I won't.")
        return None
    if parsed.intent in ("deny", "cancel"):
        return actions.Result("Okay, cancelled. Nothing was changed.", data={"dropped": pending})
    if pending.get("awaiting") == "text":
        note = parsed.slots.get("text") if parsed.intent == pending["intent"] else None
        if note is None:
            if parsed.intent == "unknown" and parsed.reason in (HESITATION_REASON, QUESTION_REASON, ""):
                # Keep waiting: a hesitation or a question is not the note, and not a reason to give up.
                return actions.Result(NOT_A_NOTE.format(ask=_asked(pending)), ok=False, pending=pending)
            return None  # another request (or a refusal): answered as itself, the waiting note dropped
        filled = {k: v for k, v in pending.items() if k != "awaiting"} | {"text": note}
        if filled["intent"] == "job_complete":
            job = next((j for j in ctx.jobs if j.pk == filled["job"]), None)
            if job is None:
                return actions.Result("That job is not one of yours today any more.", ok=False)
            return actions.confirm_completion(job, filled)
        return actions.plan(filled["intent"], {"text": filled["text"]}, ctx)
    if parsed.intent == "confirm":
        if replayed:
            # A yes said offline confirms nothing: the question is asked again, live.
            return actions.Result(
                "You said yes while offline; I'm asking again now. "
                + pending.get("question", "Say yes to confirm."),
                pending=pending,
            )
        return actions.execute(pending, ctx)
    if parsed.intent == "clarify" or (parsed.intent == "unknown" and parsed.reason == HESITATION_REASON):
        return actions.Result(
            "Please say yes to go ahead, or no to cancel. " + pending.get("question", ""), pending=pending
        )
    return None


def understand(text: str, alternatives, vocab) -> Parse:
    """The rules' reading (of the recogniser's best fitting alternative); a language model, when one is
    configured, only for what the rules call unknown without a reason."""
    alternatives = [a for a in (alternatives or []) if a and a.strip()]
    parsed = parse_alternatives([text, *alternatives], vocab) if alternatives else parse(text, vocab)
    if parsed.intent == "unknown" and not parsed.reason and llm.enabled():
        parsed = llm.understand(text, parsed.normalized) or parsed
    return parsed


def respond(
    *,
    technician: Technician,
    text: str,
    location: Location = NOWHERE,
    now: datetime | None = None,
    alternatives: list[str] | None = None,
    said_at: datetime | None = None,
    replayed: bool = False,
) -> Turn:
    """Understand the technician's words, act within their own scope, log the turn, and answer."""
    now = now or clock.now()
    text = (text or "").strip()
    with transaction.atomic():
        session = _session_for_turn(technician, now)
        ctx = actions.context_for(technician, location)
        parsed = understand(text, alternatives, scope.vocabulary_for(ctx))
        waiting = session.pending or {}
        if waiting.get("awaiting") == "text" and (note := _note_words(parsed, text, waiting)):
            # The words are the text the waiting action asked for: log them as that intent.
            parsed = Parse(waiting["intent"], {"text": note}, parsed.normalized)
        result = _with_pending(parsed, session, ctx, text, replayed=replayed)
        if result is None and parsed.intent != "goodbye":
            result = scope.refusal(parsed, ctx)
            if result is None:
                slots = parsed.slots
                if parsed.intent in ("emergency_stop", "report_delay"):
                    slots = {**slots, "said": text}
                result = actions.plan(parsed.intent, slots, ctx)
        if parsed.intent == "goodbye" and result is None:
            result = actions.Result("Goodbye. Stay safe out there.")
        if parsed.intent in HIGH_IMPACT and result.action:
            # A high-impact action never runs on the turn it is asked for; this is a bug, not bad input.
            raise RuntimeError(f"{parsed.intent} ran without a yes")
        if result.pending and not result.pending.get("awaiting"):
            result.pending = {**result.pending, "question": result.reply}
        _log(session, text, parsed, result, now, said_at=said_at, replayed=replayed)
        session.pending = result.pending
        session.last_activity_at = now
        if result.work_order is not None:
            session.work_order = result.work_order
        if parsed.intent == "goodbye":
            session.is_active, session.session_end, session.pending = False, now, None
        session.save(update_fields=["pending", "last_activity_at", "work_order", "is_active", "session_end"])
    return Turn(text, parsed, result, session)


def _log(
    session: VoiceAgentSession,
    text: str,
    parsed: Parse,
    result: actions.Result,
    now: datetime,
    *,
    said_at: datetime | None = None,
    replayed: bool = False,
) -> None:
    said = {"text": text, "intent": parsed.intent, "slots": parsed.slots}
    if said_at is not None:
        said["said_at"] = said_at.isoformat()
    if replayed:
        said["replayed"] = True
    if parsed.negated:
        said["negated"] = parsed.negated
    if parsed.options:
        said["options"] = list(parsed.options)
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
