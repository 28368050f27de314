""" "Fix my day" after a cancellation, in a real Chromium at desktop size: a job is cancelled on
its page, the board offers the fix, the proposal says what moves where and why, applying it
books the waiting order into the gap and the board shows it there."""

import contextlib
import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.models import WorkOrder, WorkOrderHistory, WorkOrderStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from techflow.tests.browser import DESKTOP, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = dt.date(2026, 12, 8)  # a Tuesday


def at(hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DAY, dt.time(hour, minute)))


def test_fix_my_day_after_a_cancellation(browser, live_server, django_user_model, settings):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = 2
    with time_machine.travel(at(7, 30), tick=True):
        user = django_user_model.objects.create_user("office", password=PASSWORD, first_name="Olivia")
        user.groups.add(Group.objects.get_or_create(name="Office")[0])
        alex = TechnicianFactory(name="Alex Rodriguez")
        anywhen = dict(preferred_schedule_start=None, preferred_schedule_end=None)
        morning = WorkOrderFactory(
            title="Service the DVR",
            customer=CustomerFactory(name="City Bank", **anywhen),
            assigned_technician=alex,
            scheduled_for=at(9),
        )
        cancelled = WorkOrderFactory(
            title="Add two cameras",
            customer=CustomerFactory(name="Corner Shop", **anywhen),
            assigned_technician=alex,
            scheduled_for=at(13),
        )
        waiting = WorkOrderFactory(
            title="Replace a dome",
            customer=CustomerFactory(name="Dental Care", phone="555-0142", **anywhen),
            assigned_technician=None,
            scheduled_for=at(14),
            status=WorkOrderStatus.PENDING,
        )
        context = new_context(browser, viewport=DESKTOP)
        page = context.new_page()
        page.goto(f"{live_server.url}/login/?next=/office/work-orders/{cancelled.pk}/")
        page.get_by_label("Username").fill("office")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()

        # The customer cancels the afternoon job.
        page.get_by_text("Cancel this work order").click()
        page.get_by_label("Reason").fill("The shop is closed that day")
        page.get_by_role("button", name="Cancel work order").click()
        expect(page.locator("#wo-main")).to_contain_text("Cancelled")

        # The board offers the fix for the day: an order is waiting.
        page.goto(f"{live_server.url}/office/board/?date={DAY.isoformat()}")
        button = page.locator("#fix-day")
        expect(button).to_contain_text("Fix my day")
        expect(button).to_contain_text("1 waiting")
        button.click()
        proposal = page.locator("#fix-proposal")
        expect(proposal).to_be_visible()
        row = proposal.locator(f'#fix-moves tr[data-order="{waiting.pk}"]')
        expect(row).to_contain_text("Dental Care")
        expect(row).to_contain_text("Alex Rodriguez, 2:00 PM")
        expect(row).to_contain_text("waiting in the tray")
        expect(proposal.locator("#fix-no-calls")).to_be_visible()
        shot(page, "fixday-01-proposal")
        proposal.get_by_role("button", name="Apply the fix (1 move)").click()

        expect(page.locator("#board-message")).to_contain_text("Day fixed: 1 move made.")
        expect(page.locator("#fix-proposal")).to_have_count(0)
        slot = page.locator(f'td.slot[data-technician="{alex.pk}"][data-start="{DAY.isoformat()}T14:00"]')
        expect(slot.locator(f"#card-{waiting.pk}")).to_be_visible()
        expect(page.locator("#tray")).not_to_contain_text("Replace a dome")
        expect(page.locator("#fix-day")).not_to_contain_text("waiting")  # nothing left to offer
        shot(page, "fixday-02-applied")
        waiting.refresh_from_db()
        assert (waiting.assigned_technician, waiting.scheduled_for, waiting.status) == (
            alex,
            at(14),
            WorkOrderStatus.SCHEDULED,
        )
        assert WorkOrder.objects.get(pk=morning.pk).scheduled_for == at(9)
        assert WorkOrderHistory.objects.filter(
            work_order=waiting,
            field_changed="assigned_technician",
            new_value=str(alex.pk),
            changed_by_type="office",
            changed_by_id=user.pk,
        ).exists()
        context.close()


def _a_ptz_job_waiting(django_user_model) -> tuple:
    """Olivia in the office, Sam without the PTZ skill, and a PTZ install in the tray (no time)."""
    from dispatch.models import JobType, JobTypeSkill, Skill

    user = django_user_model.objects.create_user("office", password=PASSWORD, first_name="Olivia")
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    JobTypeSkill.objects.create(job_type=JobType.INSTALLATION, skill=Skill.objects.create(name="PTZ"))
    sam = TechnicianFactory(name="Sam Stone")
    order = WorkOrderFactory(
        title="Install a PTZ",
        job_type=JobType.INSTALLATION,
        customer=CustomerFactory(
            name="Harbor Hotel", preferred_schedule_start=None, preferred_schedule_end=None
        ),
        assigned_technician=None,
        scheduled_for=None,
        status=WorkOrderStatus.PENDING,
    )
    return sam, order


def _sign_in_to_the_board(page, live_server) -> None:
    page.goto(f"{live_server.url}/login/?next=/office/board/%3Fdate%3D{DAY.isoformat()}")
    page.get_by_label("Username").fill("office")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Dispatch board")).to_be_visible()


def _place(page, order, technician, hour: int):
    """Move `order` onto `technician`'s slot at `hour` with the keyboard-friendly buttons; the slot."""
    page.get_by_role("button", name=f"Move #{order.pk}").click()
    slot = page.locator(
        f'td.slot[data-technician="{technician.pk}"][data-start="{DAY.isoformat()}T{hour:02d}:00"]'
    )
    slot.get_by_role("button", name="Place here").click()
    return slot


def test_a_board_drop_without_the_skill_is_booked_after_book_it_anyway(
    browser, live_server, django_user_model
):
    with time_machine.travel(at(7, 30), tick=True):
        sam, order = _a_ptz_job_waiting(django_user_model)
        context = new_context(browser, viewport=DESKTOP)
        page = context.new_page()
        _sign_in_to_the_board(page, live_server)
        slot = _place(page, order, sam, 10)
        message = page.locator("#board-message")
        expect(message).to_contain_text("Not moved.")
        expect(message).to_contain_text("doesn't have the skill this job needs: PTZ")
        message.get_by_role("button", name="Book it anyway").click()
        expect(slot.locator(f"#card-{order.pk}")).to_be_visible()
        assert WorkOrderHistory.objects.filter(work_order=order, field_changed="skill_override").exists()
        context.close()


def test_a_move_made_while_a_board_poll_is_in_flight_is_sent_and_its_answer_stays(
    browser, live_server, django_user_model
):
    """A board poll (every 10 s) that is still waiting for its answer must not swallow a move: htmx
    drops a request from an element with one in flight, and a late poll answer would replace the
    move's message. Seen in CI under load as a skill refusal that never showed."""
    with time_machine.travel(at(7, 30), tick=True):
        sam, order = _a_ptz_job_waiting(django_user_model)
        context = new_context(browser, viewport=DESKTOP)
        page = context.new_page()
        page.clock.install(time=timezone.now())
        poll = "**/office/board/?*since=*"
        held = []  # the poll's request, held unanswered until the move is done
        page.route(poll, lambda route: held.append(route))
        _sign_in_to_the_board(page, live_server)
        page.wait_for_load_state("load")
        with page.expect_request(poll):
            page.clock.run_for(11_000)
        _place(page, order, sam, 10)
        message = page.locator("#board-message")
        expect(message).to_contain_text("doesn't have the skill this job needs: PTZ")
        for route in held:  # the old poll's answer arrives late (or not at all, having been cancelled)
            with contextlib.suppress(PlaywrightError):  # the page cancelled it: that is the point
                route.continue_()
        page.wait_for_load_state("networkidle")
        expect(message).to_contain_text("doesn't have the skill this job needs: PTZ")
        context.close()
