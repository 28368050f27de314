"""Sign-in security: the login throttle, session lifetimes, security headers and the `security` log.

One place for these rules (settings.py sets the figures, README explains them):

- Login throttle: TECHFLOW_LOGIN_FAILURES_PER_USER failed sign-ins for one username, or
  TECHFLOW_LOGIN_FAILURES_PER_ADDRESS from one client address, within TECHFLOW_LOGIN_FAILURE_WINDOW
  seconds lock that username / address out for TECHFLOW_LOGIN_LOCKOUT seconds, on /login/ and on
  /admin/login/ alike (both sign in through django.contrib.auth's authenticate()). A locked sign-in
  answers 429 with the time to try again, without checking the password. Admins unlock in the admin.
- Sessions: an idle timeout (technicians' phones longer than office browsers) and an absolute lifetime.
- Headers: Cache-Control: private, no-store on every response to a signed-in user; CORP on every
  response, static files included.
- The `security` logger: one line per event (login failed / succeeded, lockout, unlock, permission
  denied, 4xx flood, session expired, admin change) with user, address and path.
"""

from __future__ import annotations

import codecs
import datetime as dt
from collections.abc import Callable

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, RequestDataTooBig, TooManyFieldsSent
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from dispatch.parsing import BadInput
from techflow.models import LoginThrottle
from techflow.seclog import client_address, current_request, security_event

# The login throttle


def _is_admin(request: HttpRequest) -> bool:
    return request.path.startswith(reverse("admin:index"))


def _login_paths() -> set[str]:
    return {reverse("login"), reverse("admin:login")}


def _throttle_keys(username: str, address: str) -> list[tuple[str, str, int]]:
    keys = [(LoginThrottle.Kind.ADDRESS, address, settings.TECHFLOW_LOGIN_FAILURES_PER_ADDRESS)]
    if username:
        keys.insert(
            0,
            (
                LoginThrottle.Kind.USERNAME,
                username.casefold()[:255],
                settings.TECHFLOW_LOGIN_FAILURES_PER_USER,
            ),
        )
    return keys


def login_locked_until(*, username: str, address: str) -> dt.datetime | None:
    """When the lockout on this username or address ends, or None when neither is locked."""
    now = timezone.now()
    values = {kind: value for kind, value, _ in _throttle_keys(username, address)}
    rows = LoginThrottle.objects.filter(locked_until__gt=now).filter(
        kind__in=values, value__in=values.values()
    )
    ends = [row.locked_until for row in rows if values.get(row.kind) == row.value]
    return max(ends, default=None)


@transaction.atomic
def login_failure_record(
    *, username: str, address: str, request: HttpRequest | None = None
) -> dt.datetime | None:
    """Count a failed sign-in against the username and the address; answer the lockout it earned, if any."""
    now = timezone.now()
    window = dt.timedelta(seconds=settings.TECHFLOW_LOGIN_FAILURE_WINDOW)
    locked = None
    for kind, value, limit in _throttle_keys(username, address):
        row, _ = LoginThrottle.objects.select_for_update().get_or_create(
            kind=kind, value=value, defaults={"first_failure_at": now, "last_failure_at": now}
        )
        expired_lock = row.locked_until is not None and row.locked_until <= now
        if expired_lock or row.last_failure_at < now - window:
            row.failures, row.first_failure_at, row.locked_until = 0, now, None
        row.failures += 1
        row.last_failure_at = now
        if row.failures >= limit and row.locked_until is None:
            row.locked_until = now + dt.timedelta(seconds=settings.TECHFLOW_LOGIN_LOCKOUT)
            security_event(
                "lockout",
                request,
                user=username,
                locked=kind,
                failures=row.failures,
                until=row.locked_until.isoformat(timespec="seconds"),
            )
        row.save()
        if row.locked_until is not None:
            locked = max(locked or row.locked_until, row.locked_until)
    return locked


@transaction.atomic
def login_throttle_unlock(*, throttles, by: object = None) -> int:
    """Lift lockouts (the admin's Unlock): the counters start again from zero. Answers how many."""
    rows = list(throttles)
    for row in rows:
        security_event("unlock", user=by, locked=row.kind, value=row.value)
    LoginThrottle.objects.filter(pk__in=[row.pk for row in rows]).delete()
    return len(rows)


def _posted_username(request: HttpRequest) -> str:
    try:
        return str(request.POST.get("username", ""))
    except (UnicodeError, LookupError, ValueError):
        return ""


def lockout_response(request: HttpRequest, until: dt.datetime) -> HttpResponse:
    seconds = max(1, int((until - timezone.now()).total_seconds()) + 1)
    response = render(
        request,
        "registration/locked_out.html",
        {"until": until, "minutes": (seconds + 59) // 60},
        status=429,
    )
    response["Retry-After"] = str(seconds)
    return response


@receiver(user_login_failed)
def _on_login_failed(sender, credentials: dict, request: HttpRequest | None = None, **kwargs) -> None:
    username = str(credentials.get("username", ""))
    security_event("login_failed", request, user=username)
    if request is None:
        return
    until = login_failure_record(username=username, address=client_address(request), request=request)
    if until is not None:
        request.techflow_locked_until = until


@receiver(user_logged_in)
def _on_logged_in(sender, request: HttpRequest | None, user, **kwargs) -> None:
    LoginThrottle.objects.filter(
        kind=LoginThrottle.Kind.USERNAME, value=user.get_username().casefold()
    ).delete()
    if request is None:
        return
    from dispatch.access import is_office, technician_for

    now = int(timezone.now().timestamp())
    office = is_office(user) or technician_for(user) is None
    request.session[SESSION_AUTH_AT] = now
    request.session[SESSION_SEEN_AT] = now
    request.session[SESSION_IDLE] = (
        settings.TECHFLOW_SESSION_IDLE_OFFICE if office else settings.TECHFLOW_SESSION_IDLE_TECHNICIAN
    )
    security_event("login", request, user=user)


def admin_changes_log(request: HttpRequest, since: dt.datetime) -> None:
    """Log the admin's changes made by this request (LogEntry rows; a bulk delete writes them in bulk,
    without save signals, so they are read back here)."""
    entries = LogEntry.objects.filter(user_id=request.user.pk, action_time__gte=since).select_related(
        "content_type"
    )
    for entry in entries.order_by("pk"):
        action = {1: "add", 2: "change", 3: "delete"}.get(entry.action_flag, str(entry.action_flag))
        kind = entry.content_type
        security_event(
            "admin_change",
            request,
            action=action,
            object=f"{kind.app_label}.{kind.model}:{entry.object_id}" if kind else entry.object_id,
            change=entry.get_change_message() or "-",
        )


class LoginThrottleMiddleware:
    """Refuses a sign-in while its username or address is locked out; answers the failure that locks with 429.

    Sits after CsrfViewMiddleware, so only a well-formed sign-in post is counted or refused.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        until = getattr(request, "techflow_locked_until", None)
        if until is not None and request.method == "POST" and not request.user.is_authenticated:
            return lockout_response(request, until)
        return response

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        if request.method != "POST" or request.path not in _login_paths():
            return None
        username = _posted_username(request)
        until = login_locked_until(username=username, address=client_address(request))
        if until is None:
            return None
        security_event(
            "login_refused_locked", request, user=username, until=until.isoformat(timespec="seconds")
        )
        return lockout_response(request, until)


# Sessions

SESSION_AUTH_AT = "_techflow_auth_at"
SESSION_SEEN_AT = "_techflow_seen_at"
SESSION_IDLE = "_techflow_idle"
# The last-seen time is written back at most this often (a session write per request is waste).
SEEN_RESOLUTION = 60


class SessionLifetimeMiddleware:
    """Signs a user out after the idle timeout chosen at sign-in, or after the absolute lifetime.

    Sits after AuthenticationMiddleware and before LoginRequiredMiddleware, which then sends the
    signed-out request to the login page.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            self._check(request)
        return self.get_response(request)

    def _check(self, request: HttpRequest) -> None:
        session = request.session
        now = int(timezone.now().timestamp())
        auth_at = session.setdefault(SESSION_AUTH_AT, now)
        seen_at = session.get(SESSION_SEEN_AT, now)
        idle = session.get(SESSION_IDLE, settings.TECHFLOW_SESSION_IDLE_OFFICE)
        reason = ""
        if now - auth_at > settings.TECHFLOW_SESSION_LIFETIME:
            reason = "lifetime"
        elif now - seen_at > idle:
            reason = "idle"
        if reason:
            security_event("session_expired", request, reason=reason)
            logout(request)
            return
        if now - seen_at >= SEEN_RESOLUTION or SESSION_SEEN_AT not in session:
            session[SESSION_SEEN_AT] = now


# Input no view can use

# A form body in any other encoding is refused: browsers send UTF-8, and Python decodes UTF-16 or an
# unknown codec into an exception (or into text that was never sent) deep inside a view.
FORM_CHARSETS = {"utf-8", "ascii"}


class RequestInputMiddleware:
    """Refuses with a 400 and the reason (dispatch.parsing.BadInput, through handler400) what no view
    can use: a body in an encoding other than UTF-8, a form that can't be read, a NUL character in a
    query-string or form value (PostgreSQL can't store one, and no field has a use for it).

    Sits before CsrfViewMiddleware, the first to read a posted form.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        self._check(request)
        return self.get_response(request)

    @staticmethod
    def _check(request: HttpRequest) -> None:
        charset = request.content_params.get("charset") if request.content_params else None
        if charset is not None:
            try:
                name = codecs.lookup(charset).name
            except LookupError:
                name = ""
            if name not in FORM_CHARSETS:
                raise BadInput(
                    f"This request's text is in an encoding TechFlow doesn't read "
                    f"(charset={charset[:20]}): send it in UTF-8."
                )
        try:
            fields = [*request.GET.lists(), *(request.POST.lists() if request.method == "POST" else [])]
        except (
            UnicodeError,
            ValueError,
            MultiPartParserError,
            RequestDataTooBig,
            TooManyFieldsSent,
        ) as error:
            raise BadInput(
                f"The form could not be read ({error.__class__.__name__}): send it again."
            ) from None
        for name, values in fields:
            if "\x00" in name or any("\x00" in value for value in values):
                raise BadInput(
                    f"“{name[:40].replace(chr(0), '')}” contains a NUL character (\\0), which can't be "
                    "saved: remove it and send again."
                )


# Headers and the request-wide events


class SecurityHeadersMiddleware:
    """Outermost (before WhiteNoise), so static files get the headers too.

    - Cross-Origin-Resource-Policy: same-origin on every response.
    - Cache-Control: private, no-store on every response to a signed-in user.
    - Logs permission denials, and a 4xx flood from one address once per window.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = current_request.set(request)
        started = timezone.now()
        try:
            response = self.get_response(request)
        finally:
            current_request.reset(token)
        user = getattr(request, "user", None)
        if request.method == "POST" and user is not None and user.is_authenticated and _is_admin(request):
            admin_changes_log(request, started)
        response.headers.setdefault("Cross-Origin-Resource-Policy", "same-origin")
        if user is not None and user.is_authenticated and "no-store" not in response.get("Cache-Control", ""):
            # A view's own never_cache (no-store and more) stands; anything else becomes private, no-store.
            response["Cache-Control"] = "private, no-store"
        if 400 <= response.status_code < 500:
            self._count_4xx(request)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            security_event("permission_denied", request, reason=str(exception) or "-")

    @staticmethod
    def _count_4xx(request: HttpRequest) -> None:
        window = settings.TECHFLOW_4XX_FLOOD_WINDOW
        address = client_address(request)
        slot = int(timezone.now().timestamp()) // window
        key = f"techflow:4xx:{address}:{slot}"
        cache.add(key, 0, timeout=window * 2)
        try:
            count = cache.incr(key)
        except ValueError:  # evicted between add and incr
            return
        if count == settings.TECHFLOW_4XX_FLOOD_LIMIT:
            security_event("4xx_flood", request, count=count, window=window)
