"""Clocking in on a large fleet, on a phone in a real Chromium: the recent trucks are listed, any
other is found by typing part of its name, and Enter in the search box clocks nobody in."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.tests.factories import TechnicianFactory
from fieldops import services
from fieldops.models import ClockRecord
from inventory.tests.factories import TruckFactory
from techflow.tests.browser import PHONE, new_context, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_technician_finds_a_truck_by_number_and_clocks_in_on_it(browser, live_server, django_user_model):
    user = django_user_model.objects.create_user("sam", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    sam = TechnicianFactory(name="Sam Okafor", user=user)
    trucks = [TruckFactory(name=f"Service Truck {i:03d}") for i in range(1, 41)]
    yesterday = timezone.now() - dt.timedelta(days=1)
    with time_machine.travel(yesterday, tick=False):
        services.clock_in(technician=sam, truck=trucks[4])
    with time_machine.travel(yesterday + dt.timedelta(hours=8), tick=False):
        services.clock_out(technician=sam)

    context = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, "sam", then="/tech/")
    select = page.locator("#truck")
    expect(select.locator("option")).to_have_count(1)
    expect(select).to_have_value(str(trucks[4].pk))
    shot(page, "truck-search-01-recent")

    search = page.get_by_label("Find a truck")
    search.fill("37")
    expect(select.locator("option")).to_have_count(1)
    expect(select.locator("option")).to_have_text("Service Truck 037")
    search.press("Enter")  # outside the form: nothing is submitted
    page.wait_for_timeout(300)
    assert not ClockRecord.objects.filter(clock_out_time__isnull=True).exists()
    shot(page, "truck-search-02-found")

    page.get_by_role("button", name="Clock in", exact=True).click()
    expect(page.locator("#shift")).to_contain_text("Clocked in with Service Truck 037")
    shot(page, "truck-search-03-clocked-in")
    record = ClockRecord.objects.get(clock_out_time__isnull=True)
    assert record.technician == sam and record.truck == trucks[36]
    context.close()
