"""Minimal valid objects for fieldops' models."""

import datetime as dt
import uuid

import factory
from django.utils import timezone

from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import models
from inventory.tests.factories import TruckFactory


class ClockRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ClockRecord

    technician = factory.SubFactory(TechnicianFactory)
    truck = factory.SubFactory(TruckFactory)
    clock_in_time = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(hours=3))


class TravelLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TravelLog

    work_order = factory.SubFactory(WorkOrderFactory)
    technician = factory.SelfAttribute("work_order.assigned_technician")
    travel_start_time = factory.LazyFunction(lambda: timezone.now() - dt.timedelta(minutes=30))
    travel_end_time = factory.LazyAttribute(lambda o: o.travel_start_time + dt.timedelta(minutes=25))


class TechnicianActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TechnicianActivity

    technician = factory.SubFactory(TechnicianFactory)
    activity_type = models.ActivityType.SHIFT_START
    latitude = "40.712800"
    longitude = "-74.006000"
    accuracy_meters = 15


class VoiceAgentSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.VoiceAgentSession

    technician = factory.SubFactory(TechnicianFactory)


class VoiceAgentInteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.VoiceAgentInteraction

    session = factory.SubFactory(VoiceAgentSessionFactory)
    interaction_type = models.VoiceAgentInteraction.Type.TECHNICIAN_SPEECH
    content = "What's my next job?"


class OperationalEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.OperationalEvent

    event_type = "system_alert"
    event_category = models.EventCategory.SYSTEM
    severity = models.Severity.WARNING
    source_system = "techflow"
    title = "Backup took longer than usual"


class ProcessedActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ProcessedAction

    key = factory.LazyFunction(uuid.uuid4)
    technician = factory.SubFactory(TechnicianFactory)
    action = "clock_in"
    message = "Clocked in."
    redirect_to = "/tech/"


class IncidentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Incident

    technician = factory.SubFactory(TechnicianFactory)
    event = factory.SubFactory(OperationalEventFactory, event_type="emergency_stop", title="Emergency stop")
    notes = "Van slid off the road"
