"""Clocking in on a large fleet: My day lists a small fleet whole, and for a large one the trucks the
technician drove last plus a search (fieldops.selectors.TRUCK_LIST_MAX), so the page does the same
work with 30 trucks or 500."""

import datetime as dt
import re
import uuid

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from dispatch.tests.factories import TechnicianFactory
from fieldops import services
from fieldops.models import ClockRecord
from fieldops.selectors import RECENT_TRUCKS, TRUCK_LIST_MAX, TRUCK_MATCHES
from inventory.models import Truck
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _fleet(n: int) -> list[Truck]:
    return [TruckFactory(name=f"Service Truck {i:03d}") for i in range(1, n + 1)]


def _options(html: str) -> list[str]:
    return re.findall(r"<option[^>]*>([^<]*)</option>", html)


def _drive(technician, trucks, now) -> None:
    """Shifts on `trucks`, oldest first, each a day apart, ending before now."""
    start = now - dt.timedelta(days=len(trucks) + 1)
    for i, truck in enumerate(trucks):
        with time_machine.travel(start + dt.timedelta(days=i), tick=False):
            services.clock_in(technician=technician, truck=truck)
        with time_machine.travel(start + dt.timedelta(days=i, hours=8), tick=False):
            services.clock_out(technician=technician)


def test_a_small_fleet_is_listed_whole_with_no_search(tech_client):
    _fleet(TRUCK_LIST_MAX)
    html = tech_client.get("/tech/").content.decode()
    assert len(_options(html)) == TRUCK_LIST_MAX
    assert 'id="truck-search"' not in html


def test_a_large_fleet_lists_the_recent_trucks_last_first_and_offers_a_search(tech_client, technician, now):
    trucks = _fleet(TRUCK_LIST_MAX + 5)
    # Drove 7 trucks, the 12th twice; the last one driven was the 3rd.
    driven = [trucks[i] for i in (9, 10, 11, 12, 11, 13, 14, 2)]
    _drive(technician, driven, now)
    html = tech_client.get("/tech/").content.decode()
    assert 'id="truck-search"' in html
    names = _options(html)
    assert names == [
        "Service Truck 003",
        "Service Truck 015",
        "Service Truck 014",
        "Service Truck 012",
        "Service Truck 013",
    ]
    assert len(names) == RECENT_TRUCKS
    assert f'<option value="{trucks[2].pk}" selected>' in html
    # The search box is outside the clock-in form: Enter in it never clocks in.
    form = html[html.index('action="/tech/clock-in/"') :]
    assert 'id="truck-search"' not in form.split("</form>")[0]


def test_the_search_finds_any_active_truck_by_name_and_says_who_is_on_it(tech_client, technician, now):
    trucks = _fleet(TRUCK_LIST_MAX + 5)
    colleague = TechnicianFactory(name="Sarah Williams")
    services.clock_in(technician=colleague, truck=trucks[16])
    Truck.objects.filter(pk=trucks[17].pk).update(active=False)
    found = tech_client.get("/tech/trucks/?q=017", headers=HX).content.decode()
    assert _options(found) == ["Service Truck 017 (in use: Sarah Williams)"]
    inactive = tech_client.get("/tech/trucks/?q=018", headers=HX).content.decode()
    assert _options(inactive) == ["No truck's name holds “018”"]
    many = _options(tech_client.get("/tech/trucks/?q=Service", headers=HX).content.decode())
    assert len(many) == TRUCK_MATCHES and many[0] == "Service Truck 001"
    hostile = tech_client.get("/tech/trucks/?q=<script>x</script>", headers=HX).content.decode()
    assert "<script>x" not in hostile and "&lt;script&gt;" in hostile
    # An empty search gives back the recent list (here: none driven yet).
    empty = tech_client.get("/tech/trucks/?q=", headers=HX).content.decode()
    assert "No truck to list: find one above" in empty


def test_a_found_truck_clocks_in_like_a_listed_one(tech_client, technician):
    trucks = _fleet(TRUCK_LIST_MAX + 5)
    response = tech_client.post(
        "/tech/clock-in/", {"truck": trucks[28].pk, "idempotency_key": str(uuid.uuid4())}
    )
    assert response.status_code == 302, response.content.decode()[:500]
    assert ClockRecord.objects.get(technician=technician).truck == trucks[28]


def test_the_search_is_the_technicians_own_and_a_get_without_htmx_goes_home(tech_client, office_user):
    _fleet(3)
    office = Client()
    office.force_login(office_user)
    assert office.get("/tech/trucks/?q=1", headers=HX).status_code == 403
    plain = tech_client.get("/tech/trucks/?q=1")
    assert plain.status_code == 302 and plain["Location"] == "/tech/"
    assert tech_client.post("/tech/trucks/", {"q": "1"}, headers=HX).status_code == 405


def test_my_day_does_the_same_work_with_30_trucks_or_300(tech_client, technician, now):
    def my_day_queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            html = tech_client.get("/tech/").content.decode()
        return len(captured), len(_options(html))

    trucks = _fleet(30)
    _drive(technician, trucks[:3], now)
    small = my_day_queries()
    Truck.objects.bulk_create([Truck(name=f"Spare Truck {i}") for i in range(270)])
    assert my_day_queries() == small
    assert small[1] == 3
