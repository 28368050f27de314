"""One thumb on a phone, in a real Chromium: a job done in a dead zone keeps its true times, no
reload lands on an error page, and the microphone never covers a control."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from conftest import PASSWORD
from dispatch.models import ManualNotification, WorkOrderNote
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import ActivityType, TechnicianActivity, TravelLog
from inventory.models import TruckInventory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory
from techflow.tests.browser import new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT_MS = 10_000
WIDTHS = (360, 390, 430)


@pytest.fixture
def day(django_user_model):
    user = django_user_model.objects.create_user("mike", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    mike = TechnicianFactory(name="Mike Johnson", user=user)
    truck = TruckFactory(name="Service Truck 201")
    connector = InventoryItemFactory(name="RJ45 Connector", unit="unit")
    cable = InventoryItemFactory(name="Cat6 Cable", unit="ft")
    TruckInventoryFactory(truck=truck, item=connector, quantity=100)
    TruckInventoryFactory(truck=truck, item=cable, quantity=542)
    at = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    customer = CustomerFactory(name="Riverside Dental", address="12 River Rd, Springfield")
    order = WorkOrderFactory(
        assigned_technician=mike, customer=customer, title="Install four dome cameras", scheduled_for=at
    )
    WorkOrderFactory(assigned_technician=mike, title="Replace NVR drive", scheduled_for=at.replace(hour=14))
    ManualNotification.objects.create(technician=mike, priority="urgent", message="Use the side gate")
    ManualNotification.objects.create(technician=mike, message="Team lunch Friday")
    return {"mike": mike, "truck": truck, "connector": connector, "cable": cable, "order": order}


def _phone(browser, width: int = 390):
    context = new_context(
        browser,
        viewport={"width": width, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 40.7128, "longitude": -74.006, "accuracy": 15},
        permissions=["geolocation"],
    )
    return context, context.new_page()


def _sign_in(page, base_url: str) -> None:
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("mike")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/tech/")


def _tap(page, name: str) -> None:
    page.get_by_role("button", name=name, exact=True).tap()


def _wait_until(page, check, what: str) -> None:
    for _ in range(150):
        if check():
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_job_done_entirely_offline_and_sent_an_hour_later_keeps_its_tap_times(browser, live_server, day):
    mike, order = day["mike"], day["order"]
    services.clock_in(technician=mike, truck=day["truck"])
    context, page = _phone(browser)
    _sign_in(page, live_server.url)
    page.goto(f"{live_server.url}/tech/jobs/{order.pk}/")
    page.reload()  # the second load is controlled by the service worker
    page.wait_for_function(
        "navigator.serviceWorker && navigator.serviceWorker.controller !== null", timeout=30_000
    )

    context.set_offline(True)
    page.locator("#offline-banner").wait_for()
    taps: dict[str, datetime] = {}
    for step, then in [("Start travel", "Arrived"), ("Arrived", "Start work"), ("Start work", "Pause")]:
        taps[step] = timezone.now()
        _tap(page, step)
        # The screen moves on to the next step by itself: the whole job can be done in a dead zone.
        page.get_by_role("button", name=then, exact=True).wait_for(timeout=WAIT_MS)
        assert page.get_by_role("button", name=step, exact=True).count() == 0
        page.wait_for_timeout(1100)  # taps a second apart, as a person makes them
    assert page.locator("#panel .state-badge").inner_text() == "Working"
    shot(page, "thumb-1-offline-working", full_page=False)
    # A note tapped twice by an impatient thumb is saved once.
    page.get_by_label("Note", exact=True).fill("Gate code is 4321")
    _tap(page, "Add note")
    page.get_by_text("4 waiting").wait_for()
    page.get_by_label("Note", exact=True).fill("Gate code is 4321")
    _tap(page, "Add note")
    page.get_by_text("Note is already saved on the phone.").wait_for()
    assert page.locator("#queue-status").inner_text() == "4 waiting"
    page.wait_for_timeout(1100)
    taps["Complete"] = timezone.now()
    page.get_by_label("What did you do?").fill("Four domes mounted")
    _tap(page, "Complete")
    page.get_by_role("button", name="Left site").wait_for()
    assert page.get_by_role("button", name="Start work").count() == 0
    page.wait_for_timeout(1100)
    taps["Left site"] = timezone.now()
    _tap(page, "Left site")
    page.get_by_text("6 waiting").wait_for()
    shot(page, "thumb-2-offline-six-waiting", full_page=False)
    assert not TechnicianActivity.objects.filter(work_order=order).exists()

    # An hour later the van is back in signal.
    later = timezone.now() + timedelta(hours=1)
    with time_machine.travel(later, tick=True):
        context.clock.set_system_time(timezone.now())
        context.set_offline(False)
        report = page.locator("#replay-report")
        report.get_by_text("6 saved actions sent").wait_for(timeout=3 * WAIT_MS)
        shot(page, "thumb-3-six-sent", full_page=False)
    recorded = {
        a.activity_type: a for a in TechnicianActivity.objects.filter(work_order=order).order_by("created_at")
    }
    for step, kind in [
        ("Start travel", ActivityType.TRAVEL_START),
        ("Arrived", ActivityType.ARRIVED_ON_SITE),
        ("Start work", ActivityType.WORK_STARTED),
        ("Complete", ActivityType.WORK_COMPLETED),
        ("Left site", ActivityType.LEFT_SITE),
    ]:
        activity = recorded[kind]
        assert abs(activity.created_at - taps[step]) < timedelta(seconds=3), step
        received = datetime.fromisoformat(activity.metadata["received_at"])
        assert received - taps[step] > timedelta(minutes=59), step
    travel = TravelLog.objects.get(work_order=order)
    assert abs(travel.travel_end_time - taps["Arrived"]) < timedelta(seconds=3)
    assert WorkOrderNote.objects.filter(note_text="Gate code is 4321").count() == 1
    order.refresh_from_db()
    assert order.status == "completed"
    context.close()


def test_a_refused_action_swaps_in_place_and_no_reload_shows_an_error_page(browser, live_server, day):
    mike, order, connector = day["mike"], day["order"], day["connector"]
    services.clock_in(technician=mike, truck=day["truck"])
    context, page = _phone(browser)
    _sign_in(page, live_server.url)
    errors: list[str] = []
    page.on("response", lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 500 else None)

    # My day: Mark read answers in place, and a reload is My day again.
    page.get_by_role("button", name="Mark read").first.tap()
    page.get_by_text("Marked read.").wait_for()
    assert page.url == f"{live_server.url}/tech/"
    assert page.reload().status == 200

    job_url = f"{live_server.url}/tech/jobs/{order.pk}/"
    page.goto(job_url)
    # Parts before arriving: not offered, with the reason.
    page.get_by_text("Parts go on a job once you have arrived on site").wait_for()
    _tap(page, "Start travel")
    _tap(page, "Arrived")
    page.get_by_role("button", name="Start work").wait_for()
    page.get_by_label("From your truck").select_option(label="Cat6 Cable (542 ft left)")

    # Too many: refused in place; the scroll stays where the thumb is.
    main = page.locator("main")
    page.get_by_label("Quantity").fill("600")
    page.locator("#parts").scroll_into_view_if_needed()
    before = main.evaluate("m => m.scrollTop")
    _tap(page, "Use")
    page.get_by_text("Not enough Cat6 Cable on Service Truck 201: 542 ft left, 600 ft needed.").wait_for()
    assert abs(main.evaluate("m => m.scrollTop") - before) < 40
    assert page.url == job_url
    response = page.reload()
    assert response.status == 200 and page.url == job_url

    # Used, listed, undone within the minutes allowed, through a returning movement.
    page.get_by_label("From your truck").select_option(label="RJ45 Connector (100 left)")
    page.get_by_label("Quantity").fill("4")
    _tap(page, "Use")
    page.get_by_text("Used 4 × RJ45 Connector.").wait_for()
    assert TruckInventory.objects.get(item=connector).quantity == 96
    page.locator(".parts-used").get_by_text("4 × RJ45 Connector").wait_for()
    shot(page, "thumb-4-part-used-with-undo", full_page=False)
    _tap(page, "Undo")
    page.get_by_text("Put back 4 × RJ45 Connector on the truck.").wait_for()
    assert TruckInventory.objects.get(item=connector).quantity == 100
    assert page.get_by_role("button", name="Undo").count() == 0
    assert page.reload().status == 200 and page.url == job_url
    assert errors == []
    context.close()


# Every control a thumb can hit, on the pages that carry the microphone.
CONTROLS = ", ".join(
    [f"main {tag}" for tag in ("a", "button", "select", "input:not([type=hidden])", "textarea", "summary")]
    + ["header a", "header button"]
)

OVERLAPS = """([controls, dock]) => {
  const d = document.querySelector(dock).getBoundingClientRect();
  const main = document.querySelector("main");
  const m = main.getBoundingClientRect();
  const found = [];
  const step = Math.max(100, main.clientHeight / 2);
  for (let top = 0; ; top += step) {
    main.scrollTop = top;
    for (const el of document.querySelectorAll(controls)) {
      if (el.offsetParent === null) continue;
      const r = el.getBoundingClientRect();
      const inMain = el.closest("main") !== null;
      // What can be seen (and tapped) of it: main clips what scrolls out of it.
      const v = inMain
        ? { top: Math.max(r.top, m.top), bottom: Math.min(r.bottom, m.bottom), left: r.left, right: r.right }
        : r;
      if (v.bottom <= v.top) continue;
      if (v.left < d.right && v.right > d.left && v.top < d.bottom && v.bottom > d.top) {
        found.push(`${el.tagName} "${(el.innerText || el.name || "").trim().slice(0, 30)}" at scroll ${top}`);
      }
    }
    if (top + main.clientHeight >= main.scrollHeight) break;
  }
  main.scrollTop = 0;
  return found;
}"""


def _pages(live_server, day) -> list[tuple[str, str, callable]]:
    mike, order = day["mike"], day["order"]
    job = f"{live_server.url}/tech/jobs/{order.pk}/"

    def working():
        services.job_travel_start(technician=mike, work_order=order)
        services.job_arrive(technician=mike, work_order=order)
        services.job_work_start(technician=mike, work_order=order)
        services.job_part_use(technician=mike, work_order=order, item=day["connector"], quantity=2)

    return [
        ("my-day-off", f"{live_server.url}/tech/", lambda: None),
        (
            "my-day-on-shift",
            f"{live_server.url}/tech/",
            lambda: services.clock_in(technician=mike, truck=day["truck"]),
        ),
        ("job-on-shift", job, lambda: None),
        ("job-working", job, working),
        ("my-day-on-a-job", f"{live_server.url}/tech/", lambda: None),
    ]


def test_the_microphone_never_covers_a_control_at_three_phone_widths(browser, live_server, day):
    contexts = {width: _phone(browser, width) for width in WIDTHS}
    for _, page in contexts.values():
        _sign_in(page, live_server.url)
    for name, url, arrange in _pages(live_server, day):
        arrange()
        for width, (_, page) in contexts.items():
            page.goto(url)
            page.locator(".agent-fab").wait_for()
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            assert page.evaluate(OVERLAPS, [CONTROLS, ".agent-fab"]) == [], (name, width)
            if width == 390:
                shot(page, f"thumb-5-{name}", full_page=False)
    for context, _ in contexts.values():
        context.close()


def test_the_voice_agent_dock_never_covers_a_control_at_three_phone_widths(browser, live_server, day):
    """The agent's own page: its dock (suggestions, text box, Send, microphone) is the bar under the
    page, so neither the conversation's buttons nor the header's ever scroll beneath it."""
    services.clock_in(technician=day["mike"], truck=day["truck"])
    for width in WIDTHS:
        context, page = _phone(browser, width)
        _sign_in(page, live_server.url)
        page.goto(f"{live_server.url}/tech/agent/")
        said = ("directions to my next job", "help", "what's my next job", "directions to my next job")
        before = page.locator(".line-technician").count()  # the conversation goes on across widths
        for count, text in enumerate(said, start=before + 1):
            page.get_by_label("Say or type").fill(text)
            page.get_by_role("button", name="Send", exact=True).tap()
            page.locator(".line-technician").nth(count - 1).wait_for()
        # The last reply has landed (htmx has swapped and settled the conversation).
        page.locator(".line-technician").nth(before + len(said) - 1).wait_for()
        page.locator("#latest.line-agent", has_text="Directions to").wait_for()
        # Every region settled (a locator's wait_for takes one element; two may be settling at once).
        page.wait_for_function("!document.querySelector('.htmx-settling, .htmx-swapping, .htmx-added')")
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        # The dock sits at the bottom of the screen and the latest reply just above it.
        dock = page.locator(".agent-dock").bounding_box()
        assert abs(dock["y"] + dock["height"] - 844) <= 1
        latest = page.locator("#latest").bounding_box()
        assert latest["y"] + latest["height"] <= dock["y"] + 1
        if width == 390:
            shot(page, "thumb-6-agent-dock", full_page=False)
        assert page.evaluate(OVERLAPS, [CONTROLS, ".agent-dock"]) == [], width
        context.close()
