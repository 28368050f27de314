"""A person signs in and lands on their own surface, in a real Chromium."""

import datetime as dt

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from conftest import PASSWORD
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from techflow.tests.browser import DESKTOP, PHONE, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/")
    assert "/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def _order_today(technician, title):
    at = timezone.localtime().replace(hour=10, minute=0, second=0, microsecond=0)
    return WorkOrderFactory(assigned_technician=technician, title=title, scheduled_for=at)


def test_office_user_signs_in_and_sees_todays_orders(browser, live_server, django_user_model):
    user = django_user_model.objects.create_user("dispatcher", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    _order_today(TechnicianFactory(name="Mike Johnson"), "Install four dome cameras")

    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    shot(page, "login-desktop")
    _sign_in(page, live_server.url, "dispatcher")

    page.wait_for_url(f"{live_server.url}/office/")
    row = page.get_by_role("row", name="Install four dome cameras")
    assert "Mike Johnson" in row.inner_text()
    # The vendored libraries load from our own static files.
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("typeof window.bootstrap") == "object"
    shot(page, "office-home-desktop")
    context.close()


def test_technician_signs_in_on_a_phone_and_sees_only_their_jobs(browser, live_server, django_user_model):
    user = django_user_model.objects.create_user("sarah", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    sarah = TechnicianFactory(name="Sarah Williams", user=user)
    _order_today(sarah, "Replace bullet camera at loading dock")
    _order_today(TechnicianFactory(name="David Chen"), "Someone else's job")

    context = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    _sign_in(page, live_server.url, "sarah")

    page.wait_for_url(f"{live_server.url}/tech/")
    assert page.get_by_text("Replace bullet camera at loading dock").is_visible()
    assert page.get_by_text("Someone else's job").count() == 0
    # One-thumb page: nothing wider than the phone.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "tech-home-phone")

    page.goto(f"{live_server.url}/office/")
    assert page.get_by_text("You can't open this page").is_visible()
    context.close()


def test_the_live_server_and_the_page_both_run_on_the_pinned_clock(
    browser, live_server, django_user_model, now
):
    """The pin reaches the live_server thread (it stamps last_login) and the page's JavaScript clock."""
    user = django_user_model.objects.create_user("dispatcher", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    _sign_in(page, live_server.url, "dispatcher")
    page.wait_for_url(f"{live_server.url}/office/")

    user.refresh_from_db()
    assert now <= user.last_login < now + dt.timedelta(minutes=5)
    page_now = dt.datetime.fromtimestamp(page.evaluate("Date.now()") / 1000, tz=dt.UTC)
    assert now <= page_now < now + dt.timedelta(minutes=5)
    assert page.evaluate("new Date().getFullYear()") == now.year
    context.close()
