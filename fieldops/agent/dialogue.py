"""The agent's conversation, from the request to the service: its page, one turn, the session,
the pending yes/no and what a yes runs, and the log of what was said and done.

A turn is a plain form post (the page works without JavaScript: post, redirect, read the
transcript); with htmx the conversation region is swapped in and agent.js speaks the reply.
A turn may carry the recogniser's other hypotheses (`alternative`, up to five), and, when the
phone queued it offline, the time it was said (`said_at`) and `replayed=1`.

A technician has one active session. It starts with their first words, ends when they say
goodbye, and lapses after 30 idle minutes (a pending action lapses with it). A high-impact
action waits on the session until the next turn: yes runs it (`execute`, here, through the
same `fieldops.services` function the button calls); every service the agent calls is run here,
by `perform`, from the call the intent's answer (`actions`) carries; no, cancel or a negation ("don't clock me
out") drops it; a hesitation or an unclear yes/no asks again; anything else drops it and is
answered as itself. A yes said offline and replayed confirms nothing.
A note the agent asked for is taken only from words that are not themselves a request, a
question, a hesitation or an injection.
"""

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from dispatch import clock
from dispatch.access import technician_required
from dispatch.models import Technician
from dispatch.views.common import wants_region
from fieldops import services
from fieldops.agent import actions, llm, scope
from fieldops.agent.actions import Context, Result, job_name, own_job, planned, truck_stock
from fieldops.agent.normalize import clean_characters
from fieldops.agent.parser import (
    HESITATION_REASON,
    HIGH_IMPACT,
    QUESTION_REASON,
    Parse,
    parse,
    parse_alternatives,
)
from fieldops.forms import AgentForm, idempotency_key_from, location_from
from fieldops.models import VoiceAgentInteraction, VoiceAgentSession
from fieldops.selectors import State, technician_state, voice_transcripts
from fieldops.services import NOWHERE, Location, action_perform
from fieldops.state import OfficeRefusal
from fieldops.views import _form_error

IDLE = timedelta(minutes=30)

Type = VoiceAgentInteraction.Type


@dataclass
class Turn:
    text: str
    parsed: Parse
    result: Result
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
    parsed: Parse, session: VoiceAgentSession, ctx: Context, text: str, *, replayed: bool
) -> Result | None:
    """The answer when an action is waiting on the session, or None to answer the words as themselves."""
    pending = session.pending
    if not pending:
        if parsed.intent == "confirm":
            return Result("There is nothing waiting for a yes.", ok=False)
        if parsed.intent in ("deny", "cancel"):
            return Result("Okay." if not parsed.negated else "Okay, I won't.")
        return None
    if parsed.intent in ("deny", "cancel"):
        return Result("Okay, cancelled. Nothing was changed.", data={"dropped": pending})
    if pending.get("awaiting") == "text":
        note = parsed.slots.get("text") if parsed.intent == pending["intent"] else None
        if note is None:
            if parsed.intent == "unknown" and parsed.reason in (HESITATION_REASON, QUESTION_REASON, ""):
                # Keep waiting: a hesitation or a question is not the note, and not a reason to give up.
                return Result(NOT_A_NOTE.format(ask=_asked(pending)), ok=False, pending=pending)
            return None  # another request (or a refusal): answered as itself, the waiting note dropped
        filled = {k: v for k, v in pending.items() if k != "awaiting"} | {"text": note}
        if filled["intent"] == "job_complete":
            job = own_job(ctx, filled["job"])
            if job is None:
                return Result("That job is not one of yours today any more.", ok=False)
            return actions.confirm_completion(job, filled)
        return actions.plan(filled["intent"], {"text": filled["text"]}, ctx)
    if parsed.intent == "confirm":
        if replayed:
            # A yes said offline confirms nothing: the question is asked again, live.
            return Result(
                "You said yes while offline; I'm asking again now. "
                + pending.get("question", "Say yes to confirm."),
                pending=pending,
            )
        return execute(pending, ctx)
    if parsed.intent == "clarify" or (parsed.intent == "unknown" and parsed.reason == HESITATION_REASON):
        return Result(
            "Please say yes to go ahead, or no to cancel. " + pending.get("question", ""), pending=pending
        )
    return None


def perform(result: Result, ctx: Context) -> Result:
    """Run the service call an answer carries (the one place the agent acts); a refusal comes back
    as the service worded it.

    A refusal the office should hear of (`OfficeRefusal`: a truck another technician drives) reaches
    its inbox as the phone's does, through `services.refusal_notify`, in the turn's transaction: a
    resent turn (same turn key) is answered from `action_perform`'s record and never alerts twice."""
    if result.perform is None:
        return result
    action, job = result.perform.action, result.work_order
    try:
        result.perform.call()
    except ValidationError as error:
        reason = " ".join(error.messages)
        if isinstance(error, OfficeRefusal):
            services.refusal_notify(
                technician=ctx.technician,
                action=action,
                reason=reason,
                work_order_id=job.pk if job is not None else None,
            )
        return Result(reason, ok=False, work_order=job, data={"refused": action})
    return replace(result, action=action, perform=None)


def execute(pending: dict, ctx: Context) -> Result:
    """A confirmed action's service call (run by `perform`), everything looked up again among the
    technician's own things."""
    intent = pending.get("intent")
    if intent == "clock_out":
        return planned(
            "clock_out",
            lambda: services.clock_out(technician=ctx.technician, location=ctx.location),
            "Clocked out. Have a good evening.",
        )
    job = own_job(ctx, pending.get("job"))
    if job is None:
        return Result("That job is not one of yours today any more, so I did nothing.", ok=False)
    if intent == "job_complete":
        return planned(
            "job_complete",
            lambda: services.job_complete(
                technician=ctx.technician, work_order=job, note=pending.get("text", ""), location=ctx.location
            ),
            f"Completed {job_name(job)}. Say “left site” when you go.",
            job,
        )
    if intent == "use_part":
        row = next(
            (
                r
                for r in truck_stock(ctx)
                if r.item_id == pending.get("item") and r.truck_id == ctx.state.truck_id
            ),
            None,
        )
        if row is None:
            return Result(
                "That part is not on your truck any more, so I did nothing.", ok=False, work_order=job
            )
        quantity = int(pending.get("quantity") or 0)
        return planned(
            "job_part_use",
            lambda: services.job_part_use(
                technician=ctx.technician, work_order=job, item=row.item, quantity=quantity
            ),
            f"Used {quantity} × {row.item.name} on job {job.pk}. "
            f"{row.quantity - quantity} left on the truck.",
            job,
        )
    return Result("There is nothing waiting for a yes.", ok=False)


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
            result = Result("Goodbye. Stay safe out there.")
        if parsed.intent in HIGH_IMPACT and (result.perform or result.action):
            # A high-impact action never runs on the turn it is asked for; this is a bug, not bad input.
            raise RuntimeError(f"{parsed.intent} would run without a yes")
        result = perform(result, ctx)
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
    result: Result,
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


# The page and its turns

# One-tap suggestions for what usually comes next, by the technician's state.
SUGGESTIONS = {
    State.OFF: ["Clock in", "List my jobs", "Help"],
    State.ON_SHIFT: ["What's my next job", "Start travel", "Take a break", "Clock out"],
    State.TRAVELING: ["I've arrived", "Navigate", "Call the customer"],
    State.ON_SITE: ["Start work", "Job details", "Left site"],
    State.WORKING: ["Pause", "Add a note", "Complete the job"],
    State.PAUSED: ["Resume", "Take a break", "Complete the job"],
    State.ON_BREAK: ["End break", "Read my messages"],
}
TRANSCRIPT_LINES = 40
MAX_ALTERNATIVES = 5
QUEUED_FOR = timedelta(hours=24)  # a turn said offline longer ago than this is not replayed


class BadTurn(ValueError):
    pass


def _extras(data: QueryDict) -> dict:
    """The recogniser's alternatives and, for a turn replayed from the offline queue, when it was said."""
    alternatives = [a.strip()[:1000] for a in data.getlist("alternative") if a.strip()][:MAX_ALTERNATIVES]
    extras: dict = {"alternatives": alternatives, "replayed": data.get("replayed") == "1"}
    if raw := data.get("said_at", "").strip():
        said_at = parse_datetime(raw)
        if said_at is None:
            raise BadTurn("The time the words were said is not a date and time.")
        if timezone.is_naive(said_at):
            said_at = timezone.make_aware(said_at)
        now = clock.now()
        if said_at > now + timedelta(minutes=5) or said_at < now - QUEUED_FOR:
            raise BadTurn(
                "Those words were queued too long ago (or in the future) to act on: say them again."
            )
        extras["said_at"] = said_at
    return extras


def _page(
    request: HttpRequest, *, error: str = "", status: int = 200, turn: Turn | None = None
) -> HttpResponse:
    technician = request.technician
    session = active_session(technician)
    lines = voice_transcripts(session=session, limit=TRANSCRIPT_LINES) if session else []
    state = technician_state(technician)
    last = lines[-1] if lines else None
    pending = (session.pending or {}) if session else {}
    reply = error or (turn.reply if turn else (last.text if last and last.speaker == "agent" else ""))
    context = {
        "lines": lines,
        "state": state,
        "suggestions": SUGGESTIONS[State(state.state)],
        "error": error,
        # Yes/No only when an action waits for a yes: never after a question or while a note is asked for.
        "waiting": bool(pending) and not pending.get("awaiting"),
        "reply": reply,
        "reply_error": bool(error)
        or (turn is not None and not turn.result.ok)
        or (
            turn is None
            and last is not None
            and last.speaker == "agent"
            and (last.result or {}).get("ok") is False
        ),
        "ended": bool(turn and turn.parsed.intent == "goodbye"),
        "speak": reply if request.method == "POST" else "",
    }
    if not wants_region(request):
        return render(request, "fieldops/agent.html", context, status=status)
    # The conversation, and the suggestions in the dock at the bottom (out of band).
    html = render_to_string("fieldops/agent.html#conversation", context, request) + render_to_string(
        "fieldops/agent.html#suggestions", {**context, "oob": True}, request
    )
    return HttpResponse(html, status=status)


@require_GET
@technician_required
def agent_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
@technician_required
def agent_say(request: HttpRequest) -> HttpResponse:
    """One turn: what the technician said, answered and logged; bad input gets a reply and a 400."""
    form = AgentForm(request.POST)
    if not form.is_valid():
        # The htmx convention (static/js/htmx-config.js) swaps a 400's region in like a success.
        return _page(request, error=_form_error(form), status=400)
    technician = request.technician
    try:
        extras = _extras(request.POST)
    except BadTurn as error:
        return _page(request, error=str(error), status=200 if wants_region(request) else 400)
    said: list[Turn] = []

    def turn() -> None:
        said.append(
            respond(
                technician=technician,
                text=form.cleaned_data["text"],
                location=location_from(request.POST),
                **extras,
            )
        )

    key = idempotency_key_from(request.POST, "turn_key")
    if key is None:
        turn()
    else:
        # A double tap or a resent post is one turn: the note is added, the part used, once.
        action_perform(
            technician=technician,
            key=key,
            action="agent_say",
            perform=turn,
            success_message="",
            redirect_to=reverse("fieldops:agent_page"),
        )
    if wants_region(request):
        return _page(request, turn=said[0] if said else None)
    return redirect(reverse("fieldops:agent_page") + "#latest")
