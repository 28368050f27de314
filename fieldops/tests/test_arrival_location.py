"""First arrival capture (issue 12): Arrived at a customer with no location, with a position from the
phone, makes the job page ASK "Save this spot as the customer's location?"; only yes saves it,
recorded in the customer's history. Never silent."""

import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from dispatch.models import ActorType, Customer, CustomerHistory
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db

QUESTION = "Save this spot as the customer's location?"
SPOT = {"latitude": "40.764012", "longitude": "-73.830044", "accuracy": "12"}


def _post(client, url, data=None):
    return client.post(url, {"idempotency_key": str(uuid.uuid4()), **(data or {})})


@pytest.fixture
def order(technician):
    at = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    customer = CustomerFactory(name="Apartment Complex", latitude=None, longitude=None)
    return WorkOrderFactory(assigned_technician=technician, customer=customer, scheduled_for=at)


def _arrive(client, order, location=SPOT):
    assert _post(client, "/tech/clock-in/", {"truck": TruckFactory().pk}).status_code == 302
    assert _post(client, f"/tech/jobs/{order.pk}/travel-start/").status_code == 302
    assert _post(client, f"/tech/jobs/{order.pk}/arrive/", location).status_code == 302


def test_arrival_with_a_position_asks_and_nothing_is_saved_until_yes(tech_client, order):
    _arrive(tech_client, order)
    page = tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    assert QUESTION in page
    assert "40.764012, -73.830044 (within 12 m)" in page
    customer = Customer.objects.get(pk=order.customer_id)
    assert customer.latitude is None and customer.longitude is None  # asked, not saved
    assert not CustomerHistory.objects.filter(customer=customer, notes__contains="Location").exists()

    response = tech_client.post(f"/tech/jobs/{order.pk}/save-location/", {"answer": "yes"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.latitude, customer.longitude) == (Decimal("40.764012"), Decimal("-73.830044"))
    line = CustomerHistory.objects.get(customer=customer, notes__startswith="Location saved")
    assert line.notes == (
        f"Location saved from Terry Tech's arrival on site for #{order.pk}: "
        "40.764012, -73.830044 (within 12 m)."
    )
    assert (line.created_by_type, line.work_order_id) == (ActorType.TECHNICIAN, order.pk)
    # Asked once: the customer has a location now.
    assert QUESTION not in tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    again = tech_client.post(f"/tech/jobs/{order.pk}/save-location/", {"answer": "yes"})
    assert again.status_code == 409
    assert "already has a location" in again.content.decode()


def test_no_saves_nothing_and_stops_asking(tech_client, order):
    _arrive(tech_client, order)
    response = tech_client.post(f"/tech/jobs/{order.pk}/save-location/", {"answer": "no"})
    assert response.status_code == 302
    assert QUESTION not in tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    customer = Customer.objects.get(pk=order.customer_id)
    assert customer.latitude is None
    assert not CustomerHistory.objects.filter(customer=customer, notes__startswith="Location").exists()


def test_no_question_without_a_position_or_when_the_customer_has_one(tech_client, technician, order):
    _arrive(tech_client, order, location={})
    assert QUESTION not in tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    refused = tech_client.post(f"/tech/jobs/{order.pk}/save-location/", {"answer": "yes"})
    assert refused.status_code == 409
    assert "without a position" in refused.content.decode()
    Customer.objects.filter(pk=order.customer_id).update(latitude=Decimal("40.7"), longitude=Decimal("-73.8"))
    assert QUESTION not in tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()


def test_bad_answers_and_other_peoples_jobs_are_refused(tech_client, order):
    _arrive(tech_client, order)
    assert tech_client.post(f"/tech/jobs/{order.pk}/save-location/", {"answer": "maybe"}).status_code == 400
    theirs = WorkOrderFactory(assigned_technician=TechnicianFactory())
    assert tech_client.post(f"/tech/jobs/{theirs.pk}/save-location/", {"answer": "yes"}).status_code == 404
    assert tech_client.get(f"/tech/jobs/{order.pk}/save-location/").status_code == 405
    assert Customer.objects.get(pk=order.customer_id).latitude is None


def test_the_question_is_answered_by_htmx_in_the_panel(tech_client, order):
    _arrive(tech_client, order)
    response = tech_client.post(
        f"/tech/jobs/{order.pk}/save-location/", {"answer": "yes"}, headers={"HX-Request": "true"}
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="panel"' in body and "<html" not in body
    assert "Saved: this spot is now the customer" in body
    assert QUESTION not in body  # answered: the panel no longer asks


def test_office_users_cannot_answer(office_client, order):
    assert office_client.post(f"/tech/jobs/{order.pk}/save-location/", {"answer": "yes"}).status_code == 403
