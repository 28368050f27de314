"""The lockout page as a technician sees it on a phone, in a real Chromium."""

import pytest
from django.contrib.auth.models import Group

from techflow.tests.browser import PHONE, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_five_wrong_passwords_on_a_phone_show_when_to_try_again(
    browser, live_server, django_user_model, settings
):
    settings.TECHFLOW_LOGIN_FAILURES_PER_USER = 5
    settings.TECHFLOW_LOGIN_LOCKOUT = 15 * 60
    user = django_user_model.objects.create_user("sarah", password="right-password-1")
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])

    context = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    for _ in range(5):
        page.get_by_label("Username").fill("sarah")
        page.get_by_label("Password").fill("wrong")
        with page.expect_response(lambda r: r.request.method == "POST") as answer:
            page.get_by_role("button", name="Sign in").click()
        if answer.value.status == 429:
            break
        page.wait_for_load_state()
    assert answer.value.status == 429
    assert page.get_by_role("heading", name="Sign-in paused").is_visible()
    assert "Try again at" in page.locator("#try-again").inner_text()
    assert "15 minutes" in page.locator("#try-again").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "lockout-phone")
    context.close()
