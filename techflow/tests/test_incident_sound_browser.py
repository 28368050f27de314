"""The office hears an emergency: a new incident plays a short alert once (WebAudio, from static JS),
the red banner stays, moving between pages does not replay it, and the bell mutes it."""

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.tests.factories import TechnicianFactory
from fieldops import services
from fieldops.models import ActivityType
from techflow.tests.browser import DESKTOP, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

POLL_MS = 15_000


def _emergency(technician, notes: str) -> None:
    services.event_record(technician=technician, activity_type=ActivityType.EMERGENCY_STOP, notes=notes)


def _sounds(page) -> int:
    return int(page.evaluate("document.body.dataset.alertSounds || '0'"))


def test_a_new_emergency_sounds_once_on_an_open_office_page_and_the_bell_mutes_it(
    browser, live_server, django_user_model
):
    office_user = django_user_model.objects.create_user("olivia", password=PASSWORD, first_name="Olivia")
    office_user.groups.add(Group.objects.get_or_create(name="Office")[0])
    mike, sam = TechnicianFactory(name="Mike Johnson"), TechnicianFactory(name="Sam Ortiz")
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    errors = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("olivia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/office/")
    toggle = page.locator("#alert-sound-toggle")
    expect(toggle).to_have_text("Sound on")
    assert _sounds(page) == 0

    # Mike presses the emergency stop: the open Today page pins it and plays the alert, once.
    _emergency(mike, "Van slid into a ditch")
    page.locator("#office-incidents .incident-alert", has_text="Mike Johnson").wait_for(timeout=POLL_MS)
    page.wait_for_function("document.body.dataset.alertSound === 'played'", timeout=5_000)
    assert _sounds(page) == 1
    shot(page, "incident-sound-1-banner", full_page=False)
    page.wait_for_timeout(6_000)  # the next poll (every 5 s) does not replay it
    assert _sounds(page) == 1

    # Another office page: the banner is still pinned, the sound is not replayed.
    page.goto(f"{live_server.url}/office/board/")
    expect(page.locator("#office-incidents .incident-alert")).to_contain_text("Mike Johnson")
    page.wait_for_timeout(500)
    assert _sounds(page) == 0 and page.evaluate("document.body.dataset.alertSound") is None

    # A second emergency sounds again; muted (kept across pages), a third is shown and stays silent.
    _emergency(sam, "")
    page.locator("#office-incidents .incident-alert", has_text="Sam Ortiz").wait_for(timeout=POLL_MS)
    page.wait_for_function("document.body.dataset.alertSound === 'played'", timeout=5_000)
    assert _sounds(page) == 1
    toggle.click()
    expect(toggle).to_have_text("Sound off")
    assert toggle.get_attribute("aria-pressed") == "true"
    page.reload()
    expect(page.locator("#alert-sound-toggle")).to_have_text("Sound off")
    third = TechnicianFactory(name="Ada Park")
    _emergency(third, "")
    page.locator("#office-incidents .incident-alert", has_text="Ada Park").wait_for(timeout=POLL_MS)
    page.wait_for_function("document.body.dataset.alertSound === 'muted'", timeout=5_000)
    assert _sounds(page) == 0
    shot(page, "incident-sound-2-muted", full_page=False)
    # (htmx reports its poll filters' eval under the strict CSP; the sound script itself raises nothing.)
    assert [e for e in errors if not e.startswith("htmx:")] == []
    context.close()
