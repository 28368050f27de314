"""The voice agent's page: the conversation, a text box that is always there, and the microphone.

A turn is a plain form post (the page works without JavaScript: post, redirect, read the
transcript); with htmx the conversation region is swapped in and agent.js speaks the reply.
A turn may carry the recogniser's other hypotheses (`alternative`, up to five), and, when the
phone queued it offline, the time it was said (`said_at`) and `replayed=1`.
"""

from datetime import timedelta

from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET, require_POST

from dispatch import clock
from dispatch.access import technician_required
from dispatch.views.common import wants_region
from fieldops.agent.dialogue import Turn, active_session, respond
from fieldops.forms import AgentForm, idempotency_key_from, location_from
from fieldops.selectors import State, technician_state, voice_transcripts
from fieldops.services import action_perform
from fieldops.views import _form_error

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
