"""Cross-app views: the front door, the health check and the admins' System page."""

import logging
import sys

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied
from django.db import DatabaseError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import redirect, render
from django.template import loader
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import requires_csrf_token
from django.views.decorators.http import require_GET, require_POST

from dispatch.access import home_url_for
from dispatch.parsing import BadInput
from techflow import system as system_info
from techflow.middleware import database_unavailable
from techflow.storage_check import stored_files_overview
from techflow.tasks import backup_task

logger = logging.getLogger(__name__)


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """Send each signed-in user to their own surface."""
    target = home_url_for(request.user)
    if target:
        return redirect(target)
    # A login with no role yet: say so instead of bouncing between pages.
    return render(request, "no_role.html", status=403)


@login_not_required
@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 after a database round trip, 503 when the database cannot be reached."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        logger.exception("health check: database unreachable")
        return JsonResponse({"status": "error", "database": "unreachable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


@never_cache
@require_GET
def system(request: HttpRequest) -> HttpResponse:
    """Admins only: the database's size, health, running queries, locks, backups and key table."""
    if not (request.user.is_active and request.user.is_superuser):
        raise PermissionDenied("The System page is for administrators.")
    postgres = connection.vendor == "postgresql"
    context = {
        **admin.site.each_context(request),
        "title": "System",
        "postgres": postgres,
        "database": system_info.database_overview(),
        "threshold": settings.TECHFLOW_LONG_QUERY_SECONDS,
        "runs": system_info.recent_runs(),
        "keys": system_info.processed_actions_overview(),
        "files": stored_files_overview(),
    }
    if postgres:
        long_queries = system_info.long_running_queries()
        system_info.long_queries_record(long_queries)
        context |= {
            "tables": system_info.largest_tables(),
            "long_queries": long_queries,
            "blocked": system_info.blocked_sessions(),
        }
    return render(request, "techflow/system.html", context)


@require_POST
def system_backup(request: HttpRequest) -> HttpResponse:
    """Admins only: back up (and verify) now, on the background worker; the System page lists the run."""
    if not (request.user.is_active and request.user.is_superuser):
        raise PermissionDenied("The System page is for administrators.")
    backup_task.enqueue(verify=True)
    messages.success(
        request,
        "Backup queued: the background worker backs up and verifies the database; the run appears "
        "under Backups when it is done (reload this page).",
    )
    return redirect("system")


@requires_csrf_token
def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    """handler400: our own refusals of bad input (dispatch.parsing.BadInput) say what was wrong;
    anything else Django refuses (a bad Host, a malformed upload) says only that it was refused.
    An htmx request gets the message alone, to swap in where the answer was expected."""
    message = str(exception) if isinstance(exception, BadInput) else ""
    template = "400.html#message" if getattr(request, "htmx", False) else "400.html"
    return render(request, template, {"message": message}, status=400)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a database error raised outside a view (a middleware saving the session) is a 503 too."""
    error = sys.exc_info()[1]
    if isinstance(error, OperationalError):
        return database_unavailable(request, error)
    return HttpResponseServerError(loader.get_template("500.html").render())
