"""Emergencies under concurrency, on PostgreSQL: two dispatchers, two servers, two presses at once."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from dispatch.models import Notification
from dispatch.tests.factories import TechnicianFactory
from fieldops import incidents, services
from fieldops.models import ActivityType, Incident, OperationalEvent
from fieldops.tests.test_concurrency import _race

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _raise(technician):
    services.event_record(technician=technician, activity_type=ActivityType.EMERGENCY_STOP)
    return Incident.objects.get(technician=technician, status="raised")


def test_two_dispatchers_acknowledging_at_once_record_one_and_tell_the_other():
    technician = TechnicianFactory()
    incident = _raise(technician)
    users = get_user_model()
    first, second = users.objects.create_user("ann"), users.objects.create_user("bob")
    results = _race(
        lambda: incidents.incident_acknowledge(incident=incident, user=first),
        lambda: incidents.incident_acknowledge(incident=incident, user=second),
    )
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and "Already acknowledged" in refused[0].messages[0]
    assert OperationalEvent.objects.filter(event_type="emergency_acknowledged").count() == 1


def test_servers_checking_at_once_escalate_an_incident_once(settings):
    settings.TECHFLOW_INCIDENT_ESCALATE_AFTER = 60
    incident = _raise(TechnicianFactory())
    later = incident.raised_at + timedelta(minutes=5)
    results = _race(*[lambda: incidents.incidents_escalate_due(now=later) for _ in range(4)])
    assert sum(len(r) for r in results) == 1
    assert OperationalEvent.objects.filter(event_type="emergency_escalated").count() == 1
    assert Notification.objects.filter(message__startswith="ESCALATED").count() == 1


def test_two_presses_at_once_open_one_incident():
    technician = TechnicianFactory()
    _race(
        lambda: services.event_record(technician=technician, activity_type=ActivityType.EMERGENCY_STOP),
        lambda: services.event_record(technician=technician, activity_type=ActivityType.EMERGENCY_STOP),
    )
    incident = Incident.objects.get(technician=technician)
    assert incident.alerts == 2
