"""Job lengths on the board in a real Chromium at desktop size: a 6-hour install and a 30-minute call
booked and drawn to length, a card resized by its edge (and a refused resize), an overrun drawn
growing to now with the next job's knock-on delay."""

import datetime as dt
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.models import JobType, JobTypeDuration, WorkOrder, WorkOrderHistory, WorkOrderStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from techflow.tests.browser import DESKTOP, contrast_violations, new_context, shot
from techflow.tests.test_tech_browser import _wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = dt.date(2026, 12, 8)  # a Tuesday; the test pins its own moments on it


def at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DAY, dt.time(hour, minute)))


def _width(page, order) -> float:
    return page.locator(f"#card-{order.pk}").bounding_box()["width"]


def _place(page, order, technician, hour: int) -> None:
    page.get_by_role("button", name=f"Move #{order.pk}").click()
    slot = page.locator(
        f'td.slot[data-technician="{technician.pk}"][data-start="{DAY.isoformat()}T{hour:02d}:00"]'
    )
    slot.get_by_role("button", name="Place here").click()
    expect(slot.locator(f"#card-{order.pk}")).to_be_visible()


def _drag_edge(page, order, dx: float) -> None:
    handle = page.locator(f"#card-{order.pk} [data-resize]").bounding_box()
    x, y = handle["x"] + handle["width"] / 2, handle["y"] + handle["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y, steps=4)
    page.mouse.move(x + dx, y, steps=4)
    page.mouse.up()


def _sign_in(page, live_server) -> None:
    page.goto(f"{live_server.url}/login/?next=/office/board/%3Fdate%3D{DAY.isoformat()}")
    page.get_by_label("Username").fill("office")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**/office/board/?date={DAY.isoformat()}")


def test_long_and_short_jobs_are_drawn_to_length_resized_and_an_overrun_grows(
    browser, live_server, django_user_model
):
    with time_machine.travel(at(6, 30), tick=True):
        for job_type, minutes in {
            "installation": 360,
            "upgrade": 180,
            "maintenance": 90,
            "repair": 60,
        }.items():
            JobTypeDuration.objects.update_or_create(job_type=job_type, defaults={"minutes": minutes})
        user = django_user_model.objects.create_user("office", password=PASSWORD, first_name="Olivia")
        user.groups.add(Group.objects.get_or_create(name="Office")[0])
        alex = TechnicianFactory(name="Alex Rodriguez")
        sarah = TechnicianFactory(name="Sarah Williams")
        anywhen = dict(preferred_schedule_start=None, preferred_schedule_end=None)
        pending = dict(assigned_technician=None, scheduled_for=None, status=WorkOrderStatus.PENDING)
        install = WorkOrderFactory(
            title="Install 12 cameras",
            customer=CustomerFactory(name="City Bank", **anywhen),
            job_type=JobType.INSTALLATION,
            estimated_minutes=None,
            **pending,
        )
        call = WorkOrderFactory(
            title="Reset the recorder",
            customer=CustomerFactory(name="Corner Shop", **anywhen),
            job_type=JobType.REPAIR,
            estimated_minutes=30,
            **pending,
        )

        context = new_context(browser, viewport=DESKTOP)
        page = context.new_page()
        _sign_in(page, live_server)

        # Booked from the tray: the 6-hour install and the 30-minute call, drawn to length.
        _place(page, install, alex, 8)
        _place(page, call, sarah, 9)
        install.refresh_from_db()
        call.refresh_from_db()
        assert (install.assigned_technician, install.scheduled_for) == (alex, at(8))
        assert (call.assigned_technician, call.scheduled_for) == (sarah, at(9))
        ratio = _width(page, install) / _width(page, call)
        assert 11 <= ratio <= 13, ratio  # 360 min / 30 min = 12
        expect(page.locator(f"#card-{install.pk} .length")).to_have_text("6 h")
        shot(page, "01-board-long-and-short")

        # Resize the call by its right edge: one hour column more (30 min -> 1 h 30 min).
        column = page.locator(f'td.slot[data-technician="{sarah.pk}"]').first.bounding_box()["width"]
        before = _width(page, call)
        _drag_edge(page, call, column)
        expect(page.locator("#board-message")).to_contain_text("now takes 1 h 30 min")
        call.refresh_from_db()
        assert call.estimated_minutes == 90
        assert WorkOrderHistory.objects.filter(
            work_order=call, field_changed="estimated_minutes", old_value="30", new_value="90"
        ).exists()
        # The board redraws the card from the answer, a moment after the message: three times as wide.
        _wait_until(page, lambda: 2.7 <= _width(page, call) / before <= 3.3, "the call drawn to 1 h 30 min")

        # Stretching the install four hours past 2 PM runs past Alex's 5 PM: refused in words, nothing lost.
        _drag_edge(page, install, 4 * column)
        expect(page.locator("#board-message")).to_contain_text("Not changed.")
        expect(page.locator("#board-message")).to_contain_text("Alex's working hours are 7:00 AM to 5:00 PM")
        install.refresh_from_db()
        assert install.estimated_minutes is None
        assert 11 <= _width(page, install) / _width(page, call) * 3 <= 13

        # Keyboard: the edge takes arrow keys and Enter (1 h 30 min -> 1 h 45 min).
        page.locator(f"#card-{call.pk} [data-resize]").focus()
        page.keyboard.press("ArrowRight")
        expect(page.locator(f"#card-{call.pk} .length")).to_have_text("1 h 45 min")
        page.keyboard.press("Enter")
        expect(page.locator("#board-message")).to_contain_text("now takes 1 h 45 min")
        call.refresh_from_db()
        assert call.estimated_minutes == 105
        WorkOrder.objects.filter(pk=call.pk).update(estimated_minutes=90)

        # Sarah is on the call from 9:00 and another job waits for her at 10:45.
        WorkOrder.objects.filter(pk=call.pk).update(status=WorkOrderStatus.IN_PROGRESS)
        later = WorkOrderFactory(
            title="Swap a dome",
            customer=CustomerFactory(name="Dental Care", **anywhen),
            assigned_technician=sarah,
            scheduled_for=at(10, 45),
            estimated_minutes=30,
        )

    # 11:10: the call was planned to end at 10:30 and is still in progress.
    with time_machine.travel(at(11, 10), tick=True):
        _sign_in(page, live_server)  # the morning's session has timed out by now
        card = page.locator(f"#card-{call.pk}")
        expect(card).to_have_class(re.compile(r"\boverrun\b"))
        expect(card).to_contain_text("Running 40 min over (planned to end 10:30 AM)")
        # Grown to now: 9:00 to 11:10 (130 min, 9 quarter hours) beside the 6-hour install (24).
        assert 0.34 <= _width(page, call) / _width(page, install) <= 0.41
        expect(page.locator(f"#card-{later.pk} .delay")).to_have_text("+25 min")
        assert contrast_violations(page) == []
        shot(page, "02-board-overrun")
