"""Sign-in security through real requests: the login throttle (429 and when to try again, unlock in
the admin), session lifetimes, the security headers, and the one-line `security` log."""

import datetime as dt
import io
import json
import logging
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from conftest import PASSWORD
from dispatch.tests.test_constraints import violates
from techflow.models import LoginThrottle
from techflow.seclog import JsonLines

pytestmark = pytest.mark.django_db

WRONG = "not-the-password"
USER_LIMIT = 5
LOCKOUT = dt.timedelta(minutes=15)


@pytest.fixture(autouse=True)
def _figures(settings):
    # The shipped defaults, pinned so a deployment's environment cannot change what is tested.
    settings.TECHFLOW_LOGIN_FAILURES_PER_USER = USER_LIMIT
    settings.TECHFLOW_LOGIN_FAILURES_PER_ADDRESS = 20
    settings.TECHFLOW_LOGIN_FAILURE_WINDOW = 15 * 60
    settings.TECHFLOW_LOGIN_LOCKOUT = int(LOCKOUT.total_seconds())
    settings.TECHFLOW_SESSION_IDLE_TECHNICIAN = 12 * 3600
    settings.TECHFLOW_SESSION_IDLE_OFFICE = 3600
    settings.TECHFLOW_SESSION_LIFETIME = 14 * 3600
    cache.clear()


@pytest.fixture
def security_log(caplog):
    """The `security` logger's records (it does not propagate to the root logger caplog listens on)."""
    log = logging.getLogger("security")
    log.addHandler(caplog.handler)
    caplog.set_level(logging.INFO, logger="security")
    yield caplog
    log.removeHandler(caplog.handler)


def _lines(caplog, event: str) -> list[str]:
    return [
        r.getMessage() for r in caplog.records if r.name == "security" and f"event={event} " in r.getMessage()
    ]


def _sign_in(client: Client, username: str, password: str, path: str = "/login/", address: str = "10.0.0.7"):
    return client.post(path, {"username": username, "password": password}, REMOTE_ADDR=address)


def _travel(to: dt.datetime):
    return time_machine.travel(to, tick=False)


# The login throttle


def test_the_fifth_wrong_password_locks_the_username_for_15_minutes_with_a_429(client, office_user, now):
    for attempt in range(1, USER_LIMIT):
        response = _sign_in(client, "officer", WRONG)
        assert response.status_code == 200, attempt
        assert "password didn't match" in response.content.decode()
    locked = _sign_in(client, "officer", WRONG)
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) == pytest.approx(LOCKOUT.total_seconds(), abs=2)
    until = timezone.localtime(now + LOCKOUT)
    assert f"Try again at {until:%-I:%M} " in locked.content.decode()
    # While locked, even the right password is refused without being checked.
    assert _sign_in(client, "officer", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session
    with _travel(now + LOCKOUT - dt.timedelta(seconds=5)):
        assert _sign_in(client, "officer", PASSWORD).status_code == 429
    with _travel(now + LOCKOUT + dt.timedelta(seconds=5)):
        response = _sign_in(client, "officer", PASSWORD)
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == office_user.pk


def test_the_admin_login_is_throttled_too(client, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    statuses = [_sign_in(client, "root", WRONG, path="/admin/login/").status_code for _ in range(USER_LIMIT)]
    assert statuses == [200] * (USER_LIMIT - 1) + [429]
    assert _sign_in(client, "root", PASSWORD, path="/admin/login/").status_code == 429
    # The lockout is per username, whichever door was used.
    assert _sign_in(client, "root", PASSWORD, path="/login/").status_code == 429


def test_the_username_lock_holds_from_any_address_and_ignores_case(client, office_user):
    for _ in range(USER_LIMIT):
        _sign_in(client, "officer", WRONG, address="10.0.0.1")
    assert _sign_in(client, "OFFICER", PASSWORD, address="10.9.9.9").status_code == 429


def test_an_address_is_locked_after_20_failures_across_usernames(client, office_user):
    statuses = [_sign_in(client, f"guess{i}", WRONG, address="10.0.0.66").status_code for i in range(20)]
    assert statuses == [200] * 19 + [429]
    assert _sign_in(client, "officer", PASSWORD, address="10.0.0.66").status_code == 429
    # Another address is not affected.
    assert _sign_in(client, "officer", PASSWORD, address="10.0.0.67").status_code == 302


def test_failures_older_than_the_window_and_a_success_start_the_count_again(client, office_user, now):
    for _ in range(USER_LIMIT - 1):
        _sign_in(client, "officer", WRONG)
    with _travel(now + dt.timedelta(minutes=16)):
        for _ in range(USER_LIMIT - 1):
            assert _sign_in(client, "officer", WRONG).status_code == 200
        assert _sign_in(client, "officer", PASSWORD).status_code == 302
        client.logout()
        for _ in range(USER_LIMIT - 1):
            assert _sign_in(client, "officer", WRONG).status_code == 200
    assert LoginThrottle.objects.get(kind="username").failures == USER_LIMIT - 1


def test_an_admin_unlocks_a_locked_user_and_the_unlock_is_logged(
    client, office_user, admin_client, security_log
):
    for _ in range(USER_LIMIT):
        _sign_in(client, "officer", WRONG)
    throttle = LoginThrottle.objects.get(kind="username", value="officer")
    listing = admin_client.get("/admin/techflow/loginthrottle/", {"locked": "yes"})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [throttle]
    response = admin_client.post(
        "/admin/techflow/loginthrottle/", {"action": "unlock", "_selected_action": [throttle.pk]}
    )
    assert response.status_code == 302
    assert not LoginThrottle.objects.filter(kind="username").exists()
    assert _sign_in(client, "officer", PASSWORD).status_code == 302
    [line] = _lines(security_log, "unlock")
    assert "user=admin " in line and "value=officer" in line


def test_the_throttle_admin_offers_no_edit(admin_client, client, office_user):
    _sign_in(client, "officer", WRONG)
    throttle = LoginThrottle.objects.get(kind="username")
    assert admin_client.get("/admin/techflow/loginthrottle/add/").status_code == 403
    response = admin_client.post(
        f"/admin/techflow/loginthrottle/{throttle.pk}/change/", {"failures": 0, "kind": "username"}
    )
    assert response.status_code == 403
    throttle.refresh_from_db()
    assert throttle.failures == 1


# The security log


def test_sign_ins_and_the_lockout_are_logged_on_one_line_each(client, office_user, security_log):
    _sign_in(client, "officer", PASSWORD)
    client.logout()
    for _ in range(USER_LIMIT):
        _sign_in(client, "officer", WRONG)
    _sign_in(client, "officer", PASSWORD)
    [ok] = _lines(security_log, "login")
    assert ok.startswith("event=login user=officer address=10.0.0.7 path=/login/")
    failed = _lines(security_log, "login_failed")
    assert len(failed) == USER_LIMIT
    assert all("user=officer address=10.0.0.7 path=/login/" in line for line in failed)
    lockouts = _lines(security_log, "lockout")
    assert len(lockouts) == 1 and "locked=username" in lockouts[0] and "failures=5" in lockouts[0]
    assert len(_lines(security_log, "login_refused_locked")) == 1


def test_a_hostile_username_stays_on_one_line(client, security_log):
    _sign_in(client, "evil\nevent=login user=root", WRONG)
    [line] = _lines(security_log, "login_failed")
    assert "\n" not in line
    assert 'user="evil\\nevent=login user=root"' in line


def test_a_permission_denial_is_logged_with_user_address_and_path(tech_client, security_log):
    assert tech_client.get("/office/", REMOTE_ADDR="10.1.2.3").status_code == 403
    [line] = _lines(security_log, "permission_denied")
    assert line.startswith("event=permission_denied user=tech address=10.1.2.3 path=/office/ ")
    assert "This page is for office staff." in line


def test_a_4xx_flood_from_one_address_is_logged_once_per_window(client, settings, security_log, now):
    settings.TECHFLOW_4XX_FLOOD_LIMIT = 5
    settings.TECHFLOW_4XX_FLOOD_WINDOW = 60
    start = now.replace(second=0, microsecond=0) + dt.timedelta(minutes=1)
    with _travel(start):
        for _ in range(12):
            assert client.get("/login/nope", REMOTE_ADDR="10.4.4.4").status_code == 404
        for _ in range(4):
            client.get("/login/nope", REMOTE_ADDR="10.4.4.5")
    assert len(_lines(security_log, "4xx_flood")) == 1
    with _travel(start + dt.timedelta(minutes=1)):
        for _ in range(5):
            client.get("/login/nope", REMOTE_ADDR="10.4.4.4")
    lines = _lines(security_log, "4xx_flood")
    assert len(lines) == 2
    assert all("address=10.4.4.4 " in line and "count=5" in line for line in lines)


def test_an_admin_change_is_logged(admin_client, security_log):
    response = admin_client.post("/admin/auth/group/add/", {"name": "Dispatchers"}, REMOTE_ADDR="10.5.5.5")
    assert response.status_code == 302
    group = Group.objects.get(name="Dispatchers")
    [line] = _lines(security_log, "admin_change")
    assert line.startswith(
        "event=admin_change user=admin address=10.5.5.5 path=/admin/auth/group/add/ "
        f"action=add object=auth.group:{group.pk} "
    )


def test_a_bulk_delete_in_the_admin_logs_each_object(admin_client, security_log):
    groups = [Group.objects.create(name=name) for name in ("Old A", "Old B")]
    response = admin_client.post(
        "/admin/auth/group/",
        {"action": "delete_selected", "_selected_action": [g.pk for g in groups], "post": "yes"},
    )
    assert response.status_code == 302
    assert not Group.objects.filter(name__startswith="Old").exists()
    lines = _lines(security_log, "admin_change")
    assert sorted(line.split(" object=")[1].split(" ")[0] for line in lines) == sorted(
        f"auth.group:{g.pk}" for g in groups
    )
    assert all("action=delete" in line and "user=admin" in line for line in lines)


def test_a_bad_host_is_logged_on_one_line_without_a_traceback(client):
    handler = next(h for h in logging.getLogger("django.security").handlers if h.get_name() == "security")
    stream, old = io.StringIO(), handler.stream
    handler.stream = stream
    try:
        response = client.get("/login/", HTTP_HOST="evil.example")
    finally:
        handler.stream = old
    assert response.status_code == 400
    lines = stream.getvalue().splitlines()
    assert len(lines) == 1, lines
    assert "django.security.DisallowedHost" in lines[0] and "evil.example" in lines[0]
    assert "Traceback" not in stream.getvalue()


# Sessions


def _signed_in(client: Client) -> bool:
    return client.get("/", REMOTE_ADDR="10.0.0.7").status_code != 302 or "_auth_user_id" in client.session


def _home_status(client: Client, path: str) -> int:
    return client.get(path, REMOTE_ADDR="10.0.0.7").status_code


def test_a_technicians_phone_stays_signed_in_for_12_idle_hours(client, technician, now):
    assert _sign_in(client, "tech", PASSWORD).status_code == 302
    with _travel(now + dt.timedelta(hours=11, minutes=59)):
        assert _home_status(client, "/tech/") == 200
    with _travel(now + dt.timedelta(hours=11, minutes=59) + dt.timedelta(hours=12, seconds=61)):
        response = client.get("/tech/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert "_auth_user_id" not in client.session


def test_an_office_browser_is_signed_out_after_an_idle_hour(client, office_user, now, security_log):
    assert _sign_in(client, "officer", PASSWORD).status_code == 302
    with _travel(now + dt.timedelta(minutes=59)):
        assert _home_status(client, "/office/") == 200
    with _travel(now + dt.timedelta(minutes=59 + 61)):
        response = client.get("/office/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    [line] = _lines(security_log, "session_expired")
    assert "user=officer" in line and "reason=idle" in line


def test_a_busy_session_still_ends_after_14_hours(client, technician, now):
    assert _sign_in(client, "tech", PASSWORD).status_code == 302
    for hour in range(1, 15):
        with _travel(now + dt.timedelta(hours=hour)):
            assert _home_status(client, "/tech/") == 200, hour
    with _travel(now + dt.timedelta(hours=14, minutes=1)):
        response = client.get("/tech/")
    assert response.status_code == 302


def test_the_session_cookie_lives_no_longer_than_the_session(client, office_user):
    response = _sign_in(client, "officer", PASSWORD)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 14 * 3600
    assert cookie["httponly"] is True


# Headers


def test_signed_in_pages_are_not_stored_anywhere(office_client, tech_client):
    assert office_client.get("/office/")["Cache-Control"] == "private, no-store"


def test_a_technician_page_is_not_stored_and_the_login_page_has_corp_and_coop(tech_client):
    assert tech_client.get("/tech/")["Cache-Control"] == "private, no-store"
    tech_client.logout()
    login = tech_client.get("/login/")
    assert login["Cross-Origin-Resource-Policy"] == "same-origin"
    assert login["Cross-Origin-Opener-Policy"] == "same-origin"


def test_static_files_carry_corp_and_no_wildcard_cors(client):
    response = client.get("/static/js/tech.js")
    assert response.status_code == 200
    assert response["Cross-Origin-Resource-Policy"] == "same-origin"
    assert "Access-Control-Allow-Origin" not in response


def test_production_cookies_use_the_host_prefix(tmp_path):
    code = "from django.conf import settings; print(settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)"
    base = Path(settings.BASE_DIR)
    environ = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "techflow.settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite3'}",
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "techflow.example.com",
    }
    names = {}
    for debug in ("false", "true"):
        result = subprocess.run(
            [sys.executable, str(base / "manage.py"), "shell", "-c", code],
            cwd=base,
            env={**environ, "DEBUG": debug},
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        names[debug] = result.stdout.split()[-2:]
    assert names["false"] == ["__Host-sessionid", "__Host-csrftoken"]
    # Development over plain http cannot use __Host- cookies (they need Secure).
    assert names["true"] == ["sessionid", "csrftoken"]


def test_one_counter_per_username_and_per_address(now):
    LoginThrottle.objects.create(kind="username", value="olivia", first_failure_at=now, last_failure_at=now)
    LoginThrottle.objects.create(kind="address", value="olivia", first_failure_at=now, last_failure_at=now)
    with violates("login_throttle_kind_value_unique"):
        LoginThrottle.objects.create(
            kind="username", value="olivia", first_failure_at=now, last_failure_at=now
        )


def test_the_json_format_writes_one_object_per_event(client, office_user, security_log):
    _sign_in(client, "officer", WRONG, address="10.8.8.8")
    [record] = [r for r in security_log.records if r.name == "security"]
    line = JsonLines().format(record)
    assert "\n" not in line
    fields = json.loads(line)
    assert fields["event"] == "login_failed" and fields["level"] == "WARNING"
    assert (fields["user"], fields["address"], fields["path"]) == ("officer", "10.8.8.8", "/login/")
