"""No input makes a 500: property-based fuzzing of every view, as every role.

The walk: every URL pattern of the resolver (the admin's included), each as anonymous, a technician,
office staff and a superuser (the admin's only as the superuser: anyone else is sent to its login).
For each, the parameters are those the view itself reads: a first GET and POST record every key it
asks the query string or the form for (a recording QueryDict, installed by a test middleware), plus
the names of the page's form fields and the keys of its links' query strings. Hypothesis then sends
GET and POST requests with those keys set to hostile values (dates at the ends of the calendar,
digits `int()` can't read, ids past the database's integer, NUL bytes, long and odd text, wrong
charsets, htmx or not) and fails on any 5xx or exception. Each example runs in a savepoint that is
rolled back, so the seeded world stays the same.

Runtime: the `ci` profile (default) sends a few examples per cell and keeps the run to a few minutes;
HYPOTHESIS_PROFILE=thorough sends many more.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import uuid
from collections import Counter
from urllib.parse import parse_qsl, urlencode

import pytest
from django.conf import settings as django_settings
from django.contrib.auth.models import Group
from django.db import transaction
from django.http import QueryDict
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import (
    IntConverter,
    PathConverter,
    SlugConverter,
    StringConverter,
    UUIDConverter,
)
from django.urls.resolvers import RegexPattern, RoutePattern
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from conftest import PASSWORD

# The walk is long (every URL × role); CI runs it once, on PostgreSQL (the parsers it proves are the
# same code on SQLite, bounded below SQLite's integer limit).
pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

hypothesis_settings.register_profile(
    "ci",
    max_examples=2,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
hypothesis_settings.register_profile(
    "thorough",
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "ci")

ROLES = ("anonymous", "technician", "office", "superuser")
PARAMETER = re.compile(r"<(?:(?P<converter>[^>:]+):)?(?P<name>\w+)>")
ADMIN_GROUP = re.compile(r"\(\?P<(?P<name>\w+)>[^)]*\)")

# Every request the fuzz sent, and how many answered 5xx (reported at the end of the run).
TALLY: Counter = Counter()


# The walk


def _route(prefix: str, entry) -> tuple[str, dict]:
    """The pattern as a path template ("/office/work-orders/{pk}/") and its converters by name."""
    pattern = entry.pattern
    if isinstance(pattern, RoutePattern):
        route = PARAMETER.sub(lambda m: "{" + m["name"] + "}", str(pattern))
        return prefix + route, dict(pattern.converters)
    if isinstance(pattern, RegexPattern):
        regex = str(pattern).lstrip("^").rstrip("$").replace("\\Z", "")
        names = {m["name"]: PathConverter() for m in ADMIN_GROUP.finditer(regex)}
        route = ADMIN_GROUP.sub(lambda m: "{" + m["name"] + "}", regex)
        return prefix + route.replace("\\", ""), names
    raise AssertionError(f"unknown pattern type {pattern!r}: teach the fuzz test to build its URL")


def _walk(patterns, prefix: str = "/", converters: dict | None = None):
    for entry in patterns:
        path, known = _route(prefix, entry)
        known = {**(converters or {}), **known}
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, path, known)
        elif isinstance(entry, URLPattern):
            yield path, known


def _cells() -> list[tuple[str, dict, str]]:
    seen, cells = set(), []
    for path, converters in _walk(get_resolver().url_patterns):
        if path in seen:
            continue
        seen.add(path)
        roles = ("superuser",) if path.startswith("/admin/") and path != "/admin/system/" else ROLES
        cells += [(path, converters, role) for role in roles]
    return cells


CELLS = _cells()


def test_the_walk_covers_every_surface():
    paths = {path for path, _, _ in CELLS}
    assert {"/login/", "/office/board/move/", "/tech/jobs/{pk}/complete/", "/admin/"} <= paths
    assert any(path.startswith("/admin/dispatch/workorder/") for path in paths)


# The world the fuzz runs in


@pytest.fixture
def world(django_user_model, now):
    from dispatch.models import ActorType
    from dispatch.tests import factories as d
    from fieldops.tests import factories as f
    from inventory.tests import factories as i

    office = django_user_model.objects.create_user("officer", password=PASSWORD)
    office.groups.add(Group.objects.get_or_create(name="Office")[0])
    tech_user = django_user_model.objects.create_user("tech", password=PASSWORD)
    tech_user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    root = django_user_model.objects.create_superuser("root", password=PASSWORD)
    technician = d.TechnicianFactory(user=tech_user, name="Terry Tech")
    truck = i.TruckFactory()
    item = i.InventoryItemFactory()
    i.TruckInventoryFactory(truck=truck, item=item)
    order = d.WorkOrderFactory(assigned_technician=technician)
    d.WorkOrderFactory(assigned_technician=None, status="pending")
    d.WorkOrderNoteFactory(work_order=order)
    d.WorkOrderHistoryFactory(work_order=order, changed_by_type=ActorType.OFFICE, changed_by_id=office.pk)
    d.CustomerHistoryFactory(customer=order.customer)
    d.NotificationFactory(work_order=order)
    d.ManualNotificationFactory(technician=technician)
    d.CommunicationMessageFactory(technician=technician, customer=order.customer, work_order=order)
    f.ClockRecordFactory(technician=technician, truck=truck)
    f.TravelLogFactory(work_order=order)
    f.TechnicianActivityFactory(technician=technician, work_order=order)
    f.VoiceAgentInteractionFactory(session=f.VoiceAgentSessionFactory(technician=technician))
    f.OperationalEventFactory()
    i.StockMovementFactory(truck=truck, item=item)
    return {"office": office, "technician": tech_user, "superuser": root, "anonymous": None}


# Recording the keys a view reads

READ_KEYS: set[str] = set()


class RecordingQueryDict(QueryDict):
    def __getitem__(self, key):
        READ_KEYS.add(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        READ_KEYS.add(key)
        return super().get(key, default)

    def getlist(self, key, default=None):
        READ_KEYS.add(key)
        return super().getlist(key, default)

    def __contains__(self, key):
        READ_KEYS.add(key)
        return super().__contains__(key)


def recording_middleware(get_response):
    def middleware(request):
        request.GET.__class__ = RecordingQueryDict
        if request.method == "POST":
            request.POST.__class__ = RecordingQueryDict
        return get_response(request)

    return middleware


FIELD_NAME = re.compile(r"""\bname=["']([^"'<>]{1,80})["']""")
LINK_QUERY = re.compile(r"""\b(?:href|hx-get|hx-post|action)=["'][^"'?]*\?([^"'#]*)""")


def _keys_of_page(html: str) -> set[str]:
    keys = set(FIELD_NAME.findall(html))
    for query in LINK_QUERY.findall(html):
        keys |= {key for key, _ in parse_qsl(query.replace("&amp;", "&"), keep_blank_values=True)}
    return keys - {"csrfmiddlewaretoken", "viewport", "description"}


# Hostile values

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "3",
    "²",
    "١٢",
    "Ⅻ",
    "2147483648",
    "99999999999999999999",
    "1e309",
    "nan",
    "inf",
    "9999-12-31",
    "0001-01-01",
    "10000-01-01",
    "2026-02-30",
    "2026-13-01",
    "9999-12-31T23:59",
    "0001-01-01T00:00",
    "2026-12-04T09:00",
    "2026-12-03",
    "2026-W49",
    "25:99",
    "<script>alert(1)</script>",
    "a\x00b",
    "\x00",
    "x" * 2000,
    "' OR 1=1 --",
    "%",
    "_",
    "\\",
    "../../etc/passwd",
    "🙂",
    "\u202e",
    "true",
    "false",
    "on",
    "week",
    "day",
    "board",
    "null",
    "[]",
    '{"a": 1}',
    str(uuid.UUID(int=1)),
    "00000000-0000-0000-0000-000000000000",
    "1|1|2026-12-04T09:00|1",
    "1|1|9999-12-31T09:00|1",
    "1|²|2026-12-04T09:00|1",
    "-latitude",
]
VALUES = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=30),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.dates().map(dt.date.isoformat),
    st.datetimes().map(lambda moment: moment.isoformat(timespec="minutes")),
)
PATH_VALUES = {
    IntConverter: st.sampled_from(["1", "2", "3", "0", "2147483648", "99999999999999999999"]),
    UUIDConverter: st.sampled_from([str(uuid.UUID(int=1)), str(uuid.uuid4())]),
    SlugConverter: st.sampled_from(["break", "issue", "emergency", "delay", "x", "a-b_c"]),
    PathConverter: st.sampled_from(["1", "2", "abc", str(uuid.UUID(int=1)), "1/change", "%C2%B2", "-1"]),
    StringConverter: st.sampled_from(["1", "2", "abc", str(uuid.UUID(int=1)), "%C2%B2", "-1", "%00"]),
}
CHARSETS = ["utf-8", "utf-8", "utf-8", "utf-16", "latin-1", "nope"]


def _path_strategy(template: str, converters: dict):
    names = re.findall(r"\{(\w+)\}", template)
    strategies = {name: PATH_VALUES[type(converters[name])] for name in names}
    return st.fixed_dictionaries(strategies).map(lambda values: template.format(**values))


def _sample_path(template: str, converters: dict) -> str:
    samples = {IntConverter: "1", UUIDConverter: str(uuid.UUID(int=1)), SlugConverter: "break"}
    names = re.findall(r"\{(\w+)\}", template)
    return template.format(**{name: samples.get(type(converters[name]), "1") for name in names})


@contextlib.contextmanager
def _counting_failures():
    """An exception the view raised (the test client re-raises it) is a 500 too."""
    try:
        yield
    except Exception:
        TALLY["5xx"] += 1
        raise


class _Gone:
    value = ""


def _consume(response) -> None:
    if getattr(response, "streaming", False):
        b"".join(response.streaming_content)


def summary() -> str:
    """The line conftest's terminal summary prints after a run that fuzzed."""
    return (
        f"fuzz ({PROFILE} profile): {TALLY['requests']} requests over {TALLY['cells']} URL × role cells, "
        f"{TALLY['5xx']} answered 5xx"
    )


@pytest.mark.parametrize(
    ("template", "converters", "role"), CELLS, ids=[f"{role}:{path}" for path, _, role in CELLS]
)
def test_no_input_makes_a_5xx(client, settings, world, template, converters, role):
    settings.MIDDLEWARE = ["techflow.tests.test_fuzz.recording_middleware", *settings.MIDDLEWARE]
    user = world[role]

    # What the view reads and what its page offers, as this role.
    READ_KEYS.clear()
    sample = _sample_path(template, converters)
    keys: set[str] = set()
    for discoverer in [user]:
        with transaction.atomic():
            client.logout()
            if discoverer is not None:
                client.force_login(discoverer)
            page = client.get(sample)
            _consume(page)
            if not getattr(page, "streaming", False):
                keys |= _keys_of_page(page.content.decode(errors="replace"))
            _consume(client.post(sample, {}))
            transaction.set_rollback(True)
    keys |= READ_KEYS
    client.logout()
    if user is not None:
        client.force_login(user)
    keys = sorted(keys)[:60]
    TALLY["cells"] += 1
    fields = st.dictionaries(st.sampled_from(keys), st.lists(VALUES, min_size=1, max_size=2), max_size=6)
    if not keys:
        fields = st.just({})

    @settings_for_profile()
    @given(
        path=_path_strategy(template, converters),
        method=st.sampled_from(["GET", "POST"]),
        data=fields,
        query=fields,
        htmx=st.booleans(),
        charset=st.sampled_from(CHARSETS),
    )
    def probe(path, method, data, query, htmx, charset):
        headers = {"HX-Request": "true"} if htmx else {}
        if method == "GET":
            query = {**query, **data}
        url = path + ("?" + urlencode(query, doseq=True) if query else "")
        if user is not None and not client.cookies.get(django_settings.SESSION_COOKIE_NAME, _Gone).value:
            client.force_login(user)  # signed out by the example before (logout, a password change)
        TALLY["requests"] += 1
        with transaction.atomic(), _counting_failures():
            if method == "GET":
                response = client.get(url, headers=headers)
            else:
                encoding = charset if charset != "nope" else "utf-8"
                body = urlencode(data, doseq=True, encoding=encoding, errors="replace")
                content_type = f"application/x-www-form-urlencoded; charset={charset}"
                response = client.generic(
                    "POST", url, body.encode("ascii"), content_type=content_type, headers=headers
                )
            _consume(response)
            transaction.set_rollback(True)
        if response.status_code >= 500:
            TALLY["5xx"] += 1
        assert response.status_code < 500, f"{method} {url} {data!r} answered {response.status_code}"

    probe()


def settings_for_profile():
    return hypothesis_settings(hypothesis_settings.get_profile(PROFILE))
