"""The board draws what the jobs take, in a real Chromium at desktop size: the week view's cards
carry a line of the working day with the job's part drawn to length, and in the day view a job
delayed by an overrun is drawn where it will start, so the overrunning card's tail stays in sight."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.models import WorkOrderStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from techflow.tests.browser import DESKTOP, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = dt.date(2026, 12, 8)  # a Tuesday


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _box(page, selector):
    return page.locator(selector).bounding_box()


def test_week_cards_draw_their_length_and_an_overrun_tail_is_not_covered(
    browser, live_server, django_user_model
):
    with time_machine.travel(at(11, 10), tick=True):
        user = django_user_model.objects.create_user("office", password=PASSWORD, first_name="Olivia")
        user.groups.add(Group.objects.get_or_create(name="Office")[0])
        alex, sarah = TechnicianFactory(name="Alex Rodriguez"), TechnicianFactory(name="Sarah Williams")
        anywhen = dict(preferred_schedule_start=None, preferred_schedule_end=None)
        install = WorkOrderFactory(
            title="Install 12 cameras",
            customer=CustomerFactory(name="City Bank", **anywhen),
            assigned_technician=alex,
            scheduled_for=at(8, day=DAY + dt.timedelta(days=1)),
            estimated_minutes=360,
        )
        call = WorkOrderFactory(
            title="Reset the recorder",
            customer=CustomerFactory(name="Corner Shop", **anywhen),
            assigned_technician=sarah,
            scheduled_for=at(9),
            estimated_minutes=90,
            status=WorkOrderStatus.IN_PROGRESS,
        )
        later = WorkOrderFactory(
            title="Swap a dome",
            customer=CustomerFactory(name="Dental Care", **anywhen),
            assigned_technician=sarah,
            scheduled_for=at(10, 45),
            estimated_minutes=30,
        )
        short = WorkOrderFactory(
            title="Check a lens",
            customer=CustomerFactory(name="Flower Shop", **anywhen),
            assigned_technician=alex,
            scheduled_for=at(14, day=DAY + dt.timedelta(days=2)),
            estimated_minutes=30,
        )
        context = new_context(browser, viewport=DESKTOP)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/?next=/office/board/%3Fdate%3D{DAY.isoformat()}")
        page.get_by_label("Username").fill("office")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        # Day view: the call ran 40 min over (planned to end 10:30, now 11:10); the next job is
        # drawn from where it will start, after the call's tail, not on top of it.
        expect(page.locator(f"#card-{call.pk}")).to_contain_text("Running 40 min over")
        expect(page.locator(f"#card-{later.pk} .delay")).to_have_text("+25 min")
        tail, shifted = _box(page, f"#card-{call.pk}"), _box(page, f"#card-{later.pk}")
        assert shifted["x"] >= tail["x"] + tail["width"] - 2, (tail, shifted)
        shot(page, "board-01-day-overrun")

        # Week view: each card's line draws its job on the working day: 6 h against 30 min.
        page.goto(f"{live_server.url}/office/board/?view=week&date={DAY.isoformat()}")
        long_bar = page.locator(f"#card-{install.pk} .dayline")
        expect(long_bar).to_be_visible()
        widths = page.evaluate(
            """ids => ids.map(id => {
                const line = document.querySelector('#card-' + id + ' .dayline');
                const part = getComputedStyle(line, '::after');
                return [parseFloat(part.width), parseFloat(part.left), line.getBoundingClientRect().width];
            })""",
            [install.pk, short.pk],
        )
        (long_w, long_left, line_w), (short_w, short_left, short_line) = widths
        assert 10 <= (long_w / line_w) / (short_w / short_line) <= 14, widths  # 360 min / 30 min = 12
        assert long_left / line_w == pytest.approx(1 / 10, abs=0.02)  # 8 AM on a 7 AM-5 PM board
        assert short_left / short_line == pytest.approx(7 / 10, abs=0.02)  # 2 PM
        shot(page, "board-02-week-lengths")
        context.close()
