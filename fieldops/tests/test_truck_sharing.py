"""One truck, one driver, unless the office lets a crew share it; a shared clock-in asks and records who."""

import uuid

import pytest
from django.core.exceptions import ValidationError

from dispatch.tests.factories import TechnicianFactory
from fieldops import services
from fieldops.models import ActivityType, ClockRecord, TechnicianActivity
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def david():
    return TechnicianFactory(name="David Kim")


def _clock_in(client, truck, **data):
    return client.post(
        "/tech/clock-in/",
        {"idempotency_key": str(uuid.uuid4()), "truck": truck.pk, **data},
        HTTP_HX_REQUEST="true",
    )


def test_a_truck_in_use_is_refused_with_who_has_it(tech_client, technician, david):
    truck = TruckFactory(name="Truck 201")
    services.clock_in(technician=david, truck=truck)
    response = _clock_in(tech_client, truck)
    assert response.status_code == 409
    html = response.content.decode()
    assert "Truck 201 is in use: David Kim is clocked in with it. One truck, one driver" in html
    assert not ClockRecord.objects.filter(technician=technician).exists()


def test_asking_to_share_a_truck_the_office_keeps_to_one_driver_is_still_refused(technician, david):
    truck = TruckFactory(name="Truck 201")
    services.clock_in(technician=david, truck=truck)
    with pytest.raises(ValidationError, match="One truck, one driver"):
        services.clock_in(technician=technician, truck=truck, share=True)


def test_a_crew_truck_in_use_asks_then_records_who_shares_it(tech_client, technician, david):
    truck = TruckFactory(name="Truck 201", crew_allowed=True)
    services.clock_in(technician=david, truck=truck)
    asked = _clock_in(tech_client, truck)
    assert asked.status_code == 409
    html = asked.content.decode()
    assert "Are you sharing it with them as a crew?" in html and "Share Truck 201 with David Kim" in html
    assert not ClockRecord.objects.filter(technician=technician).exists()

    shared = _clock_in(tech_client, truck, share="on")
    assert (
        shared.status_code == 200
        and "Clocked in with Truck 201, shared with David Kim." in shared.content.decode()
    )
    assert ClockRecord.objects.get(technician=technician).truck == truck
    start = TechnicianActivity.objects.get(technician=technician, activity_type=ActivityType.SHIFT_START)
    assert start.metadata["shares_truck_with"] == [{"id": david.pk, "name": "David Kim"}]


def test_the_clock_in_list_says_which_trucks_are_in_use(tech_client, david):
    truck = TruckFactory(name="Truck 201")
    TruckFactory(name="Truck 202")
    services.clock_in(technician=david, truck=truck)
    html = tech_client.get("/tech/").content.decode()
    assert "Truck 201 (in use: David Kim)" in html and "Truck 202<" in html


def test_a_truck_is_free_again_once_its_driver_clocks_out(technician, david):
    truck = TruckFactory()
    services.clock_in(technician=david, truck=truck)
    services.clock_out(technician=david)
    record = services.clock_in(technician=technician, truck=truck)
    assert record.truck == truck
    start = TechnicianActivity.objects.get(technician=technician, activity_type=ActivityType.SHIFT_START)
    assert "shares_truck_with" not in start.metadata


def test_my_day_lists_every_truck_only_while_off_then_shows_the_one_driven(tech_client, technician, david):
    """Off shift: the clock-in list holds every active truck, the last one driven preselected and one
    in use saying who has it. On shift: only the truck driven (a fleet of hundreds was rendered on
    every load before)."""
    fleet = [TruckFactory(name=f"Van {n:02}") for n in range(12)]
    services.clock_in(technician=technician, truck=fleet[3])
    services.clock_out(technician=technician)
    services.clock_in(technician=david, truck=fleet[5])

    off = tech_client.get("/tech/").content.decode()
    assert all(f">{truck.name}" in off for truck in fleet)
    assert f'<option value="{fleet[3].pk}" selected>Van 03</option>' in off
    assert f'<option value="{fleet[5].pk}">Van 05 (in use: David Kim)</option>' in off

    services.clock_in(technician=technician, truck=fleet[3])
    on = tech_client.get("/tech/").content.decode()
    assert "Truck: <strong>Van 03</strong>" in on
    assert not any(f">{truck.name}" in on for truck in fleet if truck != fleet[3])
