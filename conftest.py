"""Shared fixtures: the pinned clock, users for each role, and Playwright on Debian's Chromium."""

import datetime as dt
import os
import shutil
import sys
import time
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
PASSWORD = "test-password-1"

# No test reads the wall clock: every test runs at this instant (a Thursday, mid-morning in New York)
# unless TECHFLOW_TEST_NOW names another one, e.g. TECHFLOW_TEST_NOW=2026-12-05T21:00 make test.
DEFAULT_TEST_NOW = "2026-12-03T10:30"


def pinned_now() -> dt.datetime:
    """The instant the suite runs at: TECHFLOW_TEST_NOW (ISO; naive means local time) or the default."""
    raw = os.environ.get("TECHFLOW_TEST_NOW") or DEFAULT_TEST_NOW
    try:
        value = dt.datetime.fromisoformat(raw)
    except ValueError as error:
        raise pytest.UsageError(f"TECHFLOW_TEST_NOW={raw!r} is not an ISO date-time: {error}") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(settings.TIME_ZONE))
    return value


def pytest_report_header(config):
    return f"clock pinned at {pinned_now().isoformat()} (TECHFLOW_TEST_NOW)"


def pytest_terminal_summary(terminalreporter):
    fuzz = sys.modules.get("techflow.tests.test_fuzz")
    if fuzz is not None and fuzz.TALLY["cells"]:
        terminalreporter.write_line(fuzz.summary())


def pytest_collection_modifyitems(config, items):
    for item in items:
        # Every test of the demo's own test module(s) loads the demo.
        if item.path.name.startswith("test_demo"):
            item.add_marker(pytest.mark.demo)
    if connection.vendor == "postgresql":
        return
    skip_pg = pytest.mark.skip(reason="needs PostgreSQL: set DATABASE_URL=postgres://... to run it")
    skip_browser = pytest.mark.skip(reason="browser tests run on PostgreSQL only (see .ci/run)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip_pg)
        elif "browser" in item.keywords:
            item.add_marker(skip_browser)


@pytest.fixture(autouse=True)
def _pinned_clock():
    """Every test starts at the pinned instant; time still runs on from it (tick), so durations
    measured inside a test stay real. time_machine patches the process, so a live_server thread
    sees the same clock. A test that needs a particular hour travels there itself."""
    with time_machine.travel(pinned_now(), tick=True):
        yield


@pytest.fixture
def now(_pinned_clock) -> dt.datetime:
    """The pinned instant (aware), for tests that build data around it."""
    return pinned_now()


@pytest.fixture
def office_user(django_user_model):
    user = django_user_model.objects.create_user("officer", password=PASSWORD, first_name="Olivia")
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    return user


@pytest.fixture
def office_client(client, office_user):
    client.force_login(office_user)
    return client


@pytest.fixture
def technician(django_user_model):
    from dispatch.tests.factories import TechnicianFactory

    user = django_user_model.objects.create_user("tech", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    return TechnicianFactory(user=user, name="Terry Tech")


@pytest.fixture
def tech_client(client, technician):
    client.force_login(technician.user)
    return client


# Playwright: Debian's Chromium, since Playwright's own browser download is not available.
@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            # The office's emergency sound (static/js/incident-sound.js) plays without a click first.
            "--autoplay-policy=no-user-gesture-required",
        ],
    }


@pytest.fixture(scope="session", autouse=True)
def _expectations_wait_for_a_loaded_machine():
    """CI runs two workers, each with its live server and Chromium, on two cores: an answer that takes
    a few hundred ms alone can take seconds there. expect() waits up to 15 s (Playwright's default
    is 5 s), as an action already waits up to 30 s; a passing check returns as soon as it holds."""
    from playwright.sync_api import expect

    expect.set_options(timeout=15_000)


@pytest.fixture(scope="session", autouse=True)
def _allow_sync_orm_beside_playwright():
    # Playwright's sync API runs an event loop in the test thread; the ORM calls
    # the tests make around it are still plain synchronous calls.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    """Uploaded files (photos, signatures) of a test go to its own folder, never the repository's."""
    settings.MEDIA_ROOT = str(tmp_path / "media")


# A test on the live server ends by emptying every table (TRUNCATE, which waits for every lock on
# them). The browser of that test must be quiet by then: its contexts live in the session's browser,
# and one left open kept polling (every 5-10 s) into the next tests, so a request was being answered
# while the tables were emptied, the flush failed (a lock wait or a deadlock) and the next test found
# the last one's rows ("duplicate key ... username mike"). So, before the flush, every context the
# test opened is closed; the flush waits up to a minute for a request still being answered (the
# product's own 5 s lock_timeout is unchanged for everything else: test_degraded checks it) and is
# tried again after a deadlock.
_post_teardown_flush = None
_browsers = []


@pytest.fixture(scope="session")
def browser(browser):
    """pytest-playwright's session browser, remembered so a test's contexts close before the flush."""
    _browsers.append(browser)
    yield browser
    _browsers.remove(browser)


def _close_browser_contexts():
    for launched in _browsers:
        for context in list(launched.contexts):
            context.close()


def pytest_configure(config):
    global _post_teardown_flush
    from django.test import TransactionTestCase

    if _post_teardown_flush is not None:
        return
    _post_teardown_flush = TransactionTestCase._fixture_teardown

    def _fixture_teardown(self):
        from django.db import connections

        def lock_timeout(statement):
            for alias in connections:
                db = connections[alias]
                if db.vendor == "postgresql" and db.connection is not None:
                    with db.cursor() as cursor:
                        cursor.execute(statement)

        from django.core.management.base import CommandError
        from django.db import OperationalError

        _close_browser_contexts()
        lock_timeout("SET lock_timeout = '60s'")
        try:
            for attempt in range(3):
                try:
                    _post_teardown_flush(self)
                    break
                except (OperationalError, CommandError) as error:
                    # flush wraps the database's error ("couldn't be flushed") in a CommandError.
                    cause = error if isinstance(error, OperationalError) else error.__cause__
                    if attempt == 2 or not isinstance(cause, OperationalError):
                        raise
                    time.sleep(1)
        finally:
            lock_timeout("RESET lock_timeout")  # back to the connection's own (settings) value

    TransactionTestCase._fixture_teardown = _fixture_teardown
