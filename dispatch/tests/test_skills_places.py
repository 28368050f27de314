"""Skills and zones (issue 12): the skill rule and its recorded override, suggestions that prefer
the zone, the customer form's coordinates, the address search and drive times against small
local servers (no internet)."""

import datetime as dt
import json
import logging
import threading
from contextlib import contextmanager
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dispatch import geo, routing
from dispatch.models import (
    ActorType,
    Customer,
    CustomerHistory,
    JobType,
    JobTypeSkill,
    ServiceZone,
    Skill,
    WorkOrderHistory,
    WorkOrderStatus,
)
from dispatch.scheduling import MissingSkill, skill_refusals
from dispatch.services import Actor, work_order_open, work_order_schedule
from dispatch.suggestions import work_order_suggestions
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 12)  # a Tuesday, far from any pinned "now"
OFFICE = Actor(ActorType.OFFICE, 1)


def at(hour: int, day: dt.date = DAY) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def ptz():
    skill = Skill.objects.create(name="PTZ cameras")
    JobTypeSkill.objects.create(job_type=JobType.INSTALLATION, skill=skill)
    return skill


@pytest.fixture
def install(ptz):
    return WorkOrderFactory(
        title="Install two PTZ cameras",
        job_type=JobType.INSTALLATION,
        assigned_technician=None,
        scheduled_for=None,
        status=WorkOrderStatus.PENDING,
    )


# The rule ----------------------------------------------------------------------------------


def test_skill_refusals_names_what_is_missing():
    assert skill_refusals({"PTZ cameras", "NVR setup"}, {"PTZ cameras"}) == []
    assert skill_refusals(set(), set()) == []
    assert skill_refusals({"NVR setup"}, {"PTZ cameras", "Fibre splicing"}, name="Alex") == [
        "Alex doesn't have the skills this job needs: Fibre splicing, PTZ cameras."
    ]


def test_a_technician_without_the_skill_is_refused_and_the_override_is_recorded(install, ptz):
    alex = TechnicianFactory(name="Alex")
    with pytest.raises(MissingSkill) as refused:
        work_order_schedule(work_order=install, actor=OFFICE, technician=alex, scheduled_for=at(9))
    assert "Alex doesn't have the skill this job needs: PTZ cameras." in refused.value.messages
    install.refresh_from_db()
    assert install.assigned_technician is None
    assert not WorkOrderHistory.objects.filter(work_order=install, field_changed="skill_override").exists()

    work_order_schedule(
        work_order=install, actor=OFFICE, technician=alex, scheduled_for=at(9), override_skills=True
    )
    install.refresh_from_db()
    assert install.assigned_technician == alex
    row = WorkOrderHistory.objects.get(work_order=install, field_changed="skill_override")
    assert row.new_value == "Booked anyway: Alex doesn't have the skill this job needs: PTZ cameras."
    assert (row.changed_by_type, row.changed_by_id, row.version) == (ActorType.OFFICE, 1, install.version)


def test_a_skilled_technician_books_without_an_override_and_nothing_is_recorded(install, ptz):
    mike = TechnicianFactory(name="Mike")
    mike.skills.add(ptz)
    work_order_schedule(work_order=install, actor=OFFICE, technician=mike, scheduled_for=at(9))
    install.refresh_from_db()
    assert install.assigned_technician == mike
    assert not WorkOrderHistory.objects.filter(field_changed="skill_override").exists()


def test_opening_an_order_for_an_unskilled_technician_needs_the_override(ptz):
    customer, alex = CustomerFactory(), TechnicianFactory(name="Alex")
    fields = dict(
        actor=OFFICE,
        created_by=None,
        customer=customer,
        title="Install",
        brief_description="Two PTZ cameras",
        job_type=JobType.INSTALLATION,
        technician=alex,
        scheduled_for=at(9),
    )
    with pytest.raises(MissingSkill):
        work_order_open(**fields)
    order = work_order_open(**fields, override_skills=True)
    assert WorkOrderHistory.objects.filter(work_order=order, field_changed="skill_override").count() == 1


def test_schedule_form_asks_to_confirm_then_books_with_the_override(office_client, install, ptz):
    alex = TechnicianFactory(name="Alex")
    url = reverse("dispatch:work_order_schedule", args=[install.pk])
    post = {"version": install.version, "technician": alex.pk, "scheduled_for": "2030-03-12T09:00"}
    refused = office_client.post(url, post, headers={"HX-Request": "true"})
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "doesn&#x27;t have the skill this job needs: PTZ cameras" in body
    assert 'name="override_skills"' in body
    booked = office_client.post(url, {**post, "override_skills": "on"}, headers={"HX-Request": "true"})
    assert booked.status_code == 200
    install.refresh_from_db()
    assert install.assigned_technician == alex
    timeline = office_client.get(reverse("dispatch:work_order_detail", args=[install.pk])).content.decode()
    assert "Booked anyway: Alex doesn" in timeline


def test_an_edit_that_moves_an_order_onto_an_unskilled_technician_is_refused(install, ptz):
    from dispatch.services import work_order_edit_refusals

    install.assigned_technician = TechnicianFactory(name="Alex")
    install.scheduled_for = at(9)
    assert any("PTZ cameras" in reason for reason in work_order_edit_refusals(work_order=install))


# Suggestions -------------------------------------------------------------------------------


def test_suggestions_skip_the_unskilled_and_prefer_the_customers_zone(install, ptz):
    queens, brooklyn = ServiceZone.objects.create(name="Queens"), ServiceZone.objects.create(name="Brooklyn")
    Customer.objects.filter(pk=install.customer_id).update(zone=queens)
    install.refresh_from_db()
    # Names sort the Brooklyn technician first: only the zone can put David ahead.
    aaron = TechnicianFactory(name="Aaron", home_zone=brooklyn)
    david = TechnicianFactory(name="David", home_zone=queens)
    alex = TechnicianFactory(name="Alex", home_zone=queens)  # in the zone, without the skill
    aaron.skills.add(ptz)
    david.skills.add(ptz)
    ranked = work_order_suggestions(install, DAY)
    assert [s.technician for s in ranked] == [david, aaron, alex]
    assert ranked[0].feasible and ranked[1].feasible and not ranked[2].feasible
    assert f"Based in {install.customer.name}'s zone." in ranked[0].reasons
    assert "Alex doesn't have the skill this job needs: PTZ cameras." in ranked[2].refusals


# Customer form: coordinates, zone ----------------------------------------------------------


def _customer_post(**extra) -> dict:
    return {
        "name": "Harbor Storage",
        "address": "12 Pier Road, Brooklyn, NY",
        "phone": "555-0199",
        "preferred_schedule_start": "08:00",
        "preferred_schedule_end": "16:00",
        **extra,
    }


def test_customer_form_saves_the_pin_and_zone_and_notes_it(office_client):
    zone = ServiceZone.objects.create(name="Brooklyn")
    page = office_client.get(reverse("dispatch:customer_create"))
    assert page.status_code == 200
    assert b'id="customer-map"' in page.content and b"vendor/leaflet/leaflet.js" in page.content
    response = office_client.post(
        reverse("dispatch:customer_create"),
        _customer_post(latitude="40.682900", longitude="-73.995700", zone=zone.pk),
    )
    assert response.status_code == 302
    customer = Customer.objects.get(name="Harbor Storage")
    assert (customer.latitude, customer.longitude, customer.zone) == (
        Decimal("40.682900"),
        Decimal("-73.995700"),
        zone,
    )
    response = office_client.post(
        reverse("dispatch:customer_edit", args=[customer.pk]),
        _customer_post(latitude="40.690000", longitude="-73.990000", zone=zone.pk),
    )
    assert response.status_code == 302
    assert CustomerHistory.objects.filter(customer=customer, notes__contains="latitude").exists()


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("40.7", "", "Give both coordinates, or neither."),
        ("91", "10", "A latitude is between -90 and 90."),
        ("40", "-200", "A longitude is between -180 and 180."),
        ("north", "10", "Enter a number."),
    ],
)
def test_customer_form_refuses_bad_coordinates_with_a_message(office_client, latitude, longitude, message):
    response = office_client.post(
        reverse("dispatch:customer_create"), _customer_post(latitude=latitude, longitude=longitude)
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not Customer.objects.filter(name="Harbor Storage").exists()


# The geocoder and the routing server, as small local servers -------------------------------


@contextmanager
def local_server(answer):
    """A local HTTP server; `answer(path, query)` returns (status, body) or raises to hang up."""
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the http.server name)
            parts = urlsplit(self.path)
            seen.append(self.path)
            status, body = answer(parts.path, parse_qs(parts.query))
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", seen
    finally:
        server.shutdown()
        server.server_close()


def nominatim(path, query):
    if path != "/search" or query.get("format") != ["json"]:
        return 404, {"error": "not found"}
    if "Nowhere" in query["q"][0]:
        return 200, []
    return 200, [
        {"display_name": "318 Court Street, Brooklyn, NY 11231", "lat": "40.6829", "lon": "-73.9957"},
        {"display_name": "bad row", "lat": "not a number", "lon": "1"},
        {"display_name": "Court Street, Binghamton, NY", "lat": "42.1014", "lon": "-75.9119"},
    ]


def test_address_search_answers_places_from_the_geocoder(office_client, settings):
    with local_server(nominatim) as (url, seen):
        settings.TECHFLOW_GEOCODER_URL = url
        page = office_client.get(reverse("dispatch:customer_create")).content.decode()
        assert "data-map-search" in page
        response = office_client.get(reverse("dispatch:customer_geocode"), {"q": "318 Court Street"})
        assert response.status_code == 200
        assert response.json() == {
            "places": [
                {"label": "318 Court Street, Brooklyn, NY 11231", "latitude": 40.6829, "longitude": -73.9957},
                {"label": "Court Street, Binghamton, NY", "latitude": 42.1014, "longitude": -75.9119},
            ]
        }
        assert parse_qs(urlsplit(seen[-1]).query)["q"] == ["318 Court Street"]
        empty = office_client.get(reverse("dispatch:customer_geocode"), {"q": "Nowhere at all"})
        assert empty.json() == {"places": []}


def test_address_search_failures_are_clear_messages_not_500s(office_client, settings):
    url = reverse("dispatch:customer_geocode")
    settings.TECHFLOW_GEOCODER_URL = ""
    assert b"data-map-search" not in office_client.get(reverse("dispatch:customer_create")).content
    off = office_client.get(url, {"q": "318 Court Street"})
    assert off.status_code == 503 and "not set up" in off.json()["error"]
    with local_server(lambda path, query: (500, b"<html>oops</html>")) as (server, _):
        settings.TECHFLOW_GEOCODER_URL = server
        assert office_client.get(url, {"q": " "}).status_code == 400
        failed = office_client.get(url, {"q": "318 Court Street"})
        assert failed.status_code == 502
        assert "didn't answer in time or failed" in failed.json()["error"]
    # A port nobody listens on any more: refused at once.
    settings.TECHFLOW_GEOCODER_URL = server
    assert office_client.get(url, {"q": "318 Court Street"}).status_code == 502


def test_the_geocoder_is_given_up_on_after_its_timeout(settings):
    release = threading.Event()

    def slow(path, query):
        release.wait(5)
        return 200, []

    with local_server(slow) as (url, _):
        settings.TECHFLOW_GEOCODER_URL, settings.TECHFLOW_GEOCODER_TIMEOUT = url, 0.3
        try:
            with pytest.raises(geo.GeocoderError):
                geo.geocode("318 Court Street")
        finally:
            release.set()


def test_geocode_is_office_only(tech_client):
    assert tech_client.get(reverse("dispatch:customer_geocode"), {"q": "x"}).status_code == 403


BANK = (40.7086, -74.0110)
RESTAURANT = (40.6829, -73.9957)
MALL = (40.7347, -73.8696)


def test_straight_line_drive_time_uses_the_road_factor_and_speed(settings):
    settings.TECHFLOW_ROUTING_URL = ""
    km = routing.straight_km(BANK, RESTAURANT)
    assert 3.0 < km < 3.3  # lower Manhattan to Carroll Gardens
    assert routing.drive_minutes(BANK, RESTAURANT) == pytest.approx(km * 1.3 / 40 * 60)
    settings.TECHFLOW_ROAD_FACTOR, settings.TECHFLOW_AVERAGE_SPEED_KMH = 1.5, 30
    assert routing.drive_minutes(BANK, RESTAURANT) == pytest.approx(km * 1.5 / 30 * 60)
    assert routing.drive_minutes(BANK, BANK) == 0
    matrix = routing.drive_matrix([BANK, RESTAURANT, MALL])
    assert matrix[0][1] == pytest.approx(matrix[1][0]) and matrix[2][2] == 0


def osrm(path, query):
    """OSRM's /table/v1/driving/{lon,lat;...} answer: durations in seconds, a null for no route."""
    if not path.startswith("/table/v1/driving/"):
        return 400, {"code": "InvalidUrl"}
    points = path.removeprefix("/table/v1/driving/").split(";")
    n = len(points)
    durations = [[0 if i == j else 600 * (i + j) for j in range(n)] for i in range(n)]
    if n == 3:
        durations[0][2] = None
    return 200, {"code": "Ok", "durations": durations}


def test_drive_times_come_from_the_routing_server_when_set(settings):
    with local_server(osrm) as (url, seen):
        settings.TECHFLOW_ROUTING_URL = url
        assert routing.drive_minutes(BANK, RESTAURANT) == 10.0
        assert seen[-1].startswith("/table/v1/driving/-74.011000,40.708600;-73.995700,40.682900")
        matrix = routing.drive_matrix([BANK, RESTAURANT, MALL])
        assert matrix[0][1] == 10.0 and matrix[1][2] == 30.0
        # No route for that pair: the straight-line estimate fills it in.
        assert matrix[0][2] == pytest.approx(routing.straight_minutes(BANK, MALL))
        assert len(seen) == 2  # one request per matrix; nothing cached between calls
        routing.drive_minutes(BANK, RESTAURANT)
        assert len(seen) == 3


@pytest.mark.parametrize(
    "answer",
    [
        lambda path, query: (500, b"Internal error"),
        lambda path, query: (200, {"code": "NoTable"}),
        lambda path, query: (200, {"code": "Ok", "durations": [[0]]}),
        lambda path, query: (200, b"not json"),
    ],
    ids=["500", "error code", "wrong size", "not json"],
)
def test_a_failing_routing_server_falls_back_to_the_straight_line_and_logs(settings, caplog, answer):
    with local_server(answer) as (url, _):
        settings.TECHFLOW_ROUTING_URL = url
        with caplog.at_level(logging.WARNING, logger="dispatch.routing"):
            minutes = routing.drive_minutes(BANK, RESTAURANT)
    assert minutes == pytest.approx(routing.straight_minutes(BANK, RESTAURANT))
    assert any("using straight-line drive times" in r.getMessage() for r in caplog.records)


def test_a_model_refuses_a_half_position():
    customer = CustomerFactory.build(latitude=Decimal("40.7"), longitude=None)
    with pytest.raises(ValidationError):
        customer.full_clean()
