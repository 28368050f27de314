"""The `security` logger's line, and the client address it names (no model imports: LOGGING loads this).

security_event() writes one line per event: event, user, address, path, then details, as
key=value text; the JSONLines formatter writes the same fields as a JSON object.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import json
import logging

from django.conf import settings
from django.http import HttpRequest

logger = logging.getLogger("security")

# The request being answered, for events raised where no request is at hand (the admin's LogEntry).
current_request: contextvars.ContextVar[HttpRequest | None] = contextvars.ContextVar(
    "techflow_security_request", default=None
)


# The client and the log line


def client_address(request: HttpRequest | None) -> str:
    """The client's address: REMOTE_ADDR, or behind TECHFLOW_TRUSTED_PROXIES proxies the address
    the outermost trusted proxy saw (counted from the right of X-Forwarded-For)."""
    if request is None:
        return "-"
    proxies = settings.TECHFLOW_TRUSTED_PROXIES
    if proxies:
        hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies][:64]
    return request.META.get("REMOTE_ADDR", "") or "-"


def _field(value: object) -> str:
    text = str(value)
    if not text:
        return "-"
    if any(c.isspace() or c in "\"='\\" for c in text) or not text.isprintable():
        return json.dumps(text)
    return text


def security_event(event: str, request: HttpRequest | None = None, *, user: object = None, **details) -> None:
    """Write one line to the `security` logger: event, user, address, path, then any details."""
    request = request if request is not None else current_request.get()
    if user is None and request is not None:
        who = getattr(request, "user", None)
        user = who.get_username() if who is not None and who.is_authenticated else ""
    elif user is not None and hasattr(user, "get_username"):
        user = user.get_username()
    fields = {
        "event": event,
        "user": user or "",
        "address": client_address(request),
        "path": request.path if request is not None else "",
        **details,
    }
    level = logging.WARNING if event in WARNING_EVENTS else logging.INFO
    logger.log(level, " ".join(f"{k}={_field(v)}" for k, v in fields.items()), extra={"security": fields})


WARNING_EVENTS = {
    "2fa_failed",
    "login_failed",
    "lockout",
    "login_refused_locked",
    "permission_denied",
    "4xx_flood",
}


class OneLine(logging.Filter):
    """No traceback, no line break: a security record is one line (DisallowedHost included)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage().replace("\r", "\\r").replace("\n", "\\n")
        record.msg, record.args = message, ()
        record.exc_info = record.exc_text = record.stack_info = None
        return True


class NoTracebackBelowError(logging.Filter):
    """django.request's warnings (a 4xx: bad input refused, a 404) without a traceback; 5xx keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.ERROR:
            record.exc_info = record.exc_text = None
        return True


class JsonLines(logging.Formatter):
    """A JSON object per line, for log shippers (SECURITY_LOG_FORMAT=json)."""

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": dt.datetime.fromtimestamp(record.created, tz=dt.UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            **getattr(record, "security", {"message": record.getMessage()}),
        }
        return json.dumps(line, default=str)
