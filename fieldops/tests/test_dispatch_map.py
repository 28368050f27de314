"""The dispatch map (issue 12): today's jobs, routes from home, last known positions and the
unassigned jobs, in a fixed number of queries; office only."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch import clock
from dispatch.models import WorkOrderStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops.map import dispatch_map_data
from fieldops.models import ActivityType
from fieldops.tests.factories import TechnicianActivityFactory

pytestmark = pytest.mark.django_db

URL = "/office/field/map/"


def _today(hour: int, minute: int = 0) -> dt.datetime:
    """An hour of the pinned day: the map shows the day whatever the time of day."""
    return timezone.make_aware(dt.datetime.combine(clock.localdate(), dt.time(hour, minute)))


def _place(lat: str, lng: str, **kwargs):
    return CustomerFactory(latitude=Decimal(lat), longitude=Decimal(lng), **kwargs)


@pytest.fixture
def day():
    mike = TechnicianFactory(name="Mike", home_latitude=Decimal("40.776"), home_longitude=Decimal("-73.982"))
    sarah = TechnicianFactory(name="Sarah")  # no home base, no position
    bank, mall = _place("40.7086", "-74.0110", name="City Bank"), _place("40.7347", "-73.8696", name="Mall")
    later = WorkOrderFactory(assigned_technician=mike, customer=mall, scheduled_for=_today(13))
    first = WorkOrderFactory(
        assigned_technician=mike, customer=bank, scheduled_for=_today(8), status=WorkOrderStatus.COMPLETED
    )
    nowhere = WorkOrderFactory(assigned_technician=sarah, customer=CustomerFactory(name="Apartments"))
    nowhere.scheduled_for = _today(9)
    nowhere.save()
    WorkOrderFactory(
        assigned_technician=mike, customer=bank, scheduled_for=_today(11), status=WorkOrderStatus.CANCELLED
    )
    WorkOrderFactory(assigned_technician=mike, customer=bank, scheduled_for=_today(9) + dt.timedelta(days=1))
    waiting = WorkOrderFactory(
        assigned_technician=None,
        customer=_place("40.6829", "-73.9957", name="Restaurant"),
        scheduled_for=None,
        status=WorkOrderStatus.PENDING,
    )
    WorkOrderFactory(assigned_technician=None, scheduled_for=None, status=WorkOrderStatus.PENDING)  # no place
    TechnicianActivityFactory(
        technician=mike, activity_type=ActivityType.ARRIVED_ON_SITE, latitude="40.7350", longitude="-73.8700"
    )
    return mike, sarah, first, later, nowhere, waiting


def test_map_data_has_todays_jobs_routes_positions_and_unassigned(day):
    mike, sarah, first, later, nowhere, waiting = day
    data = dispatch_map_data()
    assert [job["id"] for job in data["jobs"]] == [first.pk, nowhere.pk, later.pk]
    by_id = {job["id"]: job for job in data["jobs"]}
    assert by_id[first.pk]["status"] == "completed" and by_id[first.pk]["at"] == [40.7086, -74.011]
    assert by_id[nowhere.pk]["at"] is None  # listed beside the map, no pin
    assert by_id[later.pk]["url"] == f"/office/work-orders/{later.pk}/"
    assert [job["id"] for job in data["unassigned"]] == [waiting.pk]
    techs = {t["name"]: t for t in data["technicians"]}
    assert techs["Mike"]["route"] == [[40.776, -73.982], [40.7086, -74.011], [40.7347, -73.8696]]
    assert techs["Mike"]["last_position"] == [40.735, -73.87]
    assert techs["Sarah"] == {**techs["Sarah"], "home": None, "route": [], "last_position": None}


def test_map_page_embeds_the_data_and_loads_leaflet(office_client, day):
    response = office_client.get(URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="dispatch-map"' in body and "vendor/leaflet/leaflet.js" in body
    assert 'data-tile-url="https://tile.openstreetmap.org/{z}/{x}/{y}.png"' in body
    data = json.loads(body.split('<script id="map-data" type="application/json">')[1].split("</script>")[0])
    assert len(data["jobs"]) == 3 and len(data["unassigned"]) == 1
    assert "Today's jobs with no place yet" in body and "Apartments" in body
    # The tile server may serve images: the CSP names its origin.
    assert "https://tile.openstreetmap.org" in response["Content-Security-Policy"]


def test_map_page_runs_a_fixed_number_of_queries(office_client, day):
    with CaptureQueriesContext(connection) as small:
        assert office_client.get(URL).status_code == 200
    for n in range(8):
        tech = TechnicianFactory(home_latitude=Decimal("40.7"), home_longitude=Decimal("-73.9"))
        TechnicianActivityFactory(technician=tech)
        WorkOrderFactory(
            assigned_technician=tech, customer=_place("40.71", "-73.95"), scheduled_for=_today(8 + n % 6)
        )
        WorkOrderFactory(
            assigned_technician=None,
            customer=_place("40.72", "-73.96"),
            scheduled_for=None,
            status=WorkOrderStatus.PENDING,
        )
    with CaptureQueriesContext(connection) as large:
        assert office_client.get(URL).status_code == 200
    assert len(small) == len(large)
    assert len(dispatch_map_data()["technicians"]) == 10


def test_map_page_is_for_the_office_only(tech_client):
    # Anonymous visitors go to the login (techflow/tests/test_access.py walks every URL).
    assert tech_client.get(URL).status_code == 403


def test_the_office_nav_links_the_map(office_client):
    assert b'href="/office/field/map/"' in office_client.get("/office/").content
