"""One truck, one driver unless the office allows a crew: the office sets it on the truck's page,
through a service that records who changed it; technicians can't."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from dispatch.tests.factories import TechnicianFactory
from fieldops import services as field
from inventory.models import Truck
from inventory.services import truck_crew_allowed_set
from inventory.tests.factories import TruckFactory
from techflow.models import AdminChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def truck():
    return TruckFactory(name="Service Truck 201")


def _crew_url(truck) -> str:
    return reverse("inventory:truck_crew", args=[truck.pk])


def _changes(truck):
    return list(AdminChange.objects.filter(object_id=str(truck.pk)).order_by("at", "id"))


def test_the_truck_page_shows_the_crew_switch_off_by_default(office_client, truck):
    html = office_client.get(reverse("inventory:truck_detail", args=[truck.pk])).content.decode()
    assert "Drivers: one at a time" in html
    assert 'name="crew-crew_allowed"' in html and "checked" not in html.split('id="crew-card"')[1][:1500]


def test_the_office_allows_a_crew_and_the_change_is_recorded_with_who(office_client, office_user, truck):
    response = office_client.post(_crew_url(truck), {"crew-crew_allowed": "on"})
    assert response.status_code == 302
    truck.refresh_from_db()
    assert truck.crew_allowed is True
    (row,) = _changes(truck)
    assert row.user == office_user and row.action == AdminChange.Action.CHANGE
    assert row.changes == {"crew_allowed": ["False", "True"]}
    page = office_client.get(reverse("inventory:truck_detail", args=[truck.pk])).content.decode()
    assert "A crew may now share Service Truck 201" in page and "Drivers: a crew may share it" in page

    # Saving the same value again changes nothing and records nothing; switching off is recorded.
    office_client.post(_crew_url(truck), {"crew-crew_allowed": "on"})
    assert len(_changes(truck)) == 1
    office_client.post(_crew_url(truck), {})
    truck.refresh_from_db()
    assert truck.crew_allowed is False
    assert [r.changes for r in _changes(truck)][-1] == {"crew_allowed": ["True", "False"]}


def test_htmx_swaps_the_region_with_the_message(office_client, truck):
    response = office_client.post(
        _crew_url(truck), {"crew-crew_allowed": "on"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    assert (
        'id="truck-body"' in response.content.decode() and "A crew may now share" in response.content.decode()
    )


def test_a_technician_can_not_allow_a_crew_on_the_page_or_through_the_service(tech_client, technician, truck):
    assert tech_client.post(_crew_url(truck), {"crew-crew_allowed": "on"}).status_code == 403
    with pytest.raises(PermissionDenied):
        truck_crew_allowed_set(truck=truck, allowed=True, user=technician.user)
    truck.refresh_from_db()
    assert truck.crew_allowed is False and _changes(truck) == []


def test_the_office_truck_has_no_crew_setting(office_client):
    office = TruckFactory(is_office_truck=True)
    assert office_client.post(_crew_url(office), {"crew-crew_allowed": "on"}).status_code == 404
    assert Truck.objects.get(pk=office.pk).crew_allowed is False


def test_once_allowed_a_second_technician_may_clock_in_with_the_truck(office_client, truck):
    first, second = TechnicianFactory(), TechnicianFactory()
    field.clock_in(technician=first, truck=truck)
    with pytest.raises(ValidationError, match="One truck, one driver"):
        field.clock_in(technician=second, truck=truck)
    office_client.post(_crew_url(truck), {"crew-crew_allowed": "on"})
    truck.refresh_from_db()
    assert field.clock_in(technician=second, truck=truck, share=True).truck == truck
