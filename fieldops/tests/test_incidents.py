"""An emergency as an incident: raised, pinned, acknowledged, escalated, cancelled, resolved; who may."""

import uuid
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.utils import timezone

from dispatch import formatting
from dispatch.models import Notification
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import incidents, services
from fieldops.models import ActivityType, Incident, IncidentStatus, OperationalEvent, Severity
from fieldops.services import Location
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db

HERE = Location(Decimal("40.712800"), Decimal("-74.006000"), 12)


def _emergency(technician, location=HERE, notes=""):
    services.event_record(
        technician=technician, activity_type=ActivityType.EMERGENCY_STOP, location=location, notes=notes
    )
    return Incident.objects.filter(technician=technician).order_by("-raised_at").first()


def _events(kind: str):
    return OperationalEvent.objects.filter(event_type=kind)


def test_an_emergency_stop_opens_an_incident_with_where_and_which_job(technician):
    truck = TruckFactory()
    order = WorkOrderFactory(assigned_technician=technician, scheduled_for=timezone.now())
    services.clock_in(technician=technician, truck=truck)
    services.job_travel_start(technician=technician, work_order=order)
    incident = _emergency(technician, notes="Van slid off the road")
    assert incident.status == IncidentStatus.RAISED
    assert (incident.latitude, incident.longitude, incident.accuracy_meters) == (
        HERE.latitude,
        HERE.longitude,
        12,
    )
    assert incident.work_order_id == order.pk and incident.truck_id == truck.pk
    assert incident.event.severity == Severity.CRITICAL and incident.event.event_type == "emergency_stop"
    assert incident.event.metadata["incident_id"] == str(incident.pk)
    alert = Notification.objects.get(notification_type=Notification.Type.EMERGENCY)
    assert alert.work_order == order and technician.phone in alert.message and "Van slid" in alert.message


def test_a_second_press_before_anyone_answers_joins_the_waiting_incident(technician):
    first = _emergency(technician)
    moved = Location(Decimal("40.800000"), Decimal("-73.900000"), 30)
    second = _emergency(technician, location=moved, notes="Still stuck")
    assert first.pk == second.pk and Incident.objects.count() == 1
    assert second.alerts == 2 and second.latitude == moved.latitude and "Still stuck" in second.notes
    assert Notification.objects.filter(notification_type=Notification.Type.EMERGENCY).count() == 2
    assert _events("emergency_repeated").count() == 1


def test_acknowledging_records_who_and_when(technician, office_user):
    incident = _emergency(technician)
    incidents.incident_acknowledge(incident=incident, user=office_user)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.ACKNOWLEDGED
    assert incident.acknowledged_by == office_user and incident.acknowledged_at is not None
    event = _events("emergency_acknowledged").get()
    assert event.metadata["user_id"] == office_user.pk and event.metadata["incident_id"] == str(incident.pk)


def test_acknowledging_twice_says_who_did_it_first(technician, office_user, django_user_model):
    incident = _emergency(technician)
    incidents.incident_acknowledge(incident=incident, user=office_user)
    other = django_user_model.objects.create_user("second")
    with pytest.raises(ValidationError, match="Already acknowledged by Olivia"):
        incidents.incident_acknowledge(incident=incident, user=other)
    incident.refresh_from_db()
    assert incident.acknowledged_by == office_user


def test_a_press_after_the_office_acknowledged_opens_a_new_incident(technician, office_user):
    first = _emergency(technician)
    incidents.incident_acknowledge(incident=first, user=office_user)
    second = _emergency(technician)
    assert second.pk != first.pk and second.status == IncidentStatus.RAISED


def test_an_unacknowledged_incident_escalates_once_after_the_configured_time(technician, settings):
    settings.TECHFLOW_INCIDENT_ESCALATE_AFTER = 120
    incident = _emergency(technician)
    assert incidents.incidents_escalate_due() == []
    later = incident.raised_at + timedelta(seconds=121)
    assert [i.pk for i in incidents.incidents_escalate_due(now=later)] == [incident.pk]
    assert incidents.incidents_escalate_due(now=later + timedelta(minutes=5)) == []
    incident.refresh_from_db()
    assert incident.escalated_at == later and incident.status == IncidentStatus.RAISED
    assert _events("emergency_escalated").get().severity == Severity.CRITICAL
    second_alert = Notification.objects.get(message__startswith="ESCALATED")
    assert technician.name in second_alert.message and technician.phone in second_alert.message


def test_an_acknowledged_incident_never_escalates(technician, office_user, settings):
    settings.TECHFLOW_INCIDENT_ESCALATE_AFTER = 60
    incident = _emergency(technician)
    incidents.incident_acknowledge(incident=incident, user=office_user)
    assert incidents.incidents_escalate_due(now=incident.raised_at + timedelta(hours=1)) == []
    assert not _events("emergency_escalated").exists()


def test_the_command_escalates_what_is_overdue(technician, settings, capsys):
    settings.TECHFLOW_INCIDENT_ESCALATE_AFTER = 60
    incident = _emergency(technician)
    with time_machine.travel(incident.raised_at + timedelta(minutes=2), tick=False):
        call_command("incidents_escalate")
    assert "1 incident escalated" in capsys.readouterr().out
    incident.refresh_from_db()
    assert incident.escalated_at is not None


def test_the_technician_cancels_a_false_alarm_and_the_office_is_told(technician):
    incident = _emergency(technician)
    incidents.incident_cancel(technician=technician, incident=incident, note="Pressed it by mistake")
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CANCELLED and incident.close_note == "Pressed it by mistake"
    assert incident.closed_by == technician.user and incident.closed_at is not None
    incident.event.refresh_from_db()
    assert incident.event.resolved_at == incident.closed_at
    assert _events("emergency_cancelled").exists()
    assert Notification.objects.filter(message__startswith="Emergency cancelled by Terry Tech").exists()
    assert incidents.office_incidents() == []


def test_a_technician_cannot_cancel_someone_elses_emergency(technician):
    other = TechnicianFactory()
    incident = _emergency(other)
    with pytest.raises(ValidationError, match="not yours"):
        incidents.incident_cancel(technician=technician, incident=incident)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RAISED


def test_a_closed_incident_cannot_be_cancelled_or_acknowledged(technician, office_user):
    incident = _emergency(technician)
    incidents.incident_resolve(incident=incident, user=office_user, note="Spoke to him, safe")
    with pytest.raises(ValidationError, match="resolved"):
        incidents.incident_cancel(technician=technician, incident=incident)
    with pytest.raises(ValidationError, match="resolved"):
        incidents.incident_acknowledge(incident=incident, user=office_user)


def test_resolving_a_waiting_incident_acknowledges_it_too(technician, office_user):
    incident = _emergency(technician)
    incidents.incident_resolve(incident=incident, user=office_user)
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RESOLVED and incident.acknowledged_by == office_user
    assert incident.closed_by == office_user and _events("emergency_resolved").exists()


def test_the_office_banner_lists_waiting_incidents_with_map_links(technician, office_user):
    incident = _emergency(technician)
    [row] = incidents.office_incidents()
    assert row.incident.pk == incident.pk
    assert row.map_url == (
        "https://www.openstreetmap.org/?mlat=40.712800&mlon=-74.006000#map=17/40.712800/-74.006000"
    )
    assert row.geo_uri == "geo:40.712800,-74.006000"
    incidents.incident_acknowledge(incident=incident, user=office_user)
    assert incidents.office_incidents() == []


def test_an_emergency_without_a_location_uses_the_last_known_one(technician):
    truck = TruckFactory()
    services.clock_in(technician=technician, truck=truck, location=HERE)
    _emergency(technician, location=Location())
    [row] = incidents.office_incidents()
    assert (row.latitude, row.longitude) == (HERE.latitude, HERE.longitude)


# Over HTTP


def _post(client, url, data=None, **headers):
    return client.post(url, {"idempotency_key": str(uuid.uuid4()), **(data or {})}, headers=headers)


def test_every_office_page_pins_a_waiting_emergency(technician, office_client):
    _emergency(technician, notes="Smoke")
    for url in ["/office/", "/office/work-orders/", "/office/field/", "/office/inventory/"]:
        html = office_client.get(url).content.decode()
        assert 'id="office-incidents"' in html and "EMERGENCY · Terry Tech" in html, url
        assert "openstreetmap.org/?mlat=40.712800" in html and f"tel:{technician.phone}" in html


def test_the_banner_poll_answers_204_while_nothing_changed(technician, office_client):
    empty = office_client.get("/office/field/incidents/banner/?v=none", headers={"HX-Request": "true"})
    assert empty.status_code == 204
    _emergency(technician)
    changed = office_client.get("/office/field/incidents/banner/?v=none", headers={"HX-Request": "true"})
    assert changed.status_code == 200 and "EMERGENCY · Terry Tech" in changed.content.decode()
    assert "<html" not in changed.content.decode()


def test_the_banner_poll_escalates_an_overdue_incident(technician, office_client, settings):
    settings.TECHFLOW_INCIDENT_ESCALATE_AFTER = 60
    incident = _emergency(technician)
    with time_machine.travel(incident.raised_at + timedelta(minutes=2), tick=False):
        html = office_client.get("/office/field/incidents/banner/").content.decode()
    assert "Escalated" in html
    incident.refresh_from_db()
    assert incident.escalated_at is not None


def test_the_office_acknowledges_from_the_banner(technician, office_client, office_user):
    incident = _emergency(technician)
    response = office_client.post(
        f"/office/field/incidents/{incident.pk}/acknowledge/", headers={"HX-Request": "true"}
    )
    assert response.status_code == 200 and "EMERGENCY" not in response.content.decode()
    incident.refresh_from_db()
    assert incident.acknowledged_by == office_user
    again = office_client.post(
        f"/office/field/incidents/{incident.pk}/acknowledge/", headers={"HX-Request": "true"}
    )
    assert again.status_code == 409 and "Already acknowledged by Olivia" in again.content.decode()


def test_a_plain_acknowledge_goes_back_to_the_page_it_came_from(technician, office_client):
    incident = _emergency(technician)
    response = office_client.post(
        f"/office/field/incidents/{incident.pk}/acknowledge/", {"next": "/office/board/"}
    )
    assert response.status_code == 302 and response.url == "/office/board/"
    evil = office_client.post(
        f"/office/field/incidents/{incident.pk}/acknowledge/", {"next": "https://evil.example/"}
    )
    assert evil.status_code == 302 and evil.url == "/office/field/"


def test_a_technician_cannot_acknowledge_or_resolve(technician, tech_client):
    incident = _emergency(technician)
    assert tech_client.post(f"/office/field/incidents/{incident.pk}/acknowledge/").status_code == 403
    assert tech_client.post(f"/office/field/incidents/{incident.pk}/resolve/").status_code == 403
    assert tech_client.get("/office/field/incidents/banner/").status_code == 403
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RAISED


def test_acknowledging_an_unknown_incident_is_404_and_get_is_405(office_client, technician):
    assert office_client.post(f"/office/field/incidents/{uuid.uuid4()}/acknowledge/").status_code == 404
    incident = _emergency(technician)
    assert office_client.get(f"/office/field/incidents/{incident.pk}/acknowledge/").status_code == 405


def test_the_field_view_shows_the_technician_in_emergency(technician, office_client, office_user):
    incident = _emergency(technician)
    html = office_client.get("/office/field/").content.decode()
    assert "In emergency" in html and "not acknowledged yet" in html
    incidents.incident_acknowledge(incident=incident, user=office_user)
    html = office_client.get("/office/field/").content.decode()
    assert "In emergency" in html and "acknowledged by Olivia" in html
    response = office_client.post(
        f"/office/field/incidents/{incident.pk}/resolve/", {"next": "/office/field/"}
    )
    assert response.status_code == 302
    assert "In emergency" not in office_client.get("/office/field/").content.decode()


def test_the_technician_sees_who_acknowledged_and_when(technician, tech_client, office_user):
    incident = _emergency(technician)
    raised = formatting.when(incident.raised_at)
    html = tech_client.get("/tech/").content.decode()
    assert f"Office notified at {raised}" in html and "waiting for the office" in html
    with time_machine.travel(incident.raised_at + timedelta(minutes=1), tick=False):
        incidents.incident_acknowledge(incident=incident, user=office_user)
    incident.refresh_from_db()
    html = tech_client.get("/tech/").content.decode()
    assert f"Office notified at {raised}" in html
    assert f"acknowledged by Olivia at {formatting.when(incident.acknowledged_at)}" in html
    assert incident.acknowledged_at - incident.raised_at == timedelta(minutes=1)


def test_the_technician_cancels_from_the_phone(technician, tech_client):
    incident = _emergency(technician)
    response = _post(tech_client, f"/tech/incidents/{incident.pk}/cancel/", {"note": "Butt dial"})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CANCELLED and incident.close_note == "Butt dial"
    assert 'class="incident-card' not in tech_client.get("/tech/").content.decode()


def test_cancelling_another_technicians_emergency_is_404(technician, tech_client):
    incident = _emergency(TechnicianFactory())
    assert _post(tech_client, f"/tech/incidents/{incident.pk}/cancel/").status_code == 404
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.RAISED


def test_cancelling_twice_is_refused_with_the_reason(technician, tech_client):
    incident = _emergency(technician)
    _post(tech_client, f"/tech/incidents/{incident.pk}/cancel/")
    response = _post(tech_client, f"/tech/incidents/{incident.pk}/cancel/")
    assert response.status_code == 409 and "cancelled it as a false alarm" in response.content.decode()


def test_the_agents_emergency_opens_an_incident_too(technician, tech_client):
    response = tech_client.post(
        "/tech/agent/say/", {"text": "emergency I have been in an accident", "turn_key": str(uuid.uuid4())}
    )
    assert response.status_code == 302
    assert Incident.objects.get(technician=technician).status == IncidentStatus.RAISED
