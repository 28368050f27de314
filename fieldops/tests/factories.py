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


# The job's record


class JobAttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.JobAttachment

    work_order = factory.SubFactory(WorkOrderFactory)
    technician = factory.SelfAttribute("work_order.assigned_technician")
    file = factory.django.FileField(filename="photo.jpg", data=b"\xff\xd8\xff\xe0 a photo")
    content_type = "image/jpeg"
    size_bytes = 1000
    caption = "a photo"


class ChecklistTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ChecklistTemplate

    name = factory.Sequence(lambda n: f"Checklist {n}")
    job_type = "installation"
    # One active list per job type: the second of a batch is an old one.
    active = factory.Sequence(lambda n: n == 0)


class ChecklistItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ChecklistItem

    template = factory.SubFactory(ChecklistTemplateFactory, active=False)
    label = factory.Sequence(lambda n: f"Item {n}")


class ChecklistAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ChecklistAnswer

    work_order = factory.SubFactory(WorkOrderFactory)
    item = factory.SubFactory(ChecklistItemFactory)
    technician = factory.SelfAttribute("work_order.assigned_technician")
    label = "Mounted a"
    kind = "yes_no"
    value = "yes"
    passed = True


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Equipment

    customer = factory.SubFactory("dispatch.tests.factories.CustomerFactory")
    kind = "camera"
    make = "Axis"
    serial_number = factory.Sequence(lambda n: f"SN{n:05d}")


class EquipmentCredentialRevealFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.EquipmentCredentialReveal

    equipment = factory.SubFactory(EquipmentFactory)
    revealed_by_type = "office"
    revealed_by_id = 1


class CustomerSignatureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CustomerSignature

    work_order = factory.SubFactory(WorkOrderFactory)
    technician = factory.SelfAttribute("work_order.assigned_technician")
    signer_name = "Dana a"
    image = factory.django.FileField(filename="signature.png", data=b"\x89PNG\r\n\x1a\n a signature")


class ServiceReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ServiceReport

    work_order = factory.SubFactory(WorkOrderFactory, status="completed")
    version = factory.Sequence(lambda n: f"v{n:031d}")
    requested_version = factory.SelfAttribute("version")
    file = factory.django.FileField(filename="report.pdf", data=b"%PDF-1.4 a report")
    renders = 1


def _noon(day: dt.date) -> dt.datetime:
    """A rolled-up row's times follow from its day: no factory of the rollup reads the clock."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(12)))


class ReportDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReportDay

    day = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    built_at = factory.LazyAttribute(lambda o: _noon(o.day + dt.timedelta(days=1)))


class ReportTechnicianDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReportTechnicianDay

    day = factory.Sequence(lambda n: dt.date(2026, 1, 1) + dt.timedelta(days=n))
    technician_id = 1
    clocked = dt.timedelta(hours=8)
    worked = True
    travel = dt.timedelta(hours=1)
    on_site = dt.timedelta(hours=5)
    arrivals = 2
    on_time = 1


class ReportJobFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ReportJob

    day = dt.date(2026, 1, 5)
    work_order_id = factory.Sequence(lambda n: n + 1)
    technician_id = 1
    job_type = "repair"
    completed_at = factory.LazyAttribute(lambda o: _noon(o.day))
    on_site = dt.timedelta(hours=2)
    parts_cost = 0
    costed_parts = 0
