"""Degraded, not broken: a database that is down or busy answers 503 with a retry hint, never a 500."""

import logging
from collections.abc import Callable

from django.db import OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader

logger = logging.getLogger(__name__)

# PostgreSQL's lock_not_available and query_canceled: the session's lock or statement timeout.
BUSY_CODES = {"55P03", "57014"}
RETRY_BUSY_SECONDS = 5
RETRY_DOWN_SECONDS = 30


def _is_busy(error: Exception) -> bool:
    cause = error.__cause__
    if getattr(cause, "pgcode", None) in BUSY_CODES:
        return True
    return "database is locked" in str(error)  # SQLite's busy timeout


def database_unavailable(request: HttpRequest, error: Exception) -> HttpResponse:
    """The short 503 page (or JSON for a phone replaying its queue); rendered without the database."""
    busy = _is_busy(error)
    state = "busy" if busy else "unreachable"
    logger.warning("database %s on %s %s: %s", state, request.method, request.path, error)
    retry = RETRY_BUSY_SECONDS if busy else RETRY_DOWN_SECONDS
    if busy:
        title = "TechFlow is busy"
        message = "Someone else is changing the same record. Nothing was saved; try again in a few seconds."
    else:
        title = "TechFlow can't reach its database"
        message = "Your phone keeps your actions and sends them when TechFlow is back."
    if request.headers.get("X-Replay") or "application/json" in request.headers.get("Accept", ""):
        response: HttpResponse = JsonResponse({"ok": False, "retry": True, "message": message}, status=503)
    else:
        # No request context: the context processors would ask the database for the user.
        html = loader.get_template("db_unavailable.html").render(
            {"title": title, "message": message, "retry": retry, "reload": request.method == "GET"}
        )
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(retry)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """Placed after AuthenticationMiddleware: the session's user is most requests' first query."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            # Loads the session and its user now (LoginRequiredMiddleware would, a step later),
            # so a database that is down answers here instead of as a 500 from a middleware.
            request.user.is_authenticated  # noqa: B018
        except OperationalError as error:
            return database_unavailable(request, error)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, OperationalError):
            return database_unavailable(request, exception)
        return None
