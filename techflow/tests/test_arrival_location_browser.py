"""First arrival capture on a phone (390x844), in a real Chromium with the position allowed: after
Arrived at a customer with no location, the page asks; Yes saves the spot the phone sent."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from conftest import PASSWORD
from dispatch.models import Customer, CustomerHistory
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops import services
from inventory.tests.factories import TruckFactory
from techflow.tests.browser import PHONE, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SITE = {"latitude": 40.764012, "longitude": -73.830044, "accuracy": 15}


def test_arrived_asks_to_save_the_spot_and_yes_saves_it(browser, live_server, django_user_model):
    user = django_user_model.objects.create_user("mike", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    mike = TechnicianFactory(name="Mike Johnson", user=user)
    customer = CustomerFactory(name="Apartment Complex", latitude=None, longitude=None)
    at = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(10)))
    order = WorkOrderFactory(assigned_technician=mike, customer=customer, scheduled_for=at)
    services.clock_in(technician=mike, truck=TruckFactory())
    services.job_travel_start(technician=mike, work_order=order)

    context = new_context(
        browser, viewport=PHONE, is_mobile=True, has_touch=True, geolocation=SITE, permissions=["geolocation"]
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/?next=/tech/jobs/{order.pk}/")
    page.get_by_label("Username").fill("mike")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/tech/jobs/{order.pk}/")
    page.wait_for_function("document.querySelector('input[name=latitude]').value !== ''", timeout=10_000)
    page.get_by_role("button", name="Arrived", exact=True).tap()
    question = page.get_by_text("Save this spot as the customer's location?")
    question.wait_for()
    shot(page, "arrival-asks", full_page=False)
    # Asked, not saved.
    assert Customer.objects.get(pk=customer.pk).latitude is None
    page.get_by_role("button", name="Yes, save it").tap()
    page.get_by_text("Saved: this spot is now the customer's location.").wait_for()
    customer.refresh_from_db()
    assert (str(customer.latitude), str(customer.longitude)) == ("40.764012", "-73.830044")
    assert CustomerHistory.objects.filter(
        customer=customer, notes__startswith="Location saved from Mike"
    ).exists()
    assert question.count() == 0
