"""A clock-in refused because another technician drives the truck reaches the office's inbox."""

import uuid

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.tests.factories import TechnicianFactory
from fieldops import services
from inventory.tests.factories import TruckFactory
from techflow.tests.browser import DESKTOP, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_truck_in_use_refusal_is_an_unread_alert_in_the_inbox(
    browser, live_server, django_user_model, client
):
    office = django_user_model.objects.create_user("olivia", password=PASSWORD, first_name="Olivia")
    office.groups.add(Group.objects.get_or_create(name="Office")[0])
    tech_user = django_user_model.objects.create_user("mike", password=PASSWORD)
    tech_user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    TechnicianFactory(name="Mike Johnson", user=tech_user)
    truck = TruckFactory(name="Service Truck 201")
    services.clock_in(technician=TechnicianFactory(name="David Kim"), truck=truck)
    client.force_login(tech_user)
    answer = client.post("/tech/clock-in/", {"idempotency_key": str(uuid.uuid4()), "truck": truck.pk})
    assert answer.status_code == 409

    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/office/")
    page.goto(f"{live_server.url}/office/notifications/")
    item = page.get_by_text("Mike Johnson: “Clock in” was refused: Service Truck 201 is in use")
    expect(item).to_be_visible()
    expect(page.get_by_text("Refused action").first).to_be_visible()
    shot(page, "inbox-refused-action", full_page=False)
    context.close()
