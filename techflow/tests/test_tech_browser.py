"""A technician's whole day on a phone, in a real Chromium: online, and with the network gone."""

import gzip
from urllib.parse import urlparse

import brotli
import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.utils import timezone

from conftest import PASSWORD
from dispatch.models import ManualNotification, Notification, WorkOrderNote
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import ActivityType, ClockRecord, TechnicianActivity, TravelLog
from inventory.models import TruckInventory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory
from techflow.tests.browser import DESKTOP, PHONE, new_context, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_YORK = {"latitude": 40.7128, "longitude": -74.006, "accuracy": 15}
WAIT_MS = 10_000


def _user(django_user_model, username: str, group: str):
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def _phone(browser):
    context = new_context(
        browser,
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation=NEW_YORK,
        permissions=["geolocation"],
    )
    return context, context.new_page()


def _wait_until(page, check, what: str) -> None:
    """Poll the database while the page works (replays run in the browser, not in this thread)."""
    for _ in range(100):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def _located(page) -> None:
    page.wait_for_function(
        "() => [...document.querySelectorAll('input[name=latitude]')].every(i => i.value !== '')",
        timeout=WAIT_MS,
    )


def _assert_phone_friendly(page) -> None:
    """Nothing wider than a 360 px phone, and every visible tap target at least 44 px tall."""
    page.set_viewport_size({"width": 360, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    # A switch is tapped anywhere on its row (its label), so the row is the target.
    targets = ", ".join(
        ["main a.btn", "main button", "main select", "main .job-row", "main summary", "main .back-link"]
        + ["nav a", "nav button", ".form-switch"]
    )
    small = page.evaluate(
        """(selector) => [...document.querySelectorAll(selector)]
            .filter(e => e.offsetParent !== null)
            .filter(e => e.getBoundingClientRect().height < 44)
            .map(e => e.outerHTML.slice(0, 80))""",
        targets,
    )
    assert small == []
    page.set_viewport_size(PHONE)


@pytest.fixture
def day(django_user_model):
    """Mike's day: two jobs today, a truck with stock, and the office watching."""
    mike = TechnicianFactory(name="Mike Johnson", user=_user(django_user_model, "mike", "Technicians"))
    _user(django_user_model, "dispatcher", "Office")
    truck = TruckFactory(name="Service Truck 201")
    TruckFactory(name="Service Truck 202")
    item = InventoryItemFactory(name="RJ45 Connector")
    TruckInventoryFactory(truck=truck, item=item, quantity=100)
    at = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    customer = CustomerFactory(name="Riverside Dental", address="12 River Rd, Springfield")
    first = WorkOrderFactory(
        assigned_technician=mike, customer=customer, title="Install four dome cameras", scheduled_for=at
    )
    WorkOrderFactory(assigned_technician=mike, title="Replace NVR drive", scheduled_for=at.replace(hour=14))
    WorkOrderFactory(
        assigned_technician=mike,
        customer=customer,
        title="Site survey",
        status="completed",
        scheduled_for=at - timezone.timedelta(days=30),
    )
    ManualNotification.objects.create(
        technician=mike, work_order=first, priority="urgent", message="Customer asks you to use the side gate"
    )
    ManualNotification.objects.create(technician=mike, message="Team lunch Friday", is_read=True)
    return {"mike": mike, "truck": truck, "item": item, "order": first}


def _tap(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).tap()


def _first_load_bytes(page, url: str) -> dict[str, int]:
    """Each resource a fresh load of `url` fetches, by its size as production sends it: static files
    brotli-compressed (whitenoise serves the .br copy collectstatic writes, at brotli's default
    quality), pages gzip-compressed by GZipMiddleware (level 6). The test server sends both plain."""
    sizes: dict[str, int] = {}

    def note(response):
        try:
            body = response.body()
            static = urlparse(response.url).path.startswith(settings.STATIC_URL)
            sizes[response.url] = len(brotli.compress(body) if static else gzip.compress(body, 6))
        except Exception:  # a redirect has no body to count
            sizes.setdefault(response.url, 0)

    page.on("response", note)
    page.goto(url, wait_until="networkidle")
    page.remove_listener("response", note)
    return sizes


def test_my_day_first_load_is_at_most_60_kb_over_the_wire(browser, live_server, day):
    context = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    sign_in(page, live_server.url, "mike")
    page.wait_for_url(f"{live_server.url}/tech/")
    fresh = new_context(
        browser, viewport=PHONE, is_mobile=True, has_touch=True, storage_state=context.storage_state()
    )
    sizes = _first_load_bytes(fresh.new_page(), f"{live_server.url}/tech/")
    total = sum(sizes.values())
    assert total <= 60_000, sorted(sizes.items(), key=lambda kv: -kv[1])
    assert not any("bootstrap.bundle" in url or "bootstrap-icons" in url for url in sizes)
    fresh.close()
    context.close()


def test_mike_runs_his_whole_day_from_the_phone(browser, live_server, day):
    mike, truck, item, order = day["mike"], day["truck"], day["item"], day["order"]
    context, page = _phone(browser)
    sign_in(page, live_server.url, "mike")
    page.wait_for_url(f"{live_server.url}/tech/")
    _located(page)
    shot(page, "tech-1-my-day-off")
    _assert_phone_friendly(page)

    # Clock in with the truck.
    page.get_by_label("Truck").select_option(label="Service Truck 201")
    _tap(page, "Clock in")
    page.get_by_text("Clocked in with Service Truck 201").wait_for()
    record = ClockRecord.objects.get(technician=mike)
    assert record.is_open and record.truck == truck
    shift_start = TechnicianActivity.objects.get(technician=mike, activity_type=ActivityType.SHIFT_START)
    assert float(shift_start.latitude) == pytest.approx(40.7128) and shift_start.accuracy_meters == 15
    shot(page, "tech-2-my-day-on-shift")
    _assert_phone_friendly(page)

    # The office's message, read; the office sees it read.
    assert page.get_by_text("1 new").is_visible()
    page.get_by_role("button", name="Mark read").tap()
    page.get_by_text("Marked read.").wait_for()
    assert ManualNotification.objects.get(priority="urgent").is_read
    assert page.get_by_text("1 new").count() == 0

    # A break before the first job.
    _tap(page, "Take a break")
    page.get_by_role("button", name="End break").wait_for()
    shot(page, "tech-2b-my-day-on-break")
    _tap(page, "End break")
    page.get_by_role("button", name="Take a break").wait_for()
    assert [
        a.activity_type for a in TechnicianActivity.objects.filter(technician=mike).order_by("created_at")
    ][1:] == [ActivityType.BREAK_START, ActivityType.BREAK_END]

    # The job, step by step: only the next button shows.
    page.get_by_role("link", name="Open job").tap()
    page.wait_for_url(f"{live_server.url}/tech/jobs/{order.pk}/")
    _located(page)
    shot(page, "tech-3-job-on-shift")
    _assert_phone_friendly(page)
    assert page.get_by_role("button", name="Arrived").count() == 0
    _tap(page, "Start travel")
    page.get_by_role("button", name="Arrived").wait_for()
    assert TravelLog.objects.get(work_order=order).travel_end_time is None
    shot(page, "tech-4-job-traveling")

    _tap(page, "Arrived")
    page.get_by_role("button", name="Start work").wait_for()
    order.refresh_from_db()
    assert order.status == "in_progress"
    assert TravelLog.objects.get(work_order=order).travel_end_time is not None
    arrived = TechnicianActivity.objects.get(technician=mike, activity_type=ActivityType.ARRIVED_ON_SITE)
    assert arrived.work_order == order and arrived.latitude is not None

    _tap(page, "Start work")
    page.get_by_role("button", name="Pause").wait_for()
    assert TechnicianActivity.objects.filter(
        activity_type=ActivityType.WORK_STARTED, work_order=order
    ).exists()
    shot(page, "tech-5-job-working")

    # A note that alerts the office.
    page.get_by_label("Note", exact=True).fill("Customer wants two more cameras quoted")
    page.get_by_label("Alert office").check()
    _tap(page, "Add note")
    page.get_by_text("Note sent to the office.").wait_for()
    note = WorkOrderNote.objects.get(work_order=order)
    assert note.alert_office and note.technician == mike
    assert Notification.objects.filter(work_order=order, notification_type="note_alert").exists()

    office = new_context(browser, viewport=DESKTOP)
    office_page = office.new_page()
    sign_in(office_page, live_server.url, "dispatcher")
    office_page.wait_for_url(f"{live_server.url}/office/")
    assert office_page.get_by_text("Customer wants two more cameras quoted").first.is_visible()
    office_page.goto(f"{live_server.url}/office/field/")
    assert office_page.get_by_text(f"#{order.pk} Install four dome cameras").is_visible()
    assert office_page.get_by_text("Working", exact=True).is_visible()

    # Parts from Mike's own truck: more than it carries is refused, with the reason.
    page.get_by_label("From your truck").select_option(label="RJ45 Connector (100 left)")
    page.get_by_label("Quantity").fill("500")
    _tap(page, "Use")
    page.get_by_text("Not enough RJ45 Connector on Service Truck 201").wait_for()
    assert TruckInventory.objects.get(truck=truck, item=item).quantity == 100
    page.get_by_label("From your truck").select_option(label="RJ45 Connector (100 left)")
    page.get_by_label("Quantity").fill("4")
    _tap(page, "Use")
    page.get_by_text("Used 4 × RJ45 Connector.").wait_for()
    assert TruckInventory.objects.get(truck=truck, item=item).quantity == 96

    # Complete asks for what was done.
    _tap(page, "Complete")
    assert page.get_by_role("button", name="Left site").count() == 0  # the browser asked for the note
    page.get_by_label("What did you do?").fill("Four domes mounted, NVR recording")
    _tap(page, "Complete")
    page.get_by_role("button", name="Left site").wait_for()
    order.refresh_from_db()
    assert order.status == "completed"
    shot(page, "tech-6-job-completed")

    _tap(page, "Left site")
    page.wait_for_url(f"{live_server.url}/tech/")
    assert TechnicianActivity.objects.filter(activity_type=ActivityType.LEFT_SITE, work_order=order).exists()
    shot(page, "tech-7-my-day-after-job")

    office_page.goto(f"{live_server.url}/office/field/")
    assert office_page.get_by_text("On shift", exact=True).is_visible()
    shot(office_page, "office-field-desktop")
    office.close()

    _tap(page, "Clock out")
    page.get_by_text("Clocked out").wait_for()
    record.refresh_from_db()
    assert record.clock_out_time is not None
    assert TechnicianActivity.objects.filter(activity_type=ActivityType.SHIFT_END, technician=mike).exists()
    shot(page, "tech-8-my-day-clocked-out")
    context.close()


def _ready_offline(page) -> None:
    """Wait until the service worker controls the page, so the page can be read offline."""
    page.wait_for_function(
        # Installing and activating the worker can take a while on a loaded machine.
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null",
        timeout=3 * WAIT_MS,
    )


def test_actions_taken_offline_wait_on_the_phone_and_apply_once_back_online(browser, live_server, day):
    mike, order = day["mike"], day["order"]
    services.clock_in(technician=mike, truck=day["truck"])
    context, page = _phone(browser)
    sign_in(page, live_server.url, "mike")
    page.wait_for_url(f"{live_server.url}/tech/")
    page.goto(f"{live_server.url}/tech/jobs/{order.pk}/")
    page.reload()  # the second load is controlled by the service worker
    _ready_offline(page)

    context.set_offline(True)
    page.locator("#offline-banner").wait_for()
    _tap(page, "Start travel")
    page.get_by_text("1 waiting").wait_for()
    page.get_by_label("Note", exact=True).fill("Gate code is 4321")
    _tap(page, "Add note")
    page.get_by_text("2 waiting").wait_for()
    shot(page, "tech-9-offline-two-waiting")
    assert not TechnicianActivity.objects.filter(activity_type=ActivityType.TRAVEL_START).exists()
    assert not WorkOrderNote.objects.exists()
    # Today's pages stay readable offline, from the phone's cache, and the queue stays.
    page.get_by_role("link", name="My day").first.click()
    page.wait_for_url(f"{live_server.url}/tech/")
    page.get_by_text("Install four dome cameras").first.wait_for()
    page.get_by_text("2 waiting").wait_for()
    shot(page, "tech-9b-my-day-offline")
    page.go_back()
    page.wait_for_url(f"{live_server.url}/tech/jobs/{order.pk}/")
    page.get_by_role("button", name="Start travel").wait_for()

    context.set_offline(False)
    _wait_until(
        page,
        lambda: (
            WorkOrderNote.objects.exists()
            and TechnicianActivity.objects.filter(activity_type=ActivityType.TRAVEL_START).exists()
        ),
        "the queued actions to arrive",
    )
    page.get_by_role("button", name="Arrived").wait_for()
    assert page.locator("#queue-status").is_hidden()
    # Loading the page again replays nothing twice.
    page.reload()
    page.get_by_role("button", name="Arrived").wait_for()
    page.wait_for_timeout(500)
    assert TechnicianActivity.objects.filter(activity_type=ActivityType.TRAVEL_START).count() == 1
    assert TravelLog.objects.filter(work_order=order).count() == 1
    assert list(WorkOrderNote.objects.values_list("note_text", flat=True)) == ["Gate code is 4321"]
    # In the order they were taken: travel first, then the note.
    travel = TechnicianActivity.objects.get(activity_type=ActivityType.TRAVEL_START)
    assert travel.created_at < WorkOrderNote.objects.get().created_at
    context.close()


def test_an_offline_action_the_server_refuses_is_shown_not_dropped(browser, live_server, day):
    mike, order = day["mike"], day["order"]
    services.clock_in(technician=mike, truck=day["truck"])
    context, page = _phone(browser)
    sign_in(page, live_server.url, "mike")
    page.wait_for_url(f"{live_server.url}/tech/")
    page.goto(f"{live_server.url}/tech/jobs/{order.pk}/")

    context.set_offline(True)
    page.locator("#offline-banner").wait_for()
    _tap(page, "Start travel")
    page.get_by_text("1 waiting").wait_for()
    # Meanwhile the office's records say Mike clocked out (another device).
    services.clock_out(technician=mike)
    context.set_offline(False)

    report = page.locator("#replay-report")
    report.wait_for()
    # Tapped before the clock-out the office recorded: refused, with the reason.
    assert "Start travel: Not recorded: It was tapped at" in report.inner_text()
    assert "before your last recorded step" in report.inner_text()
    shot(page, "tech-10-refused-replay")
    assert not TechnicianActivity.objects.filter(activity_type=ActivityType.TRAVEL_START).exists()
    context.close()
