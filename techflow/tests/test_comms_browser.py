"""Calls, customer messages, operational events and reports in a real Chromium: the office at
desktop size, the technician at phone size."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch import calls
from dispatch.models import CommunicationCallDetail, CommunicationMessage, MessageKind
from dispatch.scheduling import week_start
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops import events, services
from fieldops.models import OperationalEvent
from inventory.tests.factories import TruckFactory
from techflow.tests.browser import DESKTOP, PHONE, new_context, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = {"latitude": 40.7128, "longitude": -74.006, "accuracy": 15}


@pytest.fixture
def office(django_user_model):
    user = django_user_model.objects.create_user("office", password=PASSWORD, first_name="Olivia")
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    return user


def _office_page(browser, live_server):
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "office")
    page.wait_for_url(f"{live_server.url}/office/")
    return page


def test_a_missed_call_is_logged_waits_in_the_queue_and_is_called_back(
    browser, live_server, office, monkeypatch
):
    bank = CustomerFactory(name="City Bank", phone="555-0142")
    # The technician selects show the first by name (here one) and find the rest by a search.
    monkeypatch.setattr("dispatch.selectors.TECHNICIAN_OPTIONS_LIMIT", 1)
    TechnicianFactory(name="Amy First")
    later = TechnicianFactory(name="Zoe Later")
    page = _office_page(browser, live_server)

    # Two clicks from the customer's page: open "Log a call", pick Missed, "Log call".
    page.goto(f"{live_server.url}/office/customers/{bank.pk}/")
    page.get_by_text("Log a call").click()
    page.get_by_label("Call").select_option("missed")
    page.get_by_label("Notes").fill("Vault camera offline, please call back")
    shot(page, "calls-1-log-from-customer")
    page.get_by_role("button", name="Log call").click()
    expect(page.get_by_text("Missed call logged.")).to_be_visible()
    expect(page.locator("#customer-timeline")).to_contain_text("Missed call")
    call = CommunicationMessage.objects.get(customer=bank)
    assert call.call_detail.call_type == "missed" and call.logged_by == office

    # The call log, then the queue.
    page.get_by_role("link", name="Calls", exact=True).click()
    # Loaded, htmx's triggers bound: a search typed while a busy machine still ran the scripts
    # would send nothing.
    page.wait_for_url(f"{live_server.url}/office/calls/", wait_until="load")
    expect(page.locator("#call-table")).to_contain_text("City Bank")
    expect(page.locator("#waiting-count")).to_have_text("1")
    shot(page, "calls-2-log")
    page.get_by_label("Find a technician by name").fill("zoe")
    expect(page.locator("#id_technician option", has_text="Zoe Later")).to_have_count(1)
    page.locator("#id_technician").select_option(value=str(later.pk))
    expect(page).to_have_url(re.compile(rf"technician={later.pk}"))
    expect(page.locator("#result-count")).to_have_text("0 calls")
    page.get_by_text("Log a call").click()
    page.get_by_label("Find the technician by name").fill("zoe")
    expect(page.locator("#call_technician option", has_text="Zoe Later")).to_have_count(1)
    expect(page.locator("#call_technician option", has_text="Amy First")).to_have_count(0)
    shot(page, "calls-2b-technician-search")
    page.get_by_role("link", name="Missed-call queue").click()
    page.wait_for_url(f"{live_server.url}/office/calls/missed/", wait_until="load")
    row = page.locator(f"#queue-{call.pk}")
    expect(row).to_contain_text("City Bank")
    expect(row).to_contain_text("min")  # the wait so far
    shot(page, "calls-3-queue")
    row.get_by_label("What was said").fill("Booked a visit for Friday")
    row.get_by_role("button", name="Called back").click()
    expect(page.locator("#queue-count")).to_contain_text("0 calls waiting")
    shot(page, "calls-4-queue-empty")
    detail = CommunicationCallDetail.objects.get(communication_message=call)
    assert detail.called_back_by == office and detail.called_back_at is not None
    assert CommunicationMessage.objects.filter(customer=bank, call_detail__call_type="outbound").count() == 1


def test_starting_travel_sends_the_customer_on_my_way_with_an_eta(
    browser, live_server, office, django_user_model
):
    user = django_user_model.objects.create_user("sarah", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    sarah = TechnicianFactory(name="Sarah Williams", user=user)
    truck = TruckFactory(name="Service Truck 202")
    customer = CustomerFactory(name="School District", email="office@school.example", phone="+15550199")
    order = WorkOrderFactory(assigned_technician=sarah, customer=customer, title="Replace hallway camera")
    services.clock_in(technician=sarah, truck=truck)

    context = new_context(
        browser,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=NEW_YORK,
        permissions=["geolocation"],
    )
    page = context.new_page()
    sign_in(page, live_server.url, "sarah")
    page.wait_for_url(f"{live_server.url}/tech/")
    expect(page.locator("#my-week")).to_contain_text("This week: 0 jobs")
    shot(page, "messages-0-phone-my-day")
    page.get_by_role("link", name="Open job").tap()
    page.wait_for_url(f"{live_server.url}/tech/jobs/{order.pk}/")
    page.get_by_role("button", name="Start travel", exact=True).tap()
    page.get_by_role("button", name="Arrived").wait_for()
    shot(page, "messages-1-phone-travelling")

    messages = CommunicationMessage.objects.filter(kind=MessageKind.ON_MY_WAY, work_order=order)
    assert {m.channel_type for m in messages} == {"email", "sms"}
    assert all(m.delivery_status == "sent" and "expects to arrive about" in m.body for m in messages)

    office_page = _office_page(browser, live_server)
    office_page.get_by_role("link", name="Messages").click()
    table = office_page.locator("#message-table")
    expect(table).to_contain_text("On my way")
    expect(table).to_contain_text("expects to arrive about")
    expect(table).to_contain_text("Sent")
    shot(office_page, "messages-2-office-list")
    office_page.goto(f"{live_server.url}/office/work-orders/{order.pk}/")
    expect(office_page.locator("#timeline")).to_contain_text(
        "Email to the customer: Sarah Williams is on the way"
    )
    shot(office_page, "messages-3-work-order-timeline")


def test_a_job_running_late_raises_an_event_the_office_resolves(browser, live_server, office, now):
    mike = TechnicianFactory(name="Mike Johnson")
    order = WorkOrderFactory(
        assigned_technician=mike, title="Lobby dome", scheduled_for=now - dt.timedelta(minutes=40)
    )
    [event] = events.raise_due_events()
    OperationalEvent.objects.create(
        event_type="emergency_stop",
        event_category="security",
        severity="critical",
        title="Emergency stop: test",
    )
    page = _office_page(browser, live_server)
    expect(page.locator("#critical-events")).to_contain_text("Emergency stop: test")
    shot(page, "events-1-critical-banner")
    page.get_by_role("link", name="Events").click()
    page.wait_for_url(re.compile(r"/events/$"), wait_until="load")  # htmx bound before the form is used
    item = page.locator(f"#event-{event.pk}")
    expect(item).to_contain_text("Mike Johnson is late to start")
    expect(item.get_by_role("link", name=f"Work order #{order.pk}")).to_be_visible()
    shot(page, "events-2-list")
    item.get_by_label(f"Resolution note for {event.title}").fill("Mike was stuck in traffic, customer told")
    item.get_by_role("button", name="Resolve").click()
    expect(page.locator("#events")).to_contain_text(f"Resolved: {event.title}")
    expect(page.locator(f"#event-{event.pk}")).to_have_count(0)
    event.refresh_from_db()
    assert event.resolved_by == office and "traffic" in event.resolution_note
    page.locator("#event-state").select_option("resolved")
    expect(page.locator(f"#event-{event.pk}")).to_contain_text("Resolved")
    expect(page.locator(f"#event-{event.pk}")).to_contain_text("Olivia")
    shot(page, "events-3-resolved")


def _worked_day(tech, truck, day, order, start_hour):
    def at(hour, minute=0):
        return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))

    steps = [
        (at(start_hour - 1), lambda: services.clock_in(technician=tech, truck=truck)),
        (at(start_hour - 1, 30), lambda: services.job_travel_start(technician=tech, work_order=order)),
        (at(start_hour, 5), lambda: services.job_arrive(technician=tech, work_order=order)),
        (at(start_hour, 6), lambda: services.job_work_start(technician=tech, work_order=order)),
        (at(start_hour + 2), lambda: services.job_complete(technician=tech, work_order=order, note="Done")),
        (at(start_hour + 2, 1), lambda: services.job_leave(technician=tech, work_order=order)),
        (at(start_hour + 4), lambda: services.clock_out(technician=tech)),
    ]
    for moment, step in steps:
        with time_machine.travel(moment, tick=False):
            step()


def test_the_reports_page_for_last_week_draws_its_charts(browser, live_server, office, now):
    monday = week_start(timezone.localdate(now)) - dt.timedelta(days=7)
    for name, offset in (("Mike Johnson", 0), ("Sarah Williams", 1), ("David Chen", 2)):
        tech, truck = TechnicianFactory(name=name), TruckFactory()
        for day in range(offset, 5, 2):
            when = monday + dt.timedelta(days=day)
            with time_machine.travel(
                timezone.make_aware(dt.datetime.combine(monday, dt.time(6))), tick=False
            ):
                order = WorkOrderFactory(
                    assigned_technician=tech,
                    scheduled_for=timezone.make_aware(dt.datetime.combine(when, dt.time(9))),
                )
            _worked_day(tech, truck, when, order, 9)
    for day, call_type in ((0, "inbound"), (0, "missed"), (1, "inbound"), (2, "voicemail"), (3, "outbound")):
        with time_machine.travel(
            timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=day), dt.time(11)))
        ):
            calls.call_record(call_type=call_type, customer=CustomerFactory())
    page = _office_page(browser, live_server)
    page.get_by_role("link", name="Reports").click()
    expect(page.locator("#report-period")).to_contain_text(f"{monday:%b} {monday.day}")
    for chart in ("chart-jobs", "chart-calls", "chart-rates", "chart-types"):
        expect(page.locator(f"#{chart}")).to_have_attribute("data-drawn", "true")
    expect(page.locator("#report-technicians")).to_contain_text("Mike Johnson")
    expect(page.locator("#kpis")).to_contain_text("100%")  # every arrival on time, no follow-ups
    expect(page.locator("#kpis")).to_contain_text("3 / 2")  # calls answered / missed
    shot(page, "reports-1-last-week")
    # One technician's numbers: found by name in the period form, then shown.
    page.get_by_label("Find a technician by name").fill("Sarah")
    expect(page.locator("#report-technician option")).to_have_count(2)  # "1 match" and Sarah
    page.locator("#report-technician").select_option(label="Sarah Williams")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("#report-period")).to_contain_text("Sarah Williams")
    expect(page.locator("#report-technicians tbody tr")).to_have_count(1)
    expect(page.locator("#kpis")).to_contain_text("2")  # her two jobs
    shot(page, "reports-2-one-technician")
    # Enter in the search asks for the matches again and does not reload the page without them
    # (reports.js keeps that form from submitting: it has run once the charts are drawn).
    expect(page.locator("#chart-jobs")).to_have_attribute("data-drawn", "true")
    url = page.url
    page.get_by_label("Find a technician by name").fill("David")
    page.get_by_label("Find a technician by name").press("Enter")
    expect(page.locator("#report-technician option", has_text="David Chen")).to_have_count(1)
    assert page.url == url
