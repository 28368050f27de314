"""A two-day crew install in a real Chromium: the office adds a helper and a second day on the order's
page (desktop), the board draws the helper's visit on her row, and the helper's phone (390x844) shows
the job on My day with who leads it and opens it."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.models import Visit, VisitHelper, WorkOrderHistory
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from techflow.tests.browser import DESKTOP, PHONE, contrast_violations, new_context, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DAY = dt.date(2026, 12, 8)  # a Tuesday; the test pins its own moment on it
NEXT = DAY + dt.timedelta(days=1)


def at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _user(django_user_model, username: str, group: str):
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name=group)[0])
    return user


def test_a_two_day_crew_install_is_booked_drawn_and_shown_to_the_helper(
    browser, live_server, django_user_model
):
    with time_machine.travel(at(DAY, 7), tick=True):
        _user(django_user_model, "dispatcher", "Office")
        mike = TechnicianFactory(name="Mike Johnson", user=_user(django_user_model, "mike", "Technicians"))
        sarah = TechnicianFactory(name="Sarah Lee", user=_user(django_user_model, "sarah", "Technicians"))
        customer = CustomerFactory(
            name="Riverside Dental", preferred_schedule_start=None, preferred_schedule_end=None
        )
        order = WorkOrderFactory(
            title="Install 12 cameras and an NVR",
            customer=customer,
            job_type="installation",
            assigned_technician=mike,
            scheduled_for=at(DAY, 8),
            estimated_minutes=360,
        )

        context = new_context(browser, viewport=DESKTOP)
        page = context.new_page()
        sign_in(page, live_server.url, "dispatcher", then="/office/")
        page.goto(f"{live_server.url}/office/work-orders/{order.pk}/")

        # Sarah helps on the first day.
        page.locator("#panel-helper summary").click()
        page.locator("#panel-helper").get_by_label("Technician").select_option(label="Sarah Lee")
        page.locator("#panel-helper").get_by_role("button", name="Add helper").click()
        expect(page.locator("#visit-1")).to_contain_text("Sarah Lee")

        # The second day, four hours, Mike leading and Sarah helping again.
        page.locator("#panel-visit summary").click()
        panel = page.locator("#panel-visit")
        panel.get_by_label("Starts").fill(f"{NEXT.isoformat()}T08:00")
        panel.get_by_label("Length (minutes)").fill("240")
        panel.get_by_label("Lead").select_option(label="Mike Johnson")
        panel.get_by_label("Sarah Lee").check()
        panel.get_by_role("button", name="Add visit").click()
        expect(page.locator("#visit-2")).to_contain_text("Mike Johnson")
        expect(page.locator("#visit-2")).to_contain_text("Sarah Lee")
        expect(page.locator("#visit-2")).to_contain_text("4 h")
        expect(page.locator("#timeline")).to_contain_text("Visit added")
        shot(page, "crew-1-order-page")
        assert contrast_violations(page) == []

        visit = Visit.objects.get(work_order=order)
        assert visit.starts_at == at(NEXT, 8) and visit.lead == mike and visit.estimated_minutes == 240
        assert set(VisitHelper.objects.values_list("technician__name", flat=True)) == {"Sarah Lee"}
        assert VisitHelper.objects.filter(technician=sarah).count() == 2
        assert (
            WorkOrderHistory.objects.filter(work_order=order, field_changed__in=["visit", "helper"]).count()
            == 2
        )

        # A clash is refused in words, and nothing is added.
        page.locator("#panel-visit summary").click()
        panel.get_by_label("Starts").fill(f"{NEXT.isoformat()}T10:00")
        panel.get_by_label("Length (minutes)").fill("120")
        panel.get_by_label("Lead").select_option(label="Mike Johnson")
        panel.get_by_role("button", name="Add visit").click()
        expect(page.locator("#refusal")).to_contain_text(
            "Mike Johnson already has a job from 8:00 AM to 12:00 PM"
        )
        assert Visit.objects.filter(work_order=order).count() == 1

        # The board: the helper's visit on her row, the lead's card the one that moves.
        page.goto(f"{live_server.url}/office/board/?date={DAY.isoformat()}")
        crew_card = page.locator(f"#crew-{order.pk}-{sarah.pk}-first")
        expect(crew_card).to_contain_text("Helping Mike Johnson")
        expect(crew_card.get_by_role("button", name=f"Move #{order.pk}")).to_have_count(0)
        expect(page.locator(f"#card-{order.pk}")).to_have_count(1)
        expect(page.locator(f"#card-{order.pk}")).to_contain_text("With Sarah Lee")
        width = crew_card.bounding_box()["width"]
        lead_width = page.locator(f"#card-{order.pk}").bounding_box()["width"]
        assert abs(width - lead_width) < 4, (width, lead_width)  # the same six hours
        shot(page, "crew-2-board-day")
        page.goto(f"{live_server.url}/office/board/?view=week&date={DAY.isoformat()}")
        expect(page.locator(f"#crew-{order.pk}-{mike.pk}-{visit.pk}")).to_contain_text("Later visit")
        shot(page, "crew-3-board-week")
        context.close()

        # Sarah's phone.
        phone = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
        tap = phone.new_page()
        sign_in(tap, live_server.url, "sarah", then="/tech/")
        expect(tap.get_by_text("Helping Mike Johnson").first).to_be_visible()
        expect(tap.locator(".tomorrow-row")).to_contain_text("Install 12 cameras and an NVR")
        shot(tap, "crew-4-helper-my-day")
        tap.get_by_role("link", name="Open job").first.click()
        expect(tap.get_by_text("Visits and crew")).to_be_visible()
        expect(tap.locator(".visit-list")).to_contain_text("Mike Johnson (lead)")
        shot(tap, "crew-5-helper-job")
        phone.close()
