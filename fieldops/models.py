"""What happens in the field: clock records, travel, activity, the voice agent, events."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Max, Q

from dispatch.db import choices_check, created_at_field, on_earth
from dispatch.models import Technician, WorkOrder
from inventory.models import Truck


class ClockRecord(models.Model):
    technician = models.ForeignKey(Technician, on_delete=models.PROTECT, related_name="clock_records")
    truck = models.ForeignKey(Truck, null=True, on_delete=models.PROTECT, related_name="clock_records")
    clock_in_time = models.DateTimeField()
    clock_out_time = models.DateTimeField(null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "technician_clock_records"
        ordering = ["-clock_in_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(clock_out_time__isnull=True) | Q(clock_out_time__gte=F("clock_in_time")),
                name="clock_records_out_after_in",
            ),
            models.UniqueConstraint(
                fields=["technician"],
                condition=Q(clock_out_time__isnull=True),
                name="clock_records_one_open_per_technician",
            ),
        ]
        indexes = [
            models.Index(fields=["clock_in_time"], name="idx_technician_clock_records_date"),
            # The office's change digest reads the latest clock-out (dispatch.selectors.office_fingerprint).
            models.Index(fields=["clock_out_time"], name="idx_clock_records_out"),
        ]

    def __str__(self) -> str:
        return f"{self.technician} on {self.truck} from {self.clock_in_time:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.clock_out_time is None


class TravelLog(models.Model):
    work_order = models.ForeignKey(WorkOrder, null=True, on_delete=models.PROTECT, related_name="travel_logs")
    technician = models.ForeignKey(
        Technician, null=True, on_delete=models.PROTECT, related_name="travel_logs"
    )
    travel_start_time = models.DateTimeField(null=True)
    travel_end_time = models.DateTimeField(null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "travel_logs"
        ordering = ["-travel_start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(travel_end_time__isnull=True)
                | Q(travel_start_time__isnull=False, travel_end_time__gte=F("travel_start_time")),
                name="travel_logs_end_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["work_order"], name="idx_travel_logs_work_order"),
            models.Index(fields=["technician", "travel_start_time"], name="idx_travel_logs_technician"),
            # A day's or a period's drives, everyone's (the reports: fieldops.reports._day_facts).
            models.Index(fields=["travel_start_time"], name="idx_travel_logs_start"),
        ]

    def __str__(self) -> str:
        return f"{self.technician} → {self.work_order}"


class ActivityType(models.TextChoices):
    SHIFT_START = "shift_start", "Shift start"
    SHIFT_END = "shift_end", "Shift end"
    BREAK_START = "break_start", "Break start"
    BREAK_END = "break_end", "Break end"
    TRAVEL_START = "travel_start", "Travel start"
    TRAVEL_END = "travel_end", "Travel end"
    ARRIVED_ON_SITE = "arrived_on_site", "Arrived on site"
    WORK_STARTED = "work_started", "Work started"
    WORK_PAUSED = "work_paused", "Work paused"
    WORK_RESUMED = "work_resumed", "Work resumed"
    WORK_COMPLETED = "work_completed", "Work completed"
    LEFT_SITE = "left_site", "Left site"
    VEHICLE_INSPECTION = "vehicle_inspection", "Vehicle inspection"
    FUEL_STOP = "fuel_stop", "Fuel stop"
    EMERGENCY_STOP = "emergency_stop", "Emergency stop"


class TechnicianActivity(models.Model):
    """One thing a technician did, where and when: the second seed's technician_activity."""

    Type = ActivityType

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = created_at_field()
    # The seed's technician_contact_id, visit_id and vehicle_id.
    technician = models.ForeignKey(Technician, on_delete=models.PROTECT, related_name="activities")
    activity_type = models.CharField(max_length=30, choices=Type)
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    truck = models.ForeignKey(
        Truck, null=True, blank=True, on_delete=models.PROTECT, related_name="activities"
    )
    # The seed's visit_id, where the step was on a later visit (a `visits` row); empty on an
    # order's first visit (the order itself, `work_order`) and off a job.
    visit = models.ForeignKey(
        "dispatch.Visit",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="activities",
        db_index=False,
    )
    # The seed's location object, flattened into columns.
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_meters = models.IntegerField(null=True, blank=True)
    address = models.TextField(null=True, blank=True)
    notes = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    # Not in the seed: the technician's own running number. Two steps can share one instant
    # (a tap that ends travel and arrives), so state is read by (created_at, sequence), never by
    # created_at alone. Assigned under the technician's row lock the services take.
    sequence = models.PositiveBigIntegerField(editable=False)

    class Meta:
        db_table = "technician_activity"
        ordering = ["-created_at", "-sequence"]
        verbose_name_plural = "technician activity"
        constraints = [
            choices_check("activity_type", ActivityType, "technician_activity_type_valid"),
            *on_earth("technician_activity"),
            models.CheckConstraint(
                condition=Q(accuracy_meters__isnull=True) | Q(accuracy_meters__gte=0),
                name="technician_activity_accuracy_non_negative",
            ),
            models.UniqueConstraint(
                fields=["technician", "sequence"], name="technician_activity_one_sequence_per_technician"
            ),
        ]
        indexes = [
            models.Index(fields=["technician", "-created_at", "-sequence"], name="idx_activity_technician"),
            models.Index(fields=["work_order", "created_at"], name="idx_activity_work_order"),
            models.Index(fields=["-created_at"], name="idx_activity_created"),
            # A visit's steps (and the check that a visit with steps is not removed).
            models.Index(fields=["visit"], name="idx_activity_visit", condition=Q(visit__isnull=False)),
            # The reports' time on site: arrivals, departures and completions of a period, read
            # from the index alone (fieldops.reports._visits).
            models.Index(
                fields=["created_at"],
                include=["technician", "work_order", "activity_type", "sequence"],
                condition=Q(
                    activity_type__in=[
                        ActivityType.ARRIVED_ON_SITE,
                        ActivityType.LEFT_SITE,
                        ActivityType.WORK_COMPLETED,
                    ],
                    work_order__isnull=False,
                ),
                name="idx_activity_site_visits",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.technician}: {self.get_activity_type_display()}"

    def save(self, *args, **kwargs):
        if self.sequence is None:
            self.sequence = next_activity_sequence(self.technician_id)
        super().save(*args, **kwargs)

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


def next_activity_sequence(technician_id: int) -> int:
    """The next running number of a technician's activity (one index lookup).

    Safe under the technician's row lock, which every step service takes first; the unique
    (technician, sequence) constraint refuses a writer that skipped it.
    """
    last = TechnicianActivity.objects.filter(technician_id=technician_id).aggregate(last=Max("sequence"))
    return (last["last"] or 0) + 1


class VoiceAgentSession(models.Model):
    technician = models.ForeignKey(
        Technician, null=True, on_delete=models.PROTECT, related_name="voice_sessions"
    )
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="voice_sessions"
    )
    session_start = created_at_field()
    session_end = models.DateTimeField(null=True, blank=True)
    is_active = models.BooleanField(default=True, db_default=True)
    # Not in the seed: the agent ends a session after 30 idle minutes, and keeps the one action
    # waiting for "yes" here, so a confirmation survives between requests and across app servers.
    last_activity_at = models.DateTimeField(null=True, blank=True)
    pending = models.JSONField(
        null=True, blank=True, help_text="The action waiting for the technician's yes."
    )

    class Meta:
        db_table = "voice_agent_sessions"
        ordering = ["-session_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["technician"],
                condition=Q(is_active=True),
                name="voice_sessions_one_active_per_technician",
            ),
            models.CheckConstraint(
                condition=Q(session_end__isnull=True) | Q(session_end__gte=F("session_start")),
                name="voice_sessions_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"Voice session {self.pk} ({self.technician})"


class VoiceAgentInteraction(models.Model):
    class Type(models.TextChoices):
        TECHNICIAN_SPEECH = "technician_speech", "Technician said"
        AGENT_RESPONSE = "agent_response", "Agent answered"
        ACTION = "action", "Action taken"
        ERROR = "error", "Error"

    session = models.ForeignKey(
        VoiceAgentSession, null=True, on_delete=models.CASCADE, related_name="interactions"
    )
    interaction_type = models.CharField(max_length=50, choices=Type, null=True)
    content = models.TextField(null=True)
    created_at = created_at_field()
    # Not in the seed: the job a turn was about, so the office reads a work order's transcript
    # even when one session covered several jobs.
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="voice_interactions"
    )

    class Meta:
        db_table = "voice_agent_interactions"
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["session", "created_at"], name="idx_voice_interactions_session")]

    def __str__(self) -> str:
        return (self.content or "")[:60]


class EventCategory(models.TextChoices):
    COMMUNICATION = "communication", "Communication"
    SECURITY = "security", "Security"
    OPERATIONAL = "operational", "Operational"
    SYSTEM = "system", "System"


class Severity(models.TextChoices):
    INFO = "info", "Info"
    WARNING = "warning", "Warning"
    ERROR = "error", "Error"
    CRITICAL = "critical", "Critical"


class OperationalEvent(models.Model):
    Category = EventCategory

    Severity = Severity

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    created_at = created_at_field()
    event_type = models.TextField()  # 'phone_ring', 'alarm_triggered', 'system_alert', ...
    event_category = models.CharField(max_length=20, choices=Category)
    severity = models.CharField(
        max_length=10, choices=Severity, default=Severity.INFO, db_default=Severity.INFO
    )
    source_system = models.TextField(null=True, blank=True)
    title = models.TextField()
    description = models.TextField(null=True, blank=True)
    metadata = models.JSONField(default=dict, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    # The seed's resolved_by_contact_id: whoever resolves an event is a user.
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # Not in the seed: what the person who resolved it wrote, and the cause's key for events the
    # system raises (one event per cause, e.g. "late_start:<work order>:<time>"; none for others).
    resolution_note = models.TextField(blank=True, default="", db_default="")
    cause_key = models.CharField(max_length=200, null=True, blank=True, unique=True)

    class Meta:
        db_table = "operational_event"
        ordering = ["-created_at"]
        constraints = [
            choices_check("event_category", EventCategory, "operational_event_category_valid"),
            choices_check("severity", Severity, "operational_event_severity_valid"),
            models.CheckConstraint(
                condition=Q(resolved_by__isnull=True) | Q(resolved_at__isnull=False),
                name="operational_event_resolved_by_needs_time",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at"], name="idx_operational_event_created"),
            models.Index(
                fields=["severity"], name="idx_operational_event_open", condition=Q(resolved_at__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class ProcessedAction(models.Model):
    """An action a phone sent, by its idempotency key: a retry answers from here instead of acting twice.

    Keys are the technician's own (unique per technician). `fingerprint` is the hash of the request
    (path and form fields) the key first came with: the key back with another request is refused (422).
    """

    key = models.UUIDField()
    technician = models.ForeignKey(Technician, on_delete=models.CASCADE, related_name="+")
    action = models.CharField(max_length=50)
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    ok = models.BooleanField(default=True)
    message = models.TextField(blank=True, default="")
    redirect_to = models.CharField(max_length=500, blank=True, default="")
    created_at = created_at_field()

    class Meta:
        db_table = "processed_actions"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["technician", "key"], name="processed_action_technician_key_unique"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idx_processed_actions_created")]

    def __str__(self) -> str:
        return f"{self.action} {self.key}"


class IncidentStatus(models.TextChoices):
    RAISED = "raised", "Waiting for the office"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    CANCELLED = "cancelled", "Cancelled by the technician"
    RESOLVED = "resolved", "Resolved"


OPEN_INCIDENT = (IncidentStatus.RAISED, IncidentStatus.ACKNOWLEDGED)


class Incident(models.Model):
    """A technician's emergency, from the red button (or the agent) until a person deals with it.

    Raised, it is pinned on every office page until someone in the office acknowledges it; nobody
    acknowledging within TECHFLOW_INCIDENT_ESCALATE_AFTER seconds escalates it once. Each step is
    an operational_event too (the seed's record of what happened); `event` is the critical one it
    was raised with. The job it happened on is kept as a plain id, not a foreign key: the incident
    is a safety record and stays when archive_work_orders moves the job away.
    """

    Status = IncidentStatus

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    technician = models.ForeignKey(Technician, on_delete=models.PROTECT, related_name="incidents")
    status = models.CharField(
        max_length=20, choices=IncidentStatus, default=IncidentStatus.RAISED, db_default=IncidentStatus.RAISED
    )
    raised_at = created_at_field()
    notes = models.TextField(blank=True, default="")
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_meters = models.IntegerField(null=True, blank=True)
    work_order_id = models.PositiveIntegerField(null=True, blank=True)
    truck = models.ForeignKey(Truck, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # The emergency_stop activity (no foreign key, for the same reason as the job).
    activity_id = models.UUIDField(null=True, blank=True)
    event = models.ForeignKey(OperationalEvent, on_delete=models.PROTECT, related_name="+")
    # How many times the technician pressed while nobody had acknowledged.
    alerts = models.PositiveIntegerField(default=1, db_default=1)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    escalated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    close_note = models.TextField(blank=True, default="")

    class Meta:
        db_table = "incidents"
        ordering = ["-raised_at"]
        constraints = [
            choices_check("status", IncidentStatus, "incidents_status_valid"),
            # A second press before anyone answered joins the incident that is waiting.
            models.UniqueConstraint(
                fields=["technician"],
                condition=Q(status=IncidentStatus.RAISED),
                name="incidents_one_waiting_per_technician",
            ),
            models.CheckConstraint(
                condition=Q(acknowledged_by__isnull=True) | Q(acknowledged_at__isnull=False),
                name="incidents_acknowledged_by_needs_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=OPEN_INCIDENT) | Q(closed_at__isnull=False),
                name="incidents_closed_needs_time",
            ),
            *on_earth("incidents"),
        ]
        indexes = [
            models.Index(
                fields=["raised_at"], name="idx_incidents_open", condition=Q(status__in=OPEN_INCIDENT)
            ),
            models.Index(fields=["technician", "-raised_at"], name="idx_incidents_technician"),
        ]

    def __str__(self) -> str:
        return f"Emergency: {self.technician} at {self.raised_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_INCIDENT

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class ReportDay(models.Model):
    """A closed day of the reports' rollup (fieldops.reports). `version` goes up each time the
    day's records change after it ended (a step saved offline and replayed after midnight, an
    admin's correction); its rows are good while `built_version` is the current version. A build
    reads the version before it reads the records, and writes only if it is unchanged then."""

    day = models.DateField(primary_key=True)
    version = models.PositiveIntegerField(default=0)
    built_version = models.PositiveIntegerField(null=True, blank=True)
    built_at = models.DateTimeField(null=True, blank=True)
    # The follow-ups of the day's jobs are written down as of this time (report_jobs.followed_up:
    # true once a later order came, false once the 30 days are over, empty in between); a report
    # asks the work orders only about what was created since (fieldops.reports).
    follow_ups_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "report_days"

    def __str__(self) -> str:
        return f"Report numbers of {self.day}"

    @property
    def is_current(self) -> bool:
        return self.built_version == self.version


class ReportTechnicianDay(models.Model):
    """One technician's numbers on one closed day: the reports page sums these over a period.
    A derived table (rebuilt from the activity, clock and travel records), so it keeps plain ids:
    archiving an old order does not take its day's numbers with it."""

    day = models.DateField()
    technician_id = models.IntegerField()
    clocked = models.DurationField()
    worked = models.BooleanField()
    travel = models.DurationField()
    on_site = models.DurationField()
    arrivals = models.PositiveIntegerField()
    on_time = models.PositiveIntegerField()

    class Meta:
        db_table = "report_technician_days"
        constraints = [
            models.UniqueConstraint(fields=["day", "technician_id"], name="report_technician_days_one_row"),
        ]
        indexes = [models.Index(fields=["technician_id", "day"], name="idx_report_days_technician")]

    def __str__(self) -> str:
        return f"Technician {self.technician_id} on {self.day}"


class ReportJob(models.Model):
    """A job completed on a closed day: who completed it (the last to), its type, customer and time,
    the time everyone spent on site that day, the cost of its parts, and whether a follow-up came
    (known only 30 days later: until then a report asks the work orders)."""

    day = models.DateField()
    work_order_id = models.IntegerField()
    technician_id = models.IntegerField()
    job_type = models.CharField(max_length=50, blank=True)
    customer_id = models.IntegerField(null=True)
    completed_at = models.DateTimeField()
    on_site = models.DurationField()
    parts_cost = models.DecimalField(max_digits=12, decimal_places=2)
    costed_parts = models.IntegerField()
    # True as soon as a later order for the customer is seen, false once the 30 days after the
    # completion are over without one (fieldops.reports.follow_ups_write); empty in between.
    followed_up = models.BooleanField(null=True)

    class Meta:
        db_table = "report_jobs"
        constraints = [
            models.UniqueConstraint(fields=["day", "work_order_id"], name="report_jobs_one_row"),
        ]
        indexes = [
            models.Index(fields=["technician_id", "day"], name="idx_report_jobs_technician"),
            # The jobs whose follow-up answer is not known yet (reports.follow_ups_write), and the
            # days that have such jobs (reports._followed_up_since).
            models.Index(
                fields=["day", "completed_at"],
                name="idx_report_jobs_open",
                condition=Q(followed_up__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"Work order {self.work_order_id} completed on {self.day}"


from fieldops.record_models import *  # noqa: E402,F403  (the job record: photos, checklists, equipment, sign-off)
