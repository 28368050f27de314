"""The phone's "anything new?" poll, its messages (urgent first, a job's on its page), push subscriptions."""

import json
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch import services as dispatch_services
from dispatch.models import ManualNotification, PushSubscription
from dispatch.services import Actor
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import live, services
from fieldops.models import ActivityType
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def _fingerprint(client, url="/tech/"):
    html = client.get(url).content.decode()
    start = html.index("/tech/live/?v=") + len("/tech/live/?v=")
    return html[start : html.index('"', start)].split("&amp;")[0]


def _poll(client, v, job=None):
    url = f"/tech/live/?v={v}" + (f"&job={job}" if job else "")
    return client.get(url, headers=HX)


def test_the_poll_answers_204_until_the_office_sends_something(tech_client, technician):
    v = _fingerprint(tech_client)
    assert _poll(tech_client, v).status_code == 204
    ManualNotification.objects.create(
        technician=technician, message="STOP: customer cancelled", priority="urgent"
    )
    response = _poll(tech_client, v)
    html = response.content.decode()
    assert response.status_code == 200 and "<html" not in html
    assert 'id="urgent-banner" hx-swap-oob="true"' in html and "STOP: customer cancelled" in html
    assert 'id="office-messages" hx-swap-oob="true"' in html


def test_a_quiet_poll_is_one_query_beyond_the_session(tech_client, technician):
    v = _fingerprint(tech_client)
    with CaptureQueriesContext(connection) as quiet:
        assert _poll(tech_client, v).status_code == 204
    for n in range(20):
        ManualNotification.objects.create(technician=technician, message=f"m{n}")
    v = _fingerprint(tech_client)
    with CaptureQueriesContext(connection) as busy:
        assert _poll(tech_client, v).status_code == 204
    assert len(quiet) == len(busy) <= 4


def test_reading_a_message_elsewhere_changes_the_fingerprint(tech_client, technician):
    message = ManualNotification.objects.create(technician=technician, message="Hi")
    v = _fingerprint(tech_client)
    services.message_mark_read(technician=technician, message=message)
    assert _poll(tech_client, v).status_code == 200


def test_another_technicians_message_is_not_news(tech_client, technician):
    v = _fingerprint(tech_client)
    ManualNotification.objects.create(technician=TechnicianFactory(), message="Not for you")
    assert _poll(tech_client, v).status_code == 204


def test_the_office_changing_my_day_shows_a_notice_but_my_own_steps_do_not(
    tech_client, technician, office_user, now
):
    # Booked now, so it is today's at any pinned hour (an hour later is tomorrow at 23:30, and a
    # later day's steps don't open until that day).
    order = WorkOrderFactory(assigned_technician=technician, scheduled_for=now)
    truck = TruckFactory()
    services.clock_in(technician=technician, truck=truck)
    v = _fingerprint(tech_client)
    services.job_travel_start(technician=technician, work_order=order)
    services.job_arrive(
        technician=technician, work_order=order
    )  # changes the order's status, as the technician
    assert _poll(tech_client, v).status_code == 204
    dispatch_services.work_order_update(
        work_order=order, actor=Actor("office", office_user.pk), title="Bring the long ladder"
    )
    html = _poll(tech_client, v).content.decode()
    assert 'id="day-changed"' in html and "The office changed your jobs" in html


def test_a_new_job_for_today_is_news(tech_client, technician, now):
    v = _fingerprint(tech_client)
    WorkOrderFactory(assigned_technician=technician, scheduled_for=now)
    assert "The office changed your jobs" in _poll(tech_client, v).content.decode()


def test_messages_are_unread_first_then_urgent_first(technician):
    old_urgent = ManualNotification.objects.create(
        technician=technician, message="old urgent", priority="urgent"
    )
    ManualNotification.objects.filter(pk=old_urgent.pk).update(created_at=timezone.now() - timedelta(hours=2))
    normal = ManualNotification.objects.create(technician=technician, message="new normal")
    high = ManualNotification.objects.create(technician=technician, message="high", priority="high")
    read = ManualNotification.objects.create(
        technician=technician, message="read urgent", priority="urgent", is_read=True
    )
    assert [m.message for m in live.technician_messages(technician)] == [
        old_urgent.message,
        high.message,
        normal.message,
        read.message,
    ]


def test_a_jobs_page_shows_the_messages_about_it(tech_client, technician):
    order = WorkOrderFactory(assigned_technician=technician, scheduled_for=timezone.now())
    other = WorkOrderFactory(
        assigned_technician=technician, scheduled_for=timezone.now() + timedelta(hours=3)
    )
    ManualNotification.objects.create(technician=technician, work_order=order, message="Gate code 4411")
    ManualNotification.objects.create(technician=technician, work_order=other, message="Other job's note")
    html = tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    assert 'id="job-messages"' in html and "Gate code 4411" in html and "Other job&#x27;s note" not in html
    v = _fingerprint(tech_client, f"/tech/jobs/{order.pk}/")
    ManualNotification.objects.create(technician=technician, work_order=order, message="Customer is home")
    html = _poll(tech_client, v, job=order.pk).content.decode()
    assert 'id="job-messages" hx-swap-oob="true"' in html and "Customer is home" in html


def test_the_poll_refuses_a_bad_job_and_hides_another_technicians(tech_client):
    assert _poll(tech_client, "x", job="abc").status_code == 400
    someone_else = WorkOrderFactory(assigned_technician=TechnicianFactory())
    assert _poll(tech_client, "x", job=someone_else.pk).status_code == 404


def test_the_poll_is_for_technicians(office_client):
    assert office_client.get("/tech/live/").status_code == 403


def test_the_urgent_banner_is_pinned_on_every_phone_page(tech_client, technician):
    order = WorkOrderFactory(assigned_technician=technician, scheduled_for=timezone.now())
    ManualNotification.objects.create(technician=technician, message="STOP: do not go", priority="urgent")
    for url in ["/tech/", f"/tech/jobs/{order.pk}/", "/tech/agent/"]:
        html = tech_client.get(url).content.decode()
        assert 'class="urgent-banner"' in html and "STOP: do not go" in html, url


def test_my_emergency_is_in_the_fingerprint(tech_client, technician):
    v = _fingerprint(tech_client)
    services.event_record(technician=technician, activity_type=ActivityType.EMERGENCY_STOP)
    html = _poll(tech_client, v).content.decode()
    assert 'id="incident-card" hx-swap-oob="true"' in html and "waiting for the office" in html


# Push subscriptions


SUBSCRIPTION = {
    "endpoint": "https://push.example.net/send/abc123",
    "keys": {
        "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM",
        "auth": "tBHItJI5svbpez7KI4CCXg",
    },
}


def test_a_phone_subscribes_to_push(tech_client, technician):
    response = tech_client.post(
        "/tech/push/subscribe/", json.dumps(SUBSCRIPTION), content_type="application/json"
    )
    assert response.status_code == 200
    subscription = PushSubscription.objects.get()
    assert subscription.technician == technician and subscription.auth == "tBHItJI5svbpez7KI4CCXg"
    again = tech_client.post(
        "/tech/push/subscribe/", json.dumps(SUBSCRIPTION), content_type="application/json"
    )
    assert again.status_code == 200 and PushSubscription.objects.count() == 1


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        json.dumps({"endpoint": "https://push.example.net/x"}),
        json.dumps({**SUBSCRIPTION, "endpoint": "http://push.example.net/x"}),
        json.dumps({**SUBSCRIPTION, "endpoint": "javascript:alert(1)"}),
        json.dumps({**SUBSCRIPTION, "keys": {"p256dh": "x" * 300, "auth": "y"}}),
        json.dumps([1, 2]),
    ],
)
def test_a_bad_subscription_is_400_and_nothing_is_kept(tech_client, body):
    response = tech_client.post("/tech/push/subscribe/", body, content_type="application/json")
    assert response.status_code == 400 and PushSubscription.objects.count() == 0


def test_the_office_cannot_subscribe_a_phone(office_client):
    response = office_client.post(
        "/tech/push/subscribe/", json.dumps(SUBSCRIPTION), content_type="application/json"
    )
    assert response.status_code == 403
