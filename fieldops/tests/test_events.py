"""Operational events: raised by the system once per cause, shown to the office, resolved with a note."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dispatch import calls
from dispatch.models import WorkOrderStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops import events, services
from fieldops.events import EventType
from fieldops.models import OperationalEvent, Severity
from fieldops.tests.factories import OperationalEventFactory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory

pytestmark = pytest.mark.django_db


def _types() -> list[str]:
    return sorted(OperationalEvent.objects.values_list("event_type", flat=True))


def test_a_technician_late_to_start_raises_one_warning_linked_to_the_job(now):
    order = WorkOrderFactory(scheduled_for=now - dt.timedelta(minutes=20))
    WorkOrderFactory(scheduled_for=now - dt.timedelta(minutes=5))  # within the grace
    WorkOrderFactory(scheduled_for=now - dt.timedelta(days=5))  # the tray's, not news
    raised = events.raise_due_events()
    assert [event.event_type for event in raised] == [EventType.LATE_START]
    event = raised[0]
    assert event.severity == Severity.WARNING and order.assigned_technician.name in event.title
    assert [cause.url for cause in events.event_causes(event)][0] == reverse(
        "dispatch:work_order_detail", args=[order.pk]
    )
    assert events.raise_due_events() == []
    assert OperationalEvent.objects.count() == 1


def test_a_job_in_progress_past_its_planned_end_raises_an_overrun(now):
    WorkOrderFactory(
        status=WorkOrderStatus.IN_PROGRESS, scheduled_for=now - dt.timedelta(hours=2, minutes=30)
    )
    WorkOrderFactory(status=WorkOrderStatus.IN_PROGRESS, scheduled_for=now - dt.timedelta(hours=1))
    events.raise_due_events()
    assert _types() == [EventType.OVERRUN]


def test_a_missed_call_not_called_back_in_time_raises_an_event_and_one_called_back_does_not(now, office_user):
    waiting, _ = calls.call_record(
        call_type="missed", customer=CustomerFactory(), started_at=now - dt.timedelta(hours=2)
    )
    answered, _ = calls.call_record(call_type="voicemail", started_at=now - dt.timedelta(hours=2))
    calls.call_mark_called_back(call=answered, user=office_user)
    calls.call_record(call_type="missed", started_at=now - dt.timedelta(minutes=10))
    raised = events.raise_due_events()
    assert [event.metadata["call_id"] for event in raised] == [str(waiting.pk)]
    assert "waited 2 h 00 min" in raised[0].title


def test_resolving_records_the_note_who_and_when_and_the_cause_is_not_raised_again(now, office_user):
    WorkOrderFactory(scheduled_for=now - dt.timedelta(minutes=30))
    event = events.raise_due_events()[0]
    resolved = events.event_resolve(event=event, user=office_user, note="Called Terry: stuck in traffic")
    assert (resolved.resolved_by, resolved.resolution_note) == (office_user, "Called Terry: stuck in traffic")
    assert resolved.resolved_at is not None
    with time_machine.travel(now + dt.timedelta(minutes=10)):
        assert events.raise_due_events() == []
    with pytest.raises(Exception, match="already resolved"):
        events.event_resolve(event=event, user=office_user, note="again")


def test_a_resolution_needs_a_note(office_user):
    event = OperationalEventFactory()
    with pytest.raises(Exception, match="what was done"):
        events.event_resolve(event=event, user=office_user, note="  ")
    event.refresh_from_db()
    assert event.resolved_at is None


def test_a_part_used_that_takes_the_truck_below_its_minimum_raises_one_warning():
    tech, truck = TechnicianFactory(), TruckFactory(name="Truck 201")
    item = InventoryItemFactory(name="RJ45 End", standard_quantity=10, minimum_quantity=3)
    TruckInventoryFactory(truck=truck, item=item, quantity=5)
    order = WorkOrderFactory(assigned_technician=tech)
    services.clock_in(technician=tech, truck=truck)
    services.job_travel_start(technician=tech, work_order=order)
    services.job_arrive(technician=tech, work_order=order)
    services.job_part_use(technician=tech, work_order=order, item=item, quantity=2)  # 3 left: at the minimum
    assert not OperationalEvent.objects.exists()
    services.job_part_use(technician=tech, work_order=order, item=item, quantity=1)  # 2 left: below
    services.job_part_use(technician=tech, work_order=order, item=item, quantity=1)  # still below: same event
    event = OperationalEvent.objects.get()
    assert (
        event.event_type == EventType.LOW_STOCK and "Truck 201" in event.title and "RJ45 End" in event.title
    )
    assert event.metadata["work_order_id"] == order.pk and event.metadata["quantity"] == 2
    assert any(cause.label == "Truck 201" for cause in events.event_causes(event))


def test_the_command_raises_what_is_due_and_says_so(now, capsys):
    WorkOrderFactory(scheduled_for=now - dt.timedelta(minutes=40))
    call_command("raise_due_events")
    assert "1 event(s) raised." in capsys.readouterr().out


# Office pages ------------------------------------------------------------------------------


def test_a_technician_gets_403_on_the_events_pages(tech_client):
    event = OperationalEventFactory()
    assert tech_client.get(reverse("field:event_list")).status_code == 403
    assert tech_client.post(reverse("field:event_resolve", args=[event.pk]), {"note": "x"}).status_code == 403


def test_the_events_page_shows_open_events_and_filters_by_severity_and_state(office_client, office_user):
    OperationalEventFactory(title="Disk almost full", severity="error")
    OperationalEventFactory(title="Phone ringing", severity="info")
    done = OperationalEventFactory(title="Old one")
    events.event_resolve(event=done, user=office_user, note="fixed")
    html = office_client.get(reverse("field:event_list")).content.decode()
    assert "Disk almost full" in html and "Phone ringing" in html and "Old one" not in html
    html = office_client.get(reverse("field:event_list"), {"severity": "error"}).content.decode()
    assert "Disk almost full" in html and "Phone ringing" not in html
    html = office_client.get(reverse("field:event_list"), {"state": "resolved"}).content.decode()
    assert "Old one" in html and "fixed" in html and "Olivia" in html


def test_resolving_from_the_page_answers_the_region_and_a_missing_note_is_a_422(office_client, office_user):
    event = OperationalEventFactory(title="Recorder offline")
    url = reverse("field:event_resolve", args=[event.pk])
    refused = office_client.post(url, {"note": ""}, HTTP_HX_REQUEST="true")
    assert refused.status_code == 422 and "Say what was done" in refused.content.decode()
    response = office_client.post(url, {"note": "Rebooted it"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in response.content.decode()
    event.refresh_from_db()
    assert event.resolved_by == office_user and event.resolution_note == "Rebooted it"
    assert office_client.post(url, {"note": "again"}).status_code == 422
    assert office_client.get(url).status_code == 405


def test_a_critical_event_shows_on_every_office_page_until_resolved(office_client, office_user):
    event = OperationalEventFactory(title="Emergency stop: Terry", severity="critical")
    for url in ("/office/", reverse("dispatch:call_list"), reverse("inventory:stock_matrix")):
        assert "Emergency stop: Terry" in office_client.get(url).content.decode(), url
    events.event_resolve(event=event, user=office_user, note="Terry is safe")
    assert 'id="critical-events"' not in office_client.get("/office/").content.decode()


def test_the_events_page_runs_the_same_queries_at_two_sizes(office_client, office_user):
    counts = []
    for n in (3, 80):
        OperationalEvent.objects.bulk_create(
            [
                OperationalEvent(
                    event_type="x",
                    event_category="system",
                    severity="warning",
                    title=f"e{i}",
                    metadata={"work_order_id": i + 1, "truck_id": 1, "truck": "T"},
                )
                for i in range(n)
            ]
        )
        with CaptureQueriesContext(connection) as queries:
            assert office_client.get(reverse("field:event_list"), {"state": "all"}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 12
