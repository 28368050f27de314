"""An optional language model for the utterances the rules call "unknown", and nothing else.

Off unless `TECHFLOW_AGENT_LLM_URL` names an OpenAI-compatible chat endpoint (a local llama.cpp
or Ollama server); the app fetches nothing else. The model is asked for one JSON object
{"intent", "slots"} and its answer is checked against the schema: an intent outside the list,
a slot that isn't the intent's, a value of the wrong type, a timeout or any error, and the
rules' "unknown" stands. The model never decides on scope, negation or confirmation: it is not
asked when the rules found a hesitation, a question of scope or an injection; it cannot say
yes, no or cancel; a high-impact intent it names still waits for the technician's yes, and the
same scope checks run on what it returns.
"""

import json
import logging
import urllib.error
import urllib.request

from django.conf import settings

from fieldops.agent.parser import Parse

log = logging.getLogger(__name__)

# What the model may answer, with the slots each intent takes and their types.
SCHEMA: dict[str, dict[str, type | tuple]] = {
    "clock_in": {"truck": int}, "clock_out": {}, "break_start": {}, "break_end": {}, "next_job": {},
    "list_jobs": {}, "job_details": {"job": (int, str)}, "navigate": {"job": (int, str)},
    "call_customer": {"job": (int, str)}, "travel_start": {"job": (int, str)}, "arrived": {},
    "work_start": {}, "work_pause": {}, "work_resume": {}, "job_complete": {"text": str},
    "leave_site": {}, "add_note": {"text": str}, "alert_office": {"text": str},
    "use_part": {"item": str, "quantity": int}, "check_stock": {"item": str}, "read_messages": {},
    "help": {}, "fuel_stop": {}, "vehicle_inspection": {}, "emergency_stop": {},
    "report_delay": {"minutes": int}, "latest_message": {}, "due_at": {"job": (int, str)}, "status": {},
    "unknown": {},
}  # fmt: skip

PROMPT = (
    "You read what a field technician said to a phone app and answer with one JSON object only: "
    '{"intent": <one of the intents>, "slots": {...}}. Intents and their slots: '
    + "; ".join(f"{name}({', '.join(slots) or '-'})" for name, slots in SCHEMA.items())
    + '. A job slot is a job number or a customer name, or "next". Anything about another person, '
    'every job, or anything else: {"intent": "unknown", "slots": {}}.'
)


def enabled() -> bool:
    return bool(getattr(settings, "TECHFLOW_AGENT_LLM_URL", ""))


def _checked(answer: object, normalized: str) -> Parse | None:
    if not isinstance(answer, dict) or answer.get("intent") not in SCHEMA:
        return None
    intent = answer["intent"]
    slots = answer.get("slots") or {}
    if not isinstance(slots, dict):
        return None
    allowed = SCHEMA[intent]
    clean = {}
    for key, value in slots.items():
        if key not in allowed or value is None or isinstance(value, bool):
            return None
        if not isinstance(value, allowed[key]):
            return None
        if isinstance(value, str):
            value = value.strip()[:200]
            if not value:
                continue
        clean[key] = value
    if intent == "unknown":
        return None
    return Parse(intent, clean, normalized, reason="llm")


def understand(text: str, normalized: str = "") -> Parse | None:
    """The model's reading of the words, checked against the schema; None on any doubt or failure."""
    if not enabled():
        return None
    url = settings.TECHFLOW_AGENT_LLM_URL.rstrip("/") + "/chat/completions"
    body = {
        "model": settings.TECHFLOW_AGENT_LLM_MODEL,
        "temperature": 0,
        "max_tokens": 120,
        "response_format": {"type": "json_object"},
        "messages": [{"role": "system", "content": PROMPT}, {"role": "user", "content": text[:1000]}],
    }
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.TECHFLOW_AGENT_LLM_TIMEOUT) as response:
            reply = json.loads(response.read(65536).decode("utf-8"))
        content = reply["choices"][0]["message"]["content"]
        return _checked(json.loads(content), normalized)
    except (OSError, urllib.error.URLError, ValueError, KeyError, IndexError, TypeError) as error:
        log.warning("agent language model not used: %s", error)
        return None
