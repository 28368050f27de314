"""The office as a dispatcher reads it, at 1366 and 820 px: whole titles on the board, each order in
one place, AA contrast (axe-core) on every office page, alerts that are alerts, a live inbox."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch import clock, formatting, services
from dispatch.models import Notification, WorkOrderStatus
from dispatch.services import Actor
from dispatch.tests.factories import (
    CustomerFactory,
    NotificationFactory,
    TechnicianFactory,
    WorkOrderFactory,
    WorkOrderNoteFactory,
)
from fieldops.tests.factories import ClockRecordFactory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory
from techflow.tests.browser import contrast_violations, new_context, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = [1366, 820]
LONG_TITLE = "Washed-out image at the north parking garage entrance camera"


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _office(django_user_model):
    user = django_user_model.objects.create_user("office", password=PASSWORD, first_name="Olivia")
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    return user


def _sign_in(browser, live_server, width: int):
    context = new_context(browser, viewport={"width": width, "height": 900})
    page = context.new_page()
    sign_in(page, live_server.url, "office", then="/office/")
    return context, page


def _dispatch_day(now):
    today = clock.localdate()
    mike = TechnicianFactory(name="Mike Johnson")
    sarah = TechnicianFactory(name="Sarah Williams")
    bank = CustomerFactory(name="City Bank")
    long_one = WorkOrderFactory(
        title=LONG_TITLE,
        customer=bank,
        assigned_technician=mike,
        scheduled_for=_at(today, 9),
        estimated_minutes=75,  # a length whose classes once met Bootstrap's padding utilities (p-5)
    )
    # Pending with a technician, today: in Mike's row only.
    pending_today = WorkOrderFactory(
        title="Recording gaps on the pharmacy recorder",
        assigned_technician=mike,
        status=WorkOrderStatus.PENDING,
        scheduled_for=_at(today, 13),
        estimated_minutes=30,
    )
    # Pending with a technician from a day that has passed (no access): the tray only.
    missed = WorkOrderFactory(
        title="NVR upgrade: staff parking lot",
        assigned_technician=sarah,
        status=WorkOrderStatus.PENDING,
        scheduled_for=_at(today - dt.timedelta(days=1), 13),
    )
    unassigned = WorkOrderFactory(
        title="Camera offline: mail room", assigned_technician=None, status="pending", scheduled_for=None
    )
    return [long_one, pending_today, missed, unassigned]


def test_the_board_shows_whole_titles_each_order_once_and_passes_the_contrast_check(
    browser, live_server, django_user_model, now
):
    _office(django_user_model)
    orders = _dispatch_day(now)
    long_one, pending_today, missed, unassigned = orders
    for width in WIDTHS:
        context, page = _sign_in(browser, live_server, width)
        for view in ("day", "week"):
            page.goto(f"{live_server.url}/office/board/?view={view}")
            shot(page, f"board-{view}-{width}")
            for order in orders:
                expect(page.locator(f"#card-{order.pk}")).to_have_count(1)
            expect(page.locator(f"#tray #card-{missed.pk}")).to_have_count(1)
            expect(page.locator(f"#tray #card-{unassigned.pk}")).to_have_count(1)
            expect(page.locator(f"#tray #card-{pending_today.pk}")).to_have_count(0)
            title = page.locator(f"#card-{long_one.pk} .title")
            expect(title).to_have_text(f"#{long_one.pk} {LONG_TITLE}")
            # The whole title is on screen: nothing cut, nothing hidden under the next column.
            clipped = title.evaluate(
                "el => el.scrollWidth > el.clientWidth + 1"
                " || getComputedStyle(el).textOverflow === 'ellipsis'"
            )
            assert not clipped, f"the title is cut at {width} px in the {view} view"
            # Every card gives its title the card's width (not a letter per line).
            squeezed = page.evaluate(
                """() => [...document.querySelectorAll('.wo-card:not(.short)')]
                    .filter(c => c.querySelector('.title').offsetWidth < 0.6 * c.clientWidth)
                    .map(c => c.id)"""
            )
            assert squeezed == [], f"titles squeezed at {width} px in the {view} view: {squeezed}"
            card = page.locator(f"#card-{long_one.pk}")
            assert card.locator(".customer").inner_text() == "City Bank"
            assert contrast_violations(page) == [], f"board {view} at {width} px"
        context.close()


def test_today_counts_alerts_not_routine_changes_and_dates_what_is_not_today(
    browser, live_server, django_user_model, now
):
    _office(django_user_model)
    _dispatch_day(now)
    order = WorkOrderFactory(title="Firmware and health check")
    today_alert = NotificationFactory(work_order=order, message="Sarah: the customer wants a second camera")
    yesterday = timezone.now() - dt.timedelta(days=1)
    old_alert = NotificationFactory(work_order=order, message="David: NVR drive 2 reports SMART errors")
    Notification.objects.filter(pk=old_alert.pk).update(created_at=yesterday)
    NotificationFactory(
        work_order=order,
        notification_type=Notification.Type.STATUS_CHANGE,
        message=f"Mike Johnson started #{order.pk}",
    )
    for width in WIDTHS:
        context, page = _sign_in(browser, live_server, width)
        expect(page.locator("#unread-badge")).to_have_text("2")
        alerts = page.locator("#today-alerts")
        expect(alerts).to_contain_text("2 unread alerts")
        expect(alerts).not_to_contain_text("started")
        expect(alerts).to_contain_text(formatting.when(yesterday))
        assert formatting.day_text(timezone.localtime(yesterday).date()) in formatting.when(yesterday)
        expect(alerts).to_contain_text(today_alert.message)
        shot(page, f"today-{width}")
        assert contrast_violations(page) == [], f"Today at {width} px"
        context.close()


def test_the_notifications_list_updates_while_it_is_open(browser, live_server, django_user_model, now):
    _office(django_user_model)
    order = WorkOrderFactory(title="Camera offline: store register")
    NotificationFactory(work_order=order, message="First alert")
    context, page = _sign_in(browser, live_server, 1366)
    page.goto(f"{live_server.url}/office/notifications/")
    expect(page.locator("#inbox-unread")).to_have_text("1 unread")
    services.work_order_note_add(
        work_order=order,
        text="Customer's dog is loose in the yard: call before you go in",
        actor=Actor.system(),
        technician=order.assigned_technician,
        alert_office=True,
    )
    inbox = page.locator("#inbox")
    expect(inbox).to_contain_text("Customer's dog is loose", timeout=25_000)
    expect(page.locator("#inbox-unread")).to_have_text("2 unread")
    context.close()


def test_every_office_page_passes_the_contrast_check(browser, live_server, django_user_model, now):
    _office(django_user_model)
    orders = _dispatch_day(now)
    order = orders[0]
    WorkOrderNoteFactory(work_order=order, alert_office=True, note_text="Ladder needed on site")
    NotificationFactory(work_order=order)
    NotificationFactory(work_order=order, is_read=True)
    truck = TruckFactory()
    TruckInventoryFactory(truck=truck, item=InventoryItemFactory(), quantity=0)
    ClockRecordFactory(technician=order.assigned_technician, truck=truck)
    completed = WorkOrderFactory(status=WorkOrderStatus.COMPLETED, scheduled_for=_at(clock.localdate(), 8))
    pages = [
        "/office/",
        "/office/board/",
        "/office/board/?view=week",
        "/office/work-orders/",
        "/office/work-orders/new/",
        f"/office/work-orders/{order.pk}/",
        f"/office/work-orders/{completed.pk}/",
        f"/office/work-orders/{orders[3].pk}/suggestions/",
        "/office/customers/",
        "/office/customers/new/",
        f"/office/customers/{order.customer_id}/",
        "/office/technicians/",
        f"/office/technicians/{order.assigned_technician_id}/",
        "/office/notifications/",
        "/office/field/",
        "/office/field/timesheets/",
        "/office/field/transcripts/",
        "/office/inventory/",
        "/office/inventory/items/",
        f"/office/inventory/trucks/{truck.pk}/",
        "/office/inventory/movements/",
        "/office/inventory/usage/",
    ]
    for width in WIDTHS:
        context, page = _sign_in(browser, live_server, width)
        found = {}
        for path in pages:
            page.goto(f"{live_server.url}{path}")
            violations = contrast_violations(page)
            if violations:
                found[path] = violations
        assert found == {}, f"contrast below WCAG AA at {width} px: {found}"
        context.close()
