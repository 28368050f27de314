"""The voice agent on real speech, in a real Chromium at phone size: no Yes/No after a question, the note
read back before Yes, a hands-free conversation until goodbye, and turns said offline replayed in order."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.utils import timezone

from conftest import PASSWORD
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import VoiceAgentInteraction
from inventory.models import StockMovement, TruckInventory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory
from techflow.tests.browser import PHONE, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MORNING = dt.datetime(2026, 3, 10, 8, 30)

# A stand-in recogniser that hears the phrases in window.__queue one by one (then silence), with two
# alternatives each, and a synthesiser that records what it says and ends at once.
FAKE_SPEECH = """
window.__spoken = [];
window.__heard = [];
window.__queue = [];
window.SpeechRecognition = class {
  start() {
    setTimeout(() => {
      const text = window.__queue.shift();
      if (text === undefined) {
        this.onerror && this.onerror({ error: "no-speech" });
      } else {
        window.__heard.push(text);
        const result = [{ transcript: text }, { transcript: text + " please" }, { transcript: text }];
        result.isFinal = true;
        this.onresult && this.onresult({ resultIndex: 0, results: [result] });
      }
      this.onend && this.onend();
    }, 30);
  }
  stop() {}
};
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (u) => {
    window.__spoken.push(u.text);
    setTimeout(() => u.onend && u.onend(), 10);
  };
  window.speechSynthesis.cancel = () => {};
}
"""


@pytest.fixture
def clock():
    with time_machine.travel(timezone.make_aware(MORNING), tick=True):
        yield


@pytest.fixture
def day(clock, django_user_model):
    user = django_user_model.objects.create_user("mike", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    mike = TechnicianFactory(name="Mike Johnson", user=user)
    truck = TruckFactory(name="Service Truck 201")
    item = InventoryItemFactory(name="RJ45 Connector", category="connectors")
    TruckInventoryFactory(truck=truck, item=item, quantity=100)
    at = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    order = WorkOrderFactory(
        assigned_technician=mike,
        customer=CustomerFactory(name="City Bank", address="1 Main St, Springfield"),
        title="Install four dome cameras",
        scheduled_for=at,
    )
    services.clock_in(technician=mike, truck=truck)
    services.job_travel_start(technician=mike, work_order=order)
    services.job_arrive(technician=mike, work_order=order)
    services.job_work_start(technician=mike, work_order=order)
    return {"mike": mike, "truck": truck, "item": item, "order": order}


def _page(browser, base_url: str):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    context.add_init_script(FAKE_SPEECH)
    page = context.new_page()
    # The phone's clock agrees with the server's pinned one: queued turns carry the time they were said.
    page.clock.set_system_time(timezone.make_aware(MORNING))
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("mike")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base_url}/tech/")
    page.goto(f"{base_url}/tech/agent/")
    return context, page


def _say(page, text: str, expect: str) -> None:
    page.get_by_label("Say or type").fill(text)
    page.get_by_role("button", name="Send", exact=True).tap()
    page.locator("#latest", has_text=expect).wait_for()


def test_questions_show_no_yes_no_and_the_note_is_read_back_before_yes(browser, live_server, day):
    context, page = _page(browser, live_server.url)
    _say(page, "what's left on my truck", "100 RJ45 Connector")
    assert page.locator(".btn-yes").count() == 0
    _say(page, "complete the job", "What did you do on job")
    assert page.locator(".btn-yes").count() == 0  # a question for the note, not a yes/no
    _say(page, "um", "didn't take that as the note")
    _say(page, "replaced the hard drive", "with the note “replaced the hard drive”")
    reply = page.locator("#latest")
    assert float(reply.evaluate("e => parseFloat(getComputedStyle(e).fontSize)")) >= 24  # the reply, large
    page.locator(".btn-yes").wait_for()
    shot(page, "agent-speech-1-note-read-back", full_page=False)
    page.locator(".btn-no").tap()
    page.locator("#latest", has_text="Nothing was changed").wait_for()
    day["order"].refresh_from_db()
    assert day["order"].status != "completed"
    context.close()


def test_hands_free_listens_again_after_each_reply_until_goodbye(browser, live_server, day):
    context, page = _page(browser, live_server.url)
    page.evaluate("window.__queue = ['how many rj45 do I have', 'what is my status', 'goodbye']")
    page.locator("#handsfree-switch").tap()
    page.wait_for_function(
        # A function, not an expression: Playwright would eval an expression, which the CSP forbids.
        "() => window.__heard.length === 3 && window.__spoken.some((s) => s.startsWith('Goodbye'))"
    )
    assert page.evaluate("window.__spoken") == [
        "You have 100 of RJ45 Connector on Service Truck 201.",
        f"You are working on job #{day['order'].pk}. That's job {day['order'].pk} for City Bank.",
        "Goodbye. Stay safe out there.",
    ]
    assert page.locator("#hands-free").is_checked() is False  # goodbye ended the conversation
    said = [
        line.content for line in VoiceAgentInteraction.objects.filter(interaction_type="technician_speech")
    ]
    assert len(said) == 3
    shot(page, "agent-speech-2-hands-free-goodbye", full_page=False)
    context.close()


def test_turns_said_offline_are_queued_and_replayed_in_order_and_a_yes_asks_again(browser, live_server, day):
    context, page = _page(browser, live_server.url)
    context.set_offline(True)
    page.get_by_label("Say or type").fill("used two rj45 ends")
    page.get_by_role("button", name="Send", exact=True).tap()
    page.locator("#queued", has_text="1 thing you said is waiting").wait_for()
    page.get_by_label("Say or type").fill("yes")
    page.get_by_role("button", name="Send", exact=True).tap()
    page.locator("#queued", has_text="2 things you said are waiting").wait_for()
    shot(page, "agent-speech-3-offline-queued", full_page=False)
    assert not VoiceAgentInteraction.objects.exists()

    context.set_offline(False)
    page.locator("#reply", has_text="Back online. I sent 2 things").wait_for()
    assert "asking again" in page.locator("#reply").inner_text()
    assert StockMovement.objects.count() == 0  # the yes said offline confirmed nothing
    said = list(
        VoiceAgentInteraction.objects.filter(interaction_type="technician_speech").order_by(
            "created_at", "pk"
        )
    )
    assert ['"used two rj45 ends"' in s.content for s in said] == [True, False]
    assert all('"replayed": true' in s.content and '"said_at"' in s.content for s in said)
    shot(page, "agent-speech-4-back-online", full_page=False)
    page.locator(".btn-yes").tap()
    page.locator("#latest", has_text="Used 2 × RJ45 Connector").wait_for()
    assert TruckInventory.objects.get(truck=day["truck"], item=day["item"]).quantity == 98
    context.close()
