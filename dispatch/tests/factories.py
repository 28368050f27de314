"""Minimal valid objects for dispatch's models."""

import datetime as dt

import factory
from django.utils import timezone

from dispatch import models


class TechnicianFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Technician

    name = factory.Sequence(lambda n: f"Technician {n}")
    phone = factory.Sequence(lambda n: f"555-01{n % 100:02d}")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Customer

    name = factory.Sequence(lambda n: f"Customer {n}")
    address = factory.Sequence(lambda n: f"{100 + n} Main Street, Springfield")
    phone = "555-0100"
    email = factory.LazyAttribute(lambda o: f"{o.name.lower().replace(' ', '.')}@example.com")
    preferred_schedule_start = dt.time(8)
    preferred_schedule_end = dt.time(16)


class WorkOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WorkOrder

    customer = factory.SubFactory(CustomerFactory)
    title = factory.Sequence(lambda n: f"Camera maintenance {n}")
    brief_description = "Check cameras and recorder"
    job_type = models.JobType.MAINTENANCE
    # The board's old fixed length, so a test's day doesn't depend on the job types' lengths;
    # tests of those lengths pass estimated_minutes=None.
    estimated_minutes = 120
    status = models.WorkOrderStatus.SCHEDULED
    assigned_technician = factory.SubFactory(TechnicianFactory)
    scheduled_for = factory.LazyFunction(lambda: timezone.now() + dt.timedelta(hours=2))


class WorkOrderNoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WorkOrderNote

    work_order = factory.SubFactory(WorkOrderFactory)
    technician = factory.SelfAttribute("work_order.assigned_technician")
    note_text = "Replaced the corroded BNC connector."


class WorkOrderHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.WorkOrderHistory

    work_order = factory.SubFactory(WorkOrderFactory)
    changed_by_type = models.ActorType.OFFICE
    changed_by_id = 1
    field_changed = "status"
    old_value = "pending"
    new_value = "scheduled"


class CustomerHistoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CustomerHistory

    customer = factory.SubFactory(CustomerFactory)
    notes = "Customer asked for a quote on two more cameras."
    created_by_type = models.ActorType.OFFICE
    created_by_id = 1


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Notification

    work_order = factory.SubFactory(WorkOrderFactory)
    notification_type = models.Notification.Type.NOTE_ALERT
    message = "Technician flagged a note for the office."


class ManualNotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ManualNotification

    technician = factory.SubFactory(TechnicianFactory)
    message = "Call the office when you can."
    priority = models.Priority.NORMAL


class CommunicationMessageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CommunicationMessage

    channel_type = models.Channel.PHONE
    direction = models.Direction.INBOUND
    customer = factory.SubFactory(CustomerFactory)
    body = "Customer called about a camera that is offline."


class CommunicationCallDetailFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CommunicationCallDetail

    communication_message = factory.SubFactory(CommunicationMessageFactory)
    call_type = models.CallType.INBOUND
    duration_seconds = 245
    wait_time_seconds = 12
    call_outcome = models.CallOutcome.ANSWERED
    queue_name = "support"


class PlanRunFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PlanRun

    day = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=1))


class MessageTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.MessageTemplate
        django_get_or_create = ("kind",)

    kind = factory.Iterator(models.MessageKind.values)
    subject = "Your visit on {date}"
    body = "Hello {customer}, {technician} comes at {time}."


class PushSubscriptionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.PushSubscription

    technician = factory.SubFactory(TechnicianFactory)
    endpoint = factory.Sequence(lambda n: f"https://push.example.net/send/{n}")
    p256dh = "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM"
    auth = "tBHItJI5svbpez7KI4CCXg"


class SkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Skill

    name = factory.Sequence(lambda n: f"Skill {n}")


class ServiceZoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.ServiceZone

    name = factory.Sequence(lambda n: f"Zone {n}")


class JobTypeSkillFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.JobTypeSkill

    job_type = models.JobType.INSTALLATION
    skill = factory.SubFactory(SkillFactory)


class VisitFactory(factory.django.DjangoModelFactory):
    """A second visit of an order, the next day at the same time, led by its technician."""

    class Meta:
        model = models.Visit

    work_order = factory.SubFactory(WorkOrderFactory)
    starts_at = factory.LazyAttribute(lambda o: o.work_order.scheduled_for + dt.timedelta(days=1))
    lead = factory.LazyAttribute(lambda o: o.work_order.assigned_technician)
    estimated_minutes = 120


class VisitHelperFactory(factory.django.DjangoModelFactory):
    """A helper on an order's first visit."""

    class Meta:
        model = models.VisitHelper

    work_order = factory.SubFactory(WorkOrderFactory)
    technician = factory.SubFactory(TechnicianFactory)
