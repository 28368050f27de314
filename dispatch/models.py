"""Customers, technicians, work orders and everything the office says about them."""

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, FilteredRelation, Q
from django.db.models.functions import Now

from dispatch import clock
from dispatch.db import ClockDateTimeField, TouchingQuerySet, UpdatedAtModel, choices_check, created_at_field

ID_AT_LEAST_ONE = Q(id__gte=1)


class TechnicianQuerySet(TouchingQuerySet):
    def with_open_clock(self) -> "TechnicianQuerySet":
        """Each technician's open clock record (and its truck) as `open_clock`, in the same query
        (the database allows one open record per technician); unset when clocked out."""
        return self.annotate(
            open_clock=FilteredRelation(
                "clock_records", condition=Q(clock_records__clock_out_time__isnull=True)
            )
        ).select_related("open_clock__truck")


class Technician(UpdatedAtModel):
    name = models.CharField(max_length=255)
    phone = models.CharField(max_length=20)
    active = models.BooleanField(default=True, db_default=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="technician",
        help_text="The login this technician signs in with (optional).",
    )
    created_at = created_at_field()

    objects = TechnicianQuerySet.as_manager()

    class Meta:
        db_table = "technicians"
        ordering = ["name"]
        constraints = [models.CheckConstraint(condition=ID_AT_LEAST_ONE, name="technicians_id_gte_1")]

    def __str__(self) -> str:
        return self.name


class Customer(UpdatedAtModel):
    name = models.CharField(max_length=255)
    address = models.TextField()
    phone = models.CharField(max_length=20)
    email = models.EmailField(max_length=255, null=True, blank=True)
    is_new_customer = models.BooleanField(default=True, db_default=True)
    preferred_schedule_start = models.TimeField(null=True, blank=True)
    preferred_schedule_end = models.TimeField(null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "customers"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=ID_AT_LEAST_ONE, name="customers_id_gte_1"),
            models.CheckConstraint(
                condition=Q(preferred_schedule_start__isnull=True)
                | Q(preferred_schedule_end__isnull=True)
                | Q(preferred_schedule_end__gt=F("preferred_schedule_start")),
                name="customers_preferred_window_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class WorkOrderQuerySet(TouchingQuerySet):
    def for_technician(self, technician: Technician) -> "WorkOrderQuerySet":
        return self.filter(assigned_technician=technician)

    def on_day(self, day: date) -> "WorkOrderQuerySet":
        """Orders scheduled on a calendar day of the company's time zone."""
        return self.in_days(day, day + timedelta(days=1))

    def in_days(self, first: date, after: date) -> "WorkOrderQuerySet":
        """Orders scheduled from `first` up to `after` (not included), in the company's time zone."""
        # scheduling reads these models, so it is imported when a query is built.
        from dispatch.scheduling import days_bounds

        start, end = days_bounds(first, after)
        return self.filter(scheduled_for__gte=start, scheduled_for__lt=end)

    def booked(self) -> "WorkOrderQuerySet":
        """The jobs that count on a technician's day: assigned and not cancelled (scheduling's rules)."""
        return self.filter(assigned_technician__isnull=False).exclude(status=WorkOrderStatus.CANCELLED)

    def today(self) -> "WorkOrderQuerySet":
        return self.on_day(clock.localdate())

    def open(self) -> "WorkOrderQuerySet":
        return self.exclude(status__in=[WorkOrder.Status.COMPLETED, WorkOrder.Status.CANCELLED])


class WorkOrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


class JobType(models.TextChoices):
    INSTALLATION = "installation", "New Installation"
    UPGRADE = "upgrade", "System Upgrade"
    MAINTENANCE = "maintenance", "Maintenance"
    REPAIR = "repair", "Repair"


class WorkOrder(UpdatedAtModel):
    Status = WorkOrderStatus

    JobType = JobType

    customer = models.ForeignKey(
        Customer, null=True, on_delete=models.PROTECT, related_name="work_orders", db_index=False
    )  # indexed as idx_work_orders_customer
    title = models.CharField(max_length=255)
    brief_description = models.CharField(max_length=500)
    full_summary = models.TextField(null=True, blank=True)
    job_type = models.CharField(max_length=20, choices=JobType, null=True, blank=True)
    status = models.CharField(
        max_length=50, choices=Status, default=Status.PENDING, db_default=Status.PENDING
    )
    assigned_technician = models.ForeignKey(
        Technician,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
        db_index=False,
    )  # indexed as idx_work_orders_technician
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,  # the seed's created_by_id is a plain integer
    )
    created_at = created_at_field()
    scheduled_for = models.DateTimeField(null=True, blank=True)
    # Bumped by every change through the services: an editor holding an older version
    # is refused instead of overwriting someone else's change.
    version = models.PositiveIntegerField(default=1, db_default=1, editable=False)

    objects = WorkOrderQuerySet.as_manager()

    # Which status may follow which. Completed and cancelled are final.
    TRANSITIONS = {
        WorkOrderStatus.PENDING: (
            WorkOrderStatus.SCHEDULED,
            WorkOrderStatus.IN_PROGRESS,
            WorkOrderStatus.CANCELLED,
        ),
        WorkOrderStatus.SCHEDULED: (
            WorkOrderStatus.PENDING,
            WorkOrderStatus.IN_PROGRESS,
            WorkOrderStatus.CANCELLED,
        ),
        WorkOrderStatus.IN_PROGRESS: (
            WorkOrderStatus.COMPLETED,
            WorkOrderStatus.SCHEDULED,
            WorkOrderStatus.CANCELLED,
        ),
        WorkOrderStatus.COMPLETED: (),
        WorkOrderStatus.CANCELLED: (),
    }

    # Fields whose changes are written to work_order_history.
    TRACKED_FIELDS = (
        "customer",
        "title",
        "brief_description",
        "full_summary",
        "job_type",
        "status",
        "assigned_technician",
        "scheduled_for",
    )

    class Meta:
        db_table = "work_orders"
        ordering = ["scheduled_for", "id"]
        constraints = [
            models.CheckConstraint(condition=ID_AT_LEAST_ONE, name="work_orders_id_gte_1"),
            choices_check("status", WorkOrderStatus, "work_orders_status_valid"),
            models.CheckConstraint(
                condition=Q(job_type__isnull=True) | Q(job_type__in=JobType.values),
                name="work_orders_job_type_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["assigned_technician"], name="idx_work_orders_technician"),
            models.Index(fields=["status"], name="idx_work_orders_status"),
            models.Index(fields=["customer"], name="idx_work_orders_customer"),
            models.Index(fields=["scheduled_for"], name="idx_work_orders_scheduled"),
            # A technician's day and the dispatch board read by (technician, time).
            models.Index(fields=["assigned_technician", "scheduled_for"], name="idx_work_orders_tech_sched"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[WorkOrderStatus(self.status)]

    @property
    def can_have_summary(self) -> bool:
        """A summary is written once the job is completed (work_order_summary_write enforces it)."""
        return self.status == WorkOrderStatus.COMPLETED

    @property
    def is_open(self) -> bool:
        return self.status not in (self.Status.COMPLETED, self.Status.CANCELLED)

    @property
    def is_late(self) -> bool:
        return bool(self.is_open and self.scheduled_for and self.scheduled_for < clock.now())

    @property
    def is_late_to_start(self) -> bool:
        """Its time has passed and work hasn't started: what the office chases."""
        return self.status in (WorkOrderStatus.PENDING, WorkOrderStatus.SCHEDULED) and self.is_late


class ActorType(models.TextChoices):
    """Who made a change: the seed's changed_by_type / created_by_type."""

    OFFICE = "office", "Office"
    TECHNICIAN = "technician", "Technician"
    ADMIN = "admin", "Admin"
    VOICE_AGENT = "voice_agent", "Voice agent"
    SYSTEM = "system", "System"


class WorkOrderNote(models.Model):
    # Both keys are indexed under the seed's names in Meta.indexes.
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="notes", db_index=False)
    technician = models.ForeignKey(
        Technician, null=True, blank=True, on_delete=models.PROTECT, related_name="notes", db_index=False
    )
    note_text = models.TextField()
    alert_office = models.BooleanField(default=False, db_default=False)
    # Who wrote it: a technician's note names them above too; an office or admin note has
    # only these (the user's id), as in customer_history.
    created_by_type = models.CharField(max_length=50, choices=ActorType, null=True, blank=True)
    created_by_id = models.IntegerField(null=True, blank=True)
    created_at = created_at_field()
    updated_at = ClockDateTimeField(auto_now=True, db_default=Now())

    class Meta:
        db_table = "work_order_notes"
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["work_order"], name="idx_work_order_notes_work_order"),
            models.Index(fields=["technician"], name="idx_work_order_notes_technician"),
        ]

    def __str__(self) -> str:
        return self.note_text[:60]


class WorkOrderHistory(models.Model):
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="history")
    changed_by_type = models.CharField(max_length=50, choices=ActorType, null=True)
    changed_by_id = models.IntegerField(null=True)
    field_changed = models.CharField(max_length=100, null=True)
    old_value = models.TextField(null=True)
    new_value = models.TextField(null=True)
    created_at = created_at_field()

    class Meta:
        db_table = "work_order_history"
        ordering = ["created_at", "id"]
        verbose_name_plural = "work order history"
        indexes = [models.Index(fields=["work_order", "created_at"], name="idx_wo_history_work_order")]

    def __str__(self) -> str:
        return f"{self.field_changed}: {self.old_value} → {self.new_value}"


class CustomerHistory(models.Model):
    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="history")
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="customer_history"
    )
    notes = models.TextField(null=True)
    created_by_type = models.CharField(max_length=50, choices=ActorType, null=True)
    created_by_id = models.IntegerField(null=True)
    created_at = created_at_field()

    class Meta:
        db_table = "customer_history"
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "customer history"
        indexes = [models.Index(fields=["customer", "created_at"], name="idx_customer_history_customer")]

    def __str__(self) -> str:
        return (self.notes or "")[:60]


class Notification(models.Model):
    class Type(models.TextChoices):
        NOTE_ALERT = "note_alert", "Note alert"
        STATUS_CHANGE = "status_change", "Status change"
        ASSIGNMENT = "assignment", "Assignment"
        RUNNING_LATE = "running_late", "Running late"
        LOW_STOCK = "low_stock", "Low stock"
        SYSTEM = "system", "System"
        EMERGENCY = "emergency", "Emergency"

    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    notification_type = models.CharField(max_length=50, choices=Type, null=True)
    message = models.TextField(null=True)
    is_read = models.BooleanField(default=False, db_default=False)
    created_at = created_at_field()

    class Meta:
        db_table = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["is_read"], name="idx_notifications_unread", condition=Q(is_read=False)),
            models.Index(fields=["-created_at"], name="idx_notifications_created"),
        ]

    def __str__(self) -> str:
        return (self.message or "")[:60]


class Priority(models.TextChoices):
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


class ManualNotification(models.Model):
    Priority = Priority

    technician = models.ForeignKey(
        Technician, null=True, on_delete=models.PROTECT, related_name="manual_notifications"
    )
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="manual_notifications"
    )
    message = models.TextField(null=True)
    priority = models.CharField(
        max_length=50, choices=Priority, default=Priority.NORMAL, db_default=Priority.NORMAL
    )
    is_read = models.BooleanField(default=False, db_default=False)
    created_at = created_at_field()

    class Meta:
        db_table = "manual_notifications"
        ordering = ["-created_at", "-id"]
        constraints = [choices_check("priority", Priority, "manual_notifications_priority_valid")]
        indexes = [
            models.Index(fields=["technician"], name="idx_manual_notif_unread", condition=Q(is_read=False))
        ]

    def __str__(self) -> str:
        return (self.message or "")[:60]


class PushSubscription(models.Model):
    """A technician's browser that agreed to Web Push: where the push service takes messages for it
    and the keys they are encrypted with (the browser's PushSubscription, as JSON gives it)."""

    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="push_subscriptions")
    endpoint = models.URLField(max_length=1000, unique=True)
    p256dh = models.CharField(max_length=200)
    auth = models.CharField(max_length=100)
    created_at = created_at_field()
    last_sent_at = models.DateTimeField(null=True, blank=True)
    # Failed sends in a row; the push service's "gone" (404/410) removes the row instead.
    failures = models.PositiveIntegerField(default=0, db_default=0)

    class Meta:
        db_table = "push_subscriptions"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.technician}: {self.endpoint[:60]}"


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"
    IN_APP = "in_app", "In app"
    VOICE_AGENT = "voice_agent", "Voice agent"


class Direction(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"


class CommunicationMessage(models.Model):
    """A message or call with a customer or technician; the seed's communication_messages."""

    Channel = Channel

    Direction = Direction

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    channel_type = models.CharField(max_length=20, choices=Channel)
    direction = models.CharField(max_length=10, choices=Direction)
    customer = models.ForeignKey(
        Customer, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    technician = models.ForeignKey(
        Technician, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="messages"
    )
    thread_id = models.UUIDField(default=uuid.uuid4, db_index=True)
    subject = models.CharField(max_length=255, blank=True, default="")
    body = models.TextField(blank=True, default="")
    created_at = created_at_field()
    sent_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "communication_messages"
        ordering = ["-created_at"]
        constraints = [
            choices_check("channel_type", Channel, "communication_messages_channel_valid"),
            choices_check("direction", Direction, "communication_messages_direction_valid"),
        ]
        indexes = [models.Index(fields=["customer", "-created_at"], name="idx_comm_messages_customer")]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_channel_type_display()}"


class CallType(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    MISSED = "missed", "Missed"
    VOICEMAIL = "voicemail", "Voicemail"


class CallOutcome(models.TextChoices):
    ANSWERED = "answered", "Answered"
    VOICEMAIL_LEFT = "voicemail_left", "Voicemail left"
    NO_ANSWER = "no_answer", "No answer"
    BUSY = "busy", "Busy"
    FAILED = "failed", "Failed"
    TRANSFERRED = "transferred", "Transferred"


class CommunicationCallDetail(models.Model):
    CallType = CallType

    Outcome = CallOutcome

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    communication_message = models.OneToOneField(
        CommunicationMessage, on_delete=models.PROTECT, related_name="call_detail"
    )
    call_type = models.CharField(max_length=20, choices=CallType)
    duration_seconds = models.IntegerField(null=True, blank=True)
    wait_time_seconds = models.IntegerField(null=True, blank=True)
    recording_url = models.TextField(null=True, blank=True)
    transcription = models.TextField(null=True, blank=True)
    sentiment_score = models.DecimalField(max_digits=4, decimal_places=3, null=True, blank=True)
    call_outcome = models.CharField(max_length=20, choices=Outcome, null=True, blank=True)
    # The seed's transferred_to_contact_id: the contact is a technician here.
    transferred_to = models.ForeignKey(
        Technician, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    queue_name = models.TextField(null=True, blank=True)
    ivr_path = models.JSONField(null=True, blank=True)

    class Meta:
        db_table = "communication_call_details"
        constraints = [
            choices_check("call_type", CallType, "call_details_call_type_valid"),
            models.CheckConstraint(
                condition=Q(call_outcome__isnull=True) | Q(call_outcome__in=CallOutcome.values),
                name="call_details_call_outcome_valid",
            ),
            models.CheckConstraint(
                condition=Q(duration_seconds__isnull=True) | Q(duration_seconds__gte=0),
                name="call_details_duration_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(wait_time_seconds__isnull=True) | Q(wait_time_seconds__gte=0),
                name="call_details_wait_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(sentiment_score__isnull=True)
                | Q(sentiment_score__gte=-1, sentiment_score__lte=1),
                name="call_details_sentiment_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_call_type_display()} call"
