"""Actions saved on the phone offline are recorded at the time they were tapped, within bounds."""

import uuid
from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from dispatch.models import WorkOrderStatus
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import ActivityType, ClockRecord, ProcessedAction, TechnicianActivity, TravelLog
from fieldops.state import tap_time_refusal
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db


def _replay(client, path: str, tapped_at, data: dict | None = None, key: uuid.UUID | None = None):
    body = {"idempotency_key": str(key or uuid.uuid4()), "tapped_at": str(int(tapped_at.timestamp() * 1000))}
    return client.post(path, {**body, **(data or {})}, headers={"X-Replay": "1"})


@pytest.fixture
def truck():
    return TruckFactory(name="Truck 201")


@pytest.fixture
def order(technician):
    return WorkOrderFactory(assigned_technician=technician, title="Install four dome cameras")


def test_a_job_done_offline_and_sent_an_hour_later_is_recorded_at_the_tap_times(
    tech_client, technician, truck, order, now
):
    services.clock_in(technician=technician, truck=truck)
    base = f"/tech/jobs/{order.pk}"
    taps = [now + timedelta(minutes=m) for m in (1, 20, 22, 80)]
    with time_machine.travel(now + timedelta(hours=2, minutes=30), tick=False):
        for path, at, data in [
            (f"{base}/travel-start/", taps[0], {}),
            (f"{base}/arrive/", taps[1], {}),
            (f"{base}/work-start/", taps[2], {}),
            (f"{base}/complete/", taps[3], {"note": "Four domes up"}),
        ]:
            answer = _replay(tech_client, path, at, data)
            assert answer.status_code == 200 and answer.json()["ok"], answer.content
    times = dict(
        TechnicianActivity.objects.filter(work_order=order).values_list("activity_type", "created_at")
    )
    assert times[ActivityType.TRAVEL_START] == taps[0]
    assert times[ActivityType.ARRIVED_ON_SITE] == taps[1]
    assert times[ActivityType.WORK_STARTED] == taps[2]
    assert times[ActivityType.WORK_COMPLETED] == taps[3]
    arrived = TechnicianActivity.objects.get(activity_type=ActivityType.ARRIVED_ON_SITE)
    assert datetime.fromisoformat(arrived.metadata["received_at"]) == now + timedelta(hours=2, minutes=30)
    travel = TravelLog.objects.get(work_order=order)
    assert (travel.travel_start_time, travel.travel_end_time) == (taps[0], taps[1])
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.COMPLETED


def test_a_tap_from_the_future_is_refused_with_the_reason(tech_client, technician, truck, order, now):
    services.clock_in(technician=technician, truck=truck)
    answer = _replay(tech_client, f"/tech/jobs/{order.pk}/travel-start/", now + timedelta(minutes=30))
    assert answer.status_code == 409
    assert "time in the future" in answer.json()["message"]
    assert not TravelLog.objects.exists()


def test_a_phone_clock_a_little_ahead_is_recorded_when_received(tech_client, technician, truck, order, now):
    services.clock_in(technician=technician, truck=truck)
    with time_machine.travel(now + timedelta(minutes=5), tick=False):
        answer = _replay(tech_client, f"/tech/jobs/{order.pk}/travel-start/", now + timedelta(minutes=6))
    assert answer.json()["ok"]
    assert TravelLog.objects.get().travel_start_time == now + timedelta(minutes=5)


def test_a_tap_older_than_the_window_is_refused(tech_client, technician, truck, order, now, settings):
    settings.TECHFLOW_OFFLINE_MAX_AGE_HOURS = 2
    services.clock_in(technician=technician, truck=truck)
    with time_machine.travel(now + timedelta(hours=3), tick=False):
        answer = _replay(tech_client, f"/tech/jobs/{order.pk}/travel-start/", now + timedelta(minutes=10))
    assert "more than 2 hours ago" in answer.json()["message"]
    assert not TravelLog.objects.exists()


def test_a_tap_before_the_previous_step_is_refused_and_the_others_still_count(
    tech_client, technician, truck, order, now
):
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        services.clock_in(technician=technician, truck=truck)
    with time_machine.travel(now + timedelta(minutes=30), tick=False):
        early = _replay(tech_client, f"/tech/jobs/{order.pk}/travel-start/", now + timedelta(minutes=5))
        later = _replay(tech_client, f"/tech/jobs/{order.pk}/travel-start/", now + timedelta(minutes=15))
    assert "before your last recorded step" in early.json()["message"]
    assert later.json()["ok"]
    assert TravelLog.objects.get().travel_start_time == now + timedelta(minutes=15)


def test_a_replayed_key_is_applied_once_whatever_the_tap_time(tech_client, technician, truck, order, now):
    services.clock_in(technician=technician, truck=truck)
    key = uuid.uuid4()
    path = f"/tech/jobs/{order.pk}/travel-start/"
    with time_machine.travel(now + timedelta(minutes=10), tick=False):
        first = _replay(tech_client, path, now + timedelta(minutes=2), key=key)
        again = _replay(tech_client, path, now + timedelta(minutes=3), key=key)
    assert first.json() == again.json() and first.json()["ok"]
    assert TravelLog.objects.count() == 1 and ProcessedAction.objects.count() == 1


def test_a_clock_in_saved_offline_opens_the_shift_at_the_tap(tech_client, technician, truck, now):
    with time_machine.travel(now + timedelta(minutes=40), tick=False):
        answer = _replay(
            tech_client, reverse("fieldops:clock_in"), now + timedelta(minutes=1), {"truck": truck.pk}
        )
    assert answer.json()["ok"]
    assert ClockRecord.objects.get(technician=technician).clock_in_time == now + timedelta(minutes=1)


def test_an_action_sent_when_tapped_keeps_no_receive_time(tech_client, technician, truck, order):
    services.clock_in(technician=technician, truck=truck)
    tech_client.post(f"/tech/jobs/{order.pk}/travel-start/", {"idempotency_key": str(uuid.uuid4())})
    assert (
        "received_at" not in TechnicianActivity.objects.get(activity_type=ActivityType.TRAVEL_START).metadata
    )


def test_the_bounds_in_words(now):
    assert tap_time_refusal(now, now=now) is None
    assert tap_time_refusal(now + timedelta(seconds=90), now=now) is None  # a clock a little ahead
    assert "future" in tap_time_refusal(now + timedelta(minutes=3), now=now)
    assert "hours ago" in tap_time_refusal(now - timedelta(hours=13), now=now)
    assert "before your last recorded step" in tap_time_refusal(
        now - timedelta(minutes=2), now=now, previous_at=now - timedelta(minutes=1)
    )


def test_travel_start_puts_the_order_in_progress(technician, truck, order):
    services.clock_in(technician=technician, truck=truck)
    services.job_travel_start(technician=technician, work_order=order)
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.IN_PROGRESS


def test_another_technicians_replay_is_not_recorded_on_this_job(tech_client, truck, now):
    other = WorkOrderFactory(assigned_technician=TechnicianFactory())
    answer = _replay(tech_client, f"/tech/jobs/{other.pk}/travel-start/", now)
    assert answer.status_code == 404
