"""Web Push on the phone, in a real Chromium: the service worker registers, the page subscribes with
the server's VAPID key and posts the subscription; where the browser has no push service the page
says notifications are unavailable; the worker's push handler shows the notification."""

import base64

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from django.contrib.auth.models import Group

from conftest import PASSWORD
from dispatch.models import PushSubscription
from dispatch.push import vapid_public_key
from dispatch.tests.factories import TechnicianFactory
from techflow.tests.browser import PHONE, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def mike(django_user_model, settings):
    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    settings.TECHFLOW_VAPID_PRIVATE_KEY = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
    user = django_user_model.objects.create_user("mike", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    return TechnicianFactory(name="Mike Johnson", user=user)


def _phone(browser, base_url: str, init_script: str = ""):
    context = new_context(browser, viewport=PHONE, is_mobile=True, has_touch=True)
    context.grant_permissions(["notifications"], origin=base_url)
    if init_script:
        context.add_init_script(init_script)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.get_by_label("Username").fill("mike")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").tap()
    page.wait_for_url(f"{base_url}/tech/")
    return context, page


# The browser's push service, replaced by a stand-in (headless Chromium has none): it records the
# options the page subscribed with and hands back a subscription as a real one's toJSON() reads.
STAND_IN_PUSH_SERVICE = """
PushManager.prototype.getSubscription = function () { return Promise.resolve(null); };
PushManager.prototype.subscribe = function (options) {
  const key = new Uint8Array(options.applicationServerKey);
  window.__subscribed = { userVisibleOnly: options.userVisibleOnly,
    key: btoa(String.fromCharCode(...key)).replace(/\\+/g, "-").replace(/\\//g, "_").replace(/=+$/, "") };
  return Promise.resolve({ toJSON: () => ({ endpoint: "https://push.example.test/send/abc123",
    expirationTime: null, keys: {
      p256dh: "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
      auth: "tBHItJI5svbpez7KI4CCXg" } }) });
};
"""


def test_without_a_push_service_the_phone_says_notifications_are_unavailable(browser, live_server, mike):
    context, page = _phone(browser, live_server.url)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    button = page.locator(".push-enable")
    button.wait_for()
    assert button.get_attribute("data-push") == "offered"
    button.tap()
    page.locator('.push-enable[data-push="unavailable"]').wait_for()
    assert button.inner_text().startswith("Notifications unavailable on this phone")
    assert "Registration failed" not in button.inner_text() and button.is_disabled()
    assert PushSubscription.objects.count() == 0 and errors == []
    shot(page, "push-1-unavailable", full_page=False)
    context.close()


def test_the_phone_subscribes_with_the_vapid_key_and_the_server_keeps_it(browser, live_server, mike):
    context, page = _phone(browser, live_server.url, STAND_IN_PUSH_SERVICE)
    # The service worker is registered for the technician pages.
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{live_server.url}/tech/"
    page.locator(".push-enable").tap()
    page.locator('.push-enable[data-push="subscribed"]').wait_for(state="attached")
    assert page.locator(".push-enable").is_hidden()
    assert page.evaluate("window.__subscribed") == {"userVisibleOnly": True, "key": vapid_public_key()}
    (subscription,) = PushSubscription.objects.all()
    assert subscription.technician == mike
    assert subscription.endpoint == "https://push.example.test/send/abc123"
    assert subscription.auth == "tBHItJI5svbpez7KI4CCXg"
    context.close()


def test_the_service_workers_push_handler_shows_the_notification(browser, live_server, mike):
    context, page = _phone(browser, live_server.url)
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    (worker,) = context.service_workers
    shown = worker.evaluate(
        """async () => {
          const data = JSON.stringify({ title: "Urgent from the office",
            body: "STOP: customer cancelled", tag: "message-7", url: "/tech/jobs/57/" });
          // A synthetic event: its waitUntil throws (untrusted), after showNotification was called.
          try { self.dispatchEvent(new PushEvent("push", { data })); } catch (e) { /* untrusted */ }
          for (let i = 0; i < 50; i++) {
            const found = await self.registration.getNotifications();
            const facts = n => [n.title, n.body, n.tag, n.data.url, n.requireInteraction];
            if (found.length) return found.map(facts);
            await new Promise(resolve => setTimeout(resolve, 100));
          }
          return [];
        }"""
    )
    assert shown == [
        ["Urgent from the office", "STOP: customer cancelled", "message-7", "/tech/jobs/57/", True]
    ]
    context.close()
