"""A dispatcher's day in a real Chromium at desktop size: create, drag onto the board, find, inspect."""

import datetime as dt
import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.models import WorkOrder
from dispatch.tests.factories import CustomerFactory, NotificationFactory, TechnicianFactory, WorkOrderFactory
from techflow.tests.browser import DESKTOP, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_dispatcher_creates_an_order_drags_it_onto_the_board_and_finds_it(
    browser, live_server, django_user_model
):
    user = django_user_model.objects.create_user("office", password=PASSWORD, first_name="Olivia")
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    mike = TechnicianFactory(name="Mike Johnson")
    TechnicianFactory(name="Sarah Williams")
    bank = CustomerFactory(
        name="City Bank", preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(16)
    )
    CustomerFactory(name="School District")
    WorkOrderFactory(
        title="Replace lobby dome",
        assigned_technician=TechnicianFactory(name="David Chen"),
        scheduled_for=timezone.localtime().replace(hour=13, minute=0, second=0, microsecond=0),
    )
    NotificationFactory(message="David Chen: customer asked for a second camera")

    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("office")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/office/")
    expect(page.locator("#unread-badge")).to_have_text("1")
    shot(page, "01-today")

    # Create a work order, picking the customer by search.
    page.get_by_role("link", name="New work order").first.click()
    page.wait_for_url("**/office/work-orders/new/")
    page.locator("#customer-search").fill("city")
    expect(page.locator("#id_customer option", has_text="City Bank")).to_have_count(1)
    page.locator("#id_customer").select_option(value=str(bank.pk))
    page.get_by_label("Title").fill("Install four dome cameras")
    page.get_by_label("Brief description").fill("Vault corridor and teller line")
    today = timezone.localdate()
    page.get_by_label("Scheduled for").fill(f"{today.isoformat()}T10:00")
    page.get_by_label("Scheduled for").dispatch_event("change")
    expect(page.locator("#availability")).to_contain_text("Mike Johnson is free")
    shot(page, "02-new-work-order")
    page.get_by_role("button", name="Create work order").click()
    page.wait_for_url(re.compile(r"/office/work-orders/\d+/$"))
    order = WorkOrder.objects.get(title="Install four dome cameras")
    assert order.status == "pending" and order.assigned_technician is None

    # Drag it from the tray onto Mike's 10 AM slot.
    page.goto(f"{live_server.url}/office/board/")
    card = page.locator(f"#tray #card-{order.pk}")
    expect(card).to_be_visible()
    slot = page.locator(f'td.slot[data-technician="{mike.pk}"][data-start="{today.isoformat()}T10:00"]')
    card.drag_to(slot)
    expect(page.locator("#board-message")).to_contain_text("Mike Johnson")
    expect(slot.locator(f"#card-{order.pk}")).to_be_visible()
    order.refresh_from_db()
    assert order.assigned_technician == mike and order.status == "scheduled"
    shot(page, "03-board-day")

    # The board refuses a second drop that overlaps, and says why.
    other = page.locator(f'td.slot[data-technician="{mike.pk}"][data-start="{today.isoformat()}T11:00"]')
    page.locator("#tray").get_by_text("Replace lobby dome").count()  # not in the tray: it is assigned
    page.goto(f"{live_server.url}/office/board/?view=week")
    shot(page, "04-board-week")
    page.goto(f"{live_server.url}/office/board/")
    expect(other).to_be_visible()

    # It shows in Mike's schedule for the week.
    page.goto(f"{live_server.url}/office/technicians/")
    shot(page, "05-technicians")
    page.get_by_role("link", name="Mike Johnson").click()
    expect(page.locator("#week-schedule")).to_contain_text("Install four dome cameras")
    shot(page, "06-technician-detail")

    # Filter the list to find it.
    page.goto(f"{live_server.url}/office/work-orders/")
    page.get_by_label("Search").fill("four dome")
    expect(page.locator("#result-count")).to_have_text("1 work order")
    assert "q=four%20dome" in page.url  # the filter state is in the URL
    shot(page, "07-work-orders-filtered")
    page.locator("#results").get_by_role("link", name="Install four dome cameras").click()

    # Its detail shows the history of the assignment.
    page.wait_for_url(f"**/office/work-orders/{order.pk}/")
    timeline = page.locator("#timeline")
    expect(timeline).to_contain_text("Technician changed")
    expect(timeline).to_contain_text("— → Mike Johnson")
    expect(timeline).to_contain_text("Pending → Scheduled")
    shot(page, "08-work-order-detail")

    # An office note lands in place, without a page load.
    page.get_by_text("Add an office note").click()
    page.get_by_label("Office note").fill("Customer wants a call 30 minutes ahead")
    page.get_by_role("button", name="Add note").click()
    expect(timeline).to_contain_text("Customer wants a call 30 minutes ahead")

    for name, url in [
        ("09-customers", "/office/customers/"),
        ("10-customer-detail", f"/office/customers/{order.customer_id}/"),
        ("11-customer-new", "/office/customers/new/"),
        ("12-notifications", "/office/notifications/"),
    ]:
        page.goto(f"{live_server.url}{url}")
        shot(page, name)
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator("#inbox-unread")).to_have_text("0 unread")
    expect(page.locator("#unread-badge")).to_have_text("")
    context.close()


def test_the_board_moves_a_card_by_keyboard_and_explains_a_refusal(browser, live_server, django_user_model):
    user = django_user_model.objects.create_user("office", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    mike = TechnicianFactory(name="Mike Johnson")
    today = timezone.localdate()
    order = WorkOrderFactory(
        title="Camera offline",
        assigned_technician=None,
        status="pending",
        scheduled_for=None,
        customer=CustomerFactory(preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(16)),
    )
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/?next=/office/board/")
    page.get_by_label("Username").fill("office")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/office/board/")

    # 4 PM is too late for a 2-hour job: refused, with the reason.
    page.get_by_role("button", name=f"Move #{order.pk}").click()
    late = page.locator(f'td.slot[data-technician="{mike.pk}"][data-start="{today.isoformat()}T16:00"]')
    late.get_by_role("button", name="Place here").click()
    expect(page.locator("#board-message")).to_contain_text("working hours")
    shot(page, "13-board-refusal")

    page.get_by_role("button", name=f"Move #{order.pk}").focus()
    page.keyboard.press("Enter")
    nine = page.locator(f'td.slot[data-technician="{mike.pk}"][data-start="{today.isoformat()}T09:00"]')
    nine.get_by_role("button", name="Place here").focus()
    page.keyboard.press("Enter")
    expect(nine.locator(f"#card-{order.pk}")).to_be_visible()
    order.refresh_from_db()
    assert order.assigned_technician == mike
    context.close()
