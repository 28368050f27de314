"""Customers, technicians, work orders and everything the office says about them."""

import uuid
from datetime import date, datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Exists, F, FilteredRelation, OuterRef, Q
from django.db.models.functions import Now
from django.utils import timezone

from dispatch import clock
from dispatch.db import (
    ClockDateTimeField,
    TouchingQuerySet,
    UpdatedAtModel,
    both_or_neither,
    choices_check,
    created_at_field,
    on_earth,
)

ID_AT_LEAST_ONE = Q(id__gte=1)


def coordinate_field(label: str) -> models.DecimalField:
    return models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True, verbose_name=label)


class Skill(models.Model):
    """Something a job may need a technician to be able to do (PTZ cameras, fibre splicing...)."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        db_table = "skills"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ServiceZone(models.Model):
    """An area of the city the office plans by; customers sit in one, technicians are based in one."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        db_table = "service_zones"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


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
    # Their own working hours; empty: the company's (TECHFLOW_WORK_START / TECHFLOW_WORK_END).
    work_start = models.TimeField(
        null=True, blank=True, help_text="Starts work at (empty: the company's hours, 7:00 AM by default)."
    )
    work_end = models.TimeField(
        null=True, blank=True, help_text="Ends work at (empty: the company's hours, 5:00 PM by default)."
    )
    # Saturday and Sunday (the seed: 7 AM - 1 PM at weekends); empty: the company's weekend hours
    # (TECHFLOW_WEEKEND_WORK_START / _END), which are the weekday hours unless set.
    weekend_start = models.TimeField(
        null=True,
        blank=True,
        help_text="Starts work on Saturday and Sunday at (empty: the company's weekend hours, else "
        "as on weekdays).",
    )
    weekend_end = models.TimeField(
        null=True,
        blank=True,
        help_text="Ends work on Saturday and Sunday at (empty: the company's weekend hours, else "
        "as on weekdays).",
    )
    created_at = created_at_field()
    # Not in the seed: what they can do, and where their day starts.
    skills = models.ManyToManyField(
        Skill, blank=True, related_name="technicians", db_table="technician_skills"
    )
    home_zone = models.ForeignKey(
        ServiceZone, null=True, blank=True, on_delete=models.SET_NULL, related_name="technicians"
    )
    home_latitude = coordinate_field("home base latitude")
    home_longitude = coordinate_field("home base longitude")

    objects = TechnicianQuerySet.as_manager()

    class Meta:
        db_table = "technicians"
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=ID_AT_LEAST_ONE, name="technicians_id_gte_1"),
            models.CheckConstraint(
                condition=Q(work_start__isnull=True)
                | Q(work_end__isnull=True)
                | Q(work_start__lt=F("work_end")),
                name="technicians_work_hours_in_order",
            ),
            models.CheckConstraint(
                condition=Q(weekend_start__isnull=True)
                | Q(weekend_end__isnull=True)
                | Q(weekend_start__lt=F("weekend_end")),
                name="technicians_weekend_hours_in_order",
            ),
            *on_earth("technicians", "home_"),
            both_or_neither("technicians", "home_"),
        ]

    def clean(self) -> None:
        super().clean()
        if self.work_start and self.work_end and self.work_start >= self.work_end:
            raise ValidationError({"work_end": "The end of work must be later than its start."})
        if self.weekend_start and self.weekend_end and self.weekend_start >= self.weekend_end:
            raise ValidationError(
                {"weekend_end": "The end of work at weekends must be later than its start."}
            )
        # One end of their own with the other end the company's can still be the wrong way round.
        from dispatch.formatting import clock_time
        from dispatch.scheduling import work_hours

        for field_name, day, when in (("work_end", None, ""), ("weekend_end", SATURDAY, " at weekends")):
            begins, ends = work_hours(self, day)
            if begins >= ends:
                raise ValidationError(
                    {
                        field_name: f"With these hours and the company's, work{when} would start at "
                        f"{clock_time(begins)} and end at {clock_time(ends)}: give both ends."
                    }
                )

    def __str__(self) -> str:
        return self.name


SATURDAY = date(2024, 1, 6)  # any Saturday: the weekend hours' day in Technician.clean


class Customer(UpdatedAtModel):
    name = models.CharField(max_length=255)
    address = models.TextField()
    phone = models.CharField(max_length=20)
    email = models.EmailField(max_length=255, null=True, blank=True)
    is_new_customer = models.BooleanField(default=True, db_default=True)
    preferred_schedule_start = models.TimeField(null=True, blank=True)
    preferred_schedule_end = models.TimeField(null=True, blank=True)
    created_at = created_at_field()
    # Not in the seed: the customer asked us not to send them messages (confirmations, reminders,
    # "on my way", job completed) by e-mail or text.
    messages_opt_out = models.BooleanField(
        default=False, db_default=False, verbose_name="No e-mails or texts from us"
    )
    # Not in the seed: where the customer is (a pin on the map, an address search or the
    # technician's first arrival), and the service zone they sit in.
    zone = models.ForeignKey(
        ServiceZone, null=True, blank=True, on_delete=models.SET_NULL, related_name="customers"
    )
    latitude = coordinate_field("latitude")
    longitude = coordinate_field("longitude")

    class Meta:
        db_table = "customers"
        ordering = ["name"]
        # The customer list and pickers read customers by name, a page at a time.
        indexes = [models.Index(fields=["name", "id"], name="idx_customers_name")]
        constraints = [
            models.CheckConstraint(condition=ID_AT_LEAST_ONE, name="customers_id_gte_1"),
            models.CheckConstraint(
                condition=Q(preferred_schedule_start__isnull=True)
                | Q(preferred_schedule_end__isnull=True)
                | Q(preferred_schedule_end__gt=F("preferred_schedule_start")),
                name="customers_preferred_window_order",
            ),
            *on_earth("customers"),
            both_or_neither("customers"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def has_position(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class WorkOrderQuerySet(TouchingQuerySet):
    def for_technician(self, technician: Technician) -> "WorkOrderQuerySet":
        return self.filter(assigned_technician=technician)

    def worked_by(self, technician: Technician) -> "WorkOrderQuerySet":
        """Orders the technician works on: as the first visit's lead (the order's technician), as a
        later visit's lead, or as a helper on any visit."""
        return self.filter(
            Q(assigned_technician=technician)
            | Exists(Visit.objects.filter(work_order=OuterRef("pk"), lead=technician))
            | Exists(VisitHelper.objects.filter(work_order=OuterRef("pk"), technician=technician))
        )

    def on_day(self, day: date) -> "WorkOrderQuerySet":
        """Orders scheduled on a calendar day of the company's time zone."""
        return self.in_days(day, day + timedelta(days=1))

    def in_days(self, first: date, after: date) -> "WorkOrderQuerySet":
        """Orders scheduled from `first` up to `after` (not included), in the company's time zone."""
        # scheduling reads these models, so it is imported when a query is built.
        from dispatch.scheduling import days_bounds

        return self.scheduled_between(*days_bounds(first, after))

    def scheduled_between(self, start: datetime, end: datetime) -> "WorkOrderQuerySet":
        """Orders scheduled from `start` up to `end` (not included)."""
        return self.filter(scheduled_for__gte=start, scheduled_for__lt=end)

    def booked(self) -> "WorkOrderQuerySet":
        """The jobs that count on a technician's day: assigned and not cancelled (scheduling's rules)."""
        return self.filter(assigned_technician__isnull=False).exclude(status=WorkOrderStatus.CANCELLED)

    def today(self) -> "WorkOrderQuerySet":
        return self.on_day(clock.localdate())

    def open(self) -> "WorkOrderQuerySet":
        return self.filter(OPEN)

    def late_to_start(self) -> "WorkOrderQuerySet":
        """Orders whose time has passed and whose work hasn't started (`WorkOrder.is_late_to_start`)."""
        return self.filter(
            status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SCHEDULED], scheduled_for__lt=clock.now()
        )

    def today_first(self) -> list["WorkOrderQuerySet"]:
        """The work-order list before a dispatcher picks a sort, as four consecutive runs: today's
        orders by time, then the upcoming ones (soonest first), then the past (latest first), then
        those without a time. Each run is a range of the scheduled_for index read in its own order,
        so a page reads about a page of rows; one ORDER BY over the four (a CASE) sorts every order
        in the table. `dispatch.tables.TodayFirst` pages across them."""
        from dispatch.scheduling import day_bounds

        start, end = day_bounds(clock.localdate())
        rows = self.order_by()
        return [
            rows.filter(scheduled_for__gte=start, scheduled_for__lt=end).order_by("scheduled_for", "id"),
            rows.filter(scheduled_for__gte=end).order_by("scheduled_for", "id"),
            rows.filter(scheduled_for__lt=start).order_by("-scheduled_for", "id"),
            rows.filter(scheduled_for__isnull=True).order_by("id"),
        ]

    def _to_place_condition(self) -> Q:
        from dispatch.scheduling import day_bounds

        today_start, _ = day_bounds(clock.localdate())
        return (
            Q(assigned_technician__isnull=True)
            | Q(scheduled_for__isnull=True)
            | Q(status=WorkOrderStatus.PENDING, scheduled_for__lt=today_start)
        )

    def to_place(self) -> "WorkOrderQuerySet":
        """The board's tray: open orders without a technician or a time, and pending ones whose day
        has passed (to be planned again). The board shows each of them there and nowhere else.
        TO_PLACE is the partial index's condition (idx_work_orders_to_place): the tray reads that
        index, never the closed orders."""
        return self.filter(TO_PLACE).filter(self._to_place_condition())

    def on_the_grid(self) -> "WorkOrderQuerySet":
        """The board's technician rows: the booked jobs (scheduling's rule) not waiting in the tray."""
        return self.booked().exclude(self._to_place_condition())


class WorkOrderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SCHEDULED = "scheduled", "Scheduled"
    IN_PROGRESS = "in_progress", "In progress"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"


# Open orders, and the open work the board's tray offers for placing; the tray's partial index
# has the same condition, so its scan never walks past the closed orders of past years.
OPEN = ~Q(status__in=[WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED])
TO_PLACE = OPEN & (Q(assigned_technician__isnull=True) | Q(status=WorkOrderStatus.PENDING))


class JobType(models.TextChoices):
    INSTALLATION = "installation", "New Installation"
    UPGRADE = "upgrade", "System Upgrade"
    MAINTENANCE = "maintenance", "Maintenance"
    REPAIR = "repair", "Repair"


# A job's estimate: from 15 minutes to 12 hours, in steps of 15 minutes.
ESTIMATE_STEP = 15
ESTIMATE_MAX = 12 * 60


def validate_estimate(minutes: int | None) -> None:
    if minutes is None:
        return
    if minutes < ESTIMATE_STEP or minutes > ESTIMATE_MAX or minutes % ESTIMATE_STEP:
        raise ValidationError(
            f"{minutes} minutes is not an estimate the board can book: give 15 minutes to 12 hours "
            f"(720 minutes) in steps of 15 minutes, e.g. 30, 90 or 360."
        )


class JobTypeDuration(models.Model):
    """How long a job of each type takes unless its work order says otherwise (office-editable)."""

    job_type = models.CharField(max_length=20, choices=JobType, unique=True)
    minutes = models.PositiveIntegerField(validators=[validate_estimate])

    class Meta:
        db_table = "job_type_durations"
        ordering = ["job_type"]
        verbose_name = "job type length"
        constraints = [
            models.CheckConstraint(
                condition=Q(minutes__gte=ESTIMATE_STEP, minutes__lte=ESTIMATE_MAX),
                name="job_type_durations_minutes_in_range",
            ),
            choices_check("job_type", JobType, "job_type_durations_job_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{JobType(self.job_type).label}: {self.minutes} min"


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
    # How long the job takes; empty: its job type's length (JobTypeDuration).
    estimated_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[validate_estimate],
        help_text="Minutes, 15 to 720 in steps of 15; empty: the job type's usual length.",
    )
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
        "estimated_minutes",
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
            models.CheckConstraint(
                condition=Q(estimated_minutes__isnull=True)
                | Q(estimated_minutes__gte=ESTIMATE_STEP, estimated_minutes__lte=ESTIMATE_MAX),
                name="work_orders_estimate_in_range",
            ),
        ]
        indexes = [
            models.Index(fields=["assigned_technician"], name="idx_work_orders_technician"),
            models.Index(fields=["status"], name="idx_work_orders_status"),
            models.Index(fields=["customer"], name="idx_work_orders_customer"),
            # A customer's orders in a time window: the reports' first-time-fix check.
            models.Index(fields=["customer", "created_at"], name="idx_work_orders_customer_created"),
            models.Index(fields=["scheduled_for"], name="idx_work_orders_scheduled"),
            # A technician's day and the dispatch board read by (technician, time).
            models.Index(fields=["assigned_technician", "scheduled_for"], name="idx_work_orders_tech_sched"),
            # The live pages' change digest reads the latest change (dispatch.selectors.office_fingerprint).
            models.Index(fields=["updated_at"], name="idx_work_orders_updated"),
            models.Index(fields=["scheduled_for", "id"], name="idx_work_orders_to_place", condition=TO_PLACE),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    def is_worked_by(self, technician: Technician) -> bool:
        """The technician is on this job's crew (WorkOrderQuerySet.worked_by): no query for its own
        technician."""
        if self.assigned_technician_id == technician.pk:
            return True
        return WorkOrder.objects.worked_by(technician).filter(pk=self.pk).exists()

    def is_led_by(self, technician: Technician) -> bool:
        """The technician leads a visit of this job (the first, or a later one), so may complete it."""
        if self.assigned_technician_id == technician.pk:
            return True
        return Visit.objects.filter(work_order_id=self.pk, lead=technician).exists()

    def can_move_to(self, status: str) -> bool:
        return status in self.TRANSITIONS[WorkOrderStatus(self.status)]

    def can_become(self, status: str) -> bool:
        """The transition is allowed and the status would say what it means (status_refusal)."""
        if not self.can_move_to(status):
            return False
        was, self.status = self.status, status
        try:
            return self.status_refusal() is None
        finally:
            self.status = was

    def status_refusal(self) -> str | None:
        """Why the order's status doesn't say what it means, or None. Scheduled means a technician
        and a time are set (pending is the order not, or no longer, booked); in progress starts
        with the technician's travel (fieldops sets it), completed and cancelled are final."""
        booked = self.assigned_technician_id and self.scheduled_for
        if self.status == WorkOrderStatus.SCHEDULED and not booked:
            return "A work order is scheduled once it has a technician and a time: assign it instead."
        return None

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


class Visit(models.Model):
    """A second or later visit of a work order: day two of an install, a return for a part.

    The first visit is the order itself: its `scheduled_for`, `estimated_minutes` and
    `assigned_technician` (the seed's columns) are the first visit's start, length and lead, so
    they stay true without a copy to keep in step. Changed only through dispatch.services.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="later_visits")
    starts_at = models.DateTimeField()
    estimated_minutes = models.PositiveIntegerField(
        null=True,
        blank=True,
        validators=[validate_estimate],
        help_text="Minutes, 15 to 720 in steps of 15; empty: the job type's usual length.",
    )
    lead = models.ForeignKey(Technician, on_delete=models.PROTECT, related_name="led_visits")
    created_at = created_at_field()

    class Meta:
        db_table = "visits"
        ordering = ["starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(estimated_minutes__isnull=True)
                | Q(estimated_minutes__gte=ESTIMATE_STEP, estimated_minutes__lte=ESTIMATE_MAX),
                name="visits_estimate_in_range",
            ),
        ]
        indexes = [
            # A technician's day (the rules, the board, My day) and an order's visits in order.
            models.Index(fields=["lead", "starts_at"], name="idx_visits_lead_starts"),
            models.Index(fields=["work_order", "starts_at"], name="idx_visits_work_order"),
            models.Index(fields=["starts_at"], name="idx_visits_starts"),
        ]

    def __str__(self) -> str:
        return f"#{self.work_order_id} visit {timezone.localtime(self.starts_at):%Y-%m-%d %H:%M}"


class VisitHelper(models.Model):
    """A technician helping the lead on one visit; `visit` empty: the order's first visit."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="helpers")
    visit = models.ForeignKey(Visit, null=True, blank=True, on_delete=models.CASCADE, related_name="helpers")
    technician = models.ForeignKey(Technician, on_delete=models.PROTECT, related_name="helping")
    created_at = created_at_field()

    class Meta:
        db_table = "visit_helpers"
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["work_order", "technician"],
                condition=Q(visit__isnull=True),
                name="visit_helpers_first_visit_once",
            ),
            models.UniqueConstraint(
                fields=["visit", "technician"],
                condition=Q(visit__isnull=False),
                name="visit_helpers_visit_once",
            ),
        ]
        indexes = [models.Index(fields=["technician", "work_order"], name="idx_visit_helpers_technician")]

    def __str__(self) -> str:
        return f"#{self.work_order_id} helper {self.technician_id}"


class JobTypeSkill(models.Model):
    """A skill every technician booked on a job of this type must have."""

    job_type = models.CharField(max_length=20, choices=JobType)
    skill = models.ForeignKey(Skill, on_delete=models.CASCADE, related_name="job_types")

    class Meta:
        db_table = "job_type_skills"
        ordering = ["job_type", "skill__name"]
        constraints = [
            models.UniqueConstraint(fields=["job_type", "skill"], name="job_type_skills_unique"),
            choices_check("job_type", JobType, "job_type_skills_job_type_valid"),
        ]

    def __str__(self) -> str:
        return f"{JobType(self.job_type).label} needs {self.skill}"


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
    # The order's version this change made (1: its creation); an editor refused for holding an
    # older version is told exactly the changes after it. Null on rows written before it existed.
    version = models.PositiveIntegerField(null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "work_order_history"
        ordering = ["created_at", "id"]
        verbose_name_plural = "work order history"
        indexes = [
            models.Index(fields=["work_order", "created_at"], name="idx_wo_history_work_order"),
            # The admin's changelist: the latest changes first.
            models.Index(fields=["-created_at", "-id"], name="idx_wo_history_created"),
        ]

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


# An alert is any notification but the routine status and assignment notices: those are on the
# work order's timeline and the field view already.
ALERT = ~Q(notification_type__in=("status_change", "assignment"))


class NotificationQuerySet(models.QuerySet):
    def alerts(self) -> "NotificationQuerySet":
        """What the office's inbox and unread count hold: notes flagged to the office, emergencies,
        refusals, running late, low stock and system events. Routine status and assignment notices
        are not alerts: the work order's timeline and the field view already show those changes."""
        return self.filter(ALERT)


class Notification(models.Model):
    class Type(models.TextChoices):
        NOTE_ALERT = "note_alert", "Note alert"
        STATUS_CHANGE = "status_change", "Status change"
        ASSIGNMENT = "assignment", "Assignment"
        RUNNING_LATE = "running_late", "Running late"
        LOW_STOCK = "low_stock", "Low stock"
        SYSTEM = "system", "System"
        CALL_FOLLOW_UP = "call_follow_up", "Call follow-up"
        EMERGENCY = "emergency", "Emergency"
        REFUSAL = "refusal", "Refused action"

    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="notifications"
    )
    notification_type = models.CharField(max_length=50, choices=Type, null=True)
    message = models.TextField(null=True)
    is_read = models.BooleanField(default=False, db_default=False)
    created_at = created_at_field()

    objects = NotificationQuerySet.as_manager()

    class Meta:
        db_table = "notifications"
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["is_read"], name="idx_notifications_unread", condition=Q(is_read=False)),
            models.Index(fields=["-created_at"], name="idx_notifications_created"),
            # The inbox, its capped count and its poll read alerts only, newest first.
            models.Index(fields=["-created_at", "-id"], name="idx_notifications_alerts", condition=ALERT),
            models.Index(
                fields=["id"], name="idx_notifications_alerts_unread", condition=ALERT & Q(is_read=False)
            ),
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
            models.Index(fields=["technician"], name="idx_manual_notif_unread", condition=Q(is_read=False)),
            # The inbox's "sent" list: the latest first.
            models.Index(fields=["-created_at", "-id"], name="idx_manual_notif_created"),
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


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RETRYING = "retrying", "Retrying"
    # Handed to the provider, its answer not recorded yet (dispatch.messaging.customer_message_send).
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"


class MessageKind(models.TextChoices):
    """The messages TechFlow sends customers, each with an office-editable template."""

    BOOKING_CONFIRMED = "booking_confirmed", "Booking confirmed"
    REMINDER = "reminder", "Reminder the day before"
    ON_MY_WAY = "on_my_way", "On my way"
    JOB_COMPLETED = "job_completed", "Job completed"


class CommunicationMessageQuerySet(models.QuerySet):
    def calls(self) -> "CommunicationMessageQuerySet":
        """Phone calls with their details (every call the office or an integration logs has them)."""
        return self.filter(channel_type=Channel.PHONE, call_detail__isnull=False).select_related(
            "call_detail", "customer", "technician", "work_order"
        )

    def awaiting_callback(self) -> "CommunicationMessageQuerySet":
        """Missed calls and voicemails nobody has called back yet: the missed-call queue."""
        return self.calls().filter(
            call_detail__call_type__in=AWAITING_CALLBACK, call_detail__called_back_at__isnull=True
        )


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
    # Not in the seed: who in the office logged the call or sent the message, and one key per
    # message from outside (an integration's call id) or per message we send, so a retried
    # webhook or task never records or sends twice.
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    idempotency_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    # Not in the seed: a message we send (e-mail, text) is queued, then sent or retried until it
    # fails for good; each attempt and the provider's last error are kept.
    kind = models.CharField(max_length=30, choices=MessageKind, blank=True, default="", db_default="")
    recipient = models.CharField(max_length=255, blank=True, default="", db_default="")
    delivery_status = models.CharField(
        max_length=10, choices=DeliveryStatus, blank=True, default="", db_default=""
    )
    attempts = models.IntegerField(default=0, db_default=0)
    last_error = models.TextField(blank=True, default="", db_default="")
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=200, blank=True, default="", db_default="")

    objects = CommunicationMessageQuerySet.as_manager()

    class Meta:
        db_table = "communication_messages"
        ordering = ["-created_at"]
        constraints = [
            choices_check("channel_type", Channel, "communication_messages_channel_valid"),
            choices_check("direction", Direction, "communication_messages_direction_valid"),
            models.CheckConstraint(
                condition=Q(delivery_status="") | Q(delivery_status__in=DeliveryStatus.values),
                name="communication_messages_delivery_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["customer", "-created_at"], name="idx_comm_messages_customer"),
            models.Index(fields=["channel_type", "-created_at"], name="idx_comm_messages_channel"),
            models.Index(fields=["work_order", "-created_at"], name="idx_comm_messages_work_order"),
            models.Index(
                fields=["next_attempt_at"],
                name="idx_comm_messages_undelivered",
                condition=Q(delivery_status__in=["queued", "retrying", "sending"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.get_channel_type_display()}"


class CallType(models.TextChoices):
    INBOUND = "inbound", "Inbound"
    OUTBOUND = "outbound", "Outbound"
    MISSED = "missed", "Missed"
    VOICEMAIL = "voicemail", "Voicemail"


# Calls the office owes a callback (the missed-call queue).
AWAITING_CALLBACK = (CallType.MISSED, CallType.VOICEMAIL)


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
    # Not in the seed: when and by whom a missed call or voicemail was called back (closes it in the
    # missed-call queue), and the follow-up event raised once when it waited too long.
    called_back_at = models.DateTimeField(null=True, blank=True)
    called_back_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

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
        indexes = [
            models.Index(
                fields=["call_type"],
                name="idx_call_details_awaiting",
                condition=Q(call_type__in=AWAITING_CALLBACK, called_back_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_call_type_display()} call"

    # VADER's own thresholds on its compound score.
    NEGATIVE_BELOW = -0.05
    POSITIVE_ABOVE = 0.05

    @property
    def sentiment(self) -> str:
        """'negative', 'neutral' or 'positive' from the stored score; '' when the call has none."""
        if self.sentiment_score is None:
            return ""
        if self.sentiment_score <= self.NEGATIVE_BELOW:
            return "negative"
        if self.sentiment_score >= self.POSITIVE_ABOVE:
            return "positive"
        return "neutral"

    @property
    def awaits_callback(self) -> bool:
        return self.call_type in AWAITING_CALLBACK and self.called_back_at is None


class MessageTemplate(UpdatedAtModel):
    """The office's wording of one kind of customer message; the built-in wording until edited."""

    kind = models.CharField(max_length=30, choices=MessageKind, unique=True)
    subject = models.CharField(max_length=200)
    body = models.TextField()

    class Meta:
        db_table = "message_templates"
        ordering = ["kind"]
        constraints = [choices_check("kind", MessageKind, "message_templates_kind_valid")]

    def __str__(self) -> str:
        return self.get_kind_display()


# Plan the week, run in the background ----------------------------------------------------


class PlanRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Planning"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class PlanRun(models.Model):
    """One "Plan the week" request: the background worker plans it and keeps the proposal here.

    The proposal is the planner's result as JSON (dispatch.planner.plan_to_json): nothing is
    booked until an office user applies it through week_plan_apply, which checks every
    placement again.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    day = models.DateField(help_text="A day of the week planned (the planner books from it on).")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=10, choices=PlanRunStatus.choices, default=PlanRunStatus.QUEUED)
    considered = models.PositiveIntegerField(default=0, help_text="Orders the search has decided so far.")
    total = models.PositiveIntegerField(default=0, help_text="Orders to decide.")
    result = models.JSONField(null=True, blank=True)
    error = models.TextField(blank=True)
    created_at = created_at_field()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "plan_runs"
        constraints = [choices_check("status", PlanRunStatus, "plan_runs_status_valid")]

    def __str__(self) -> str:
        return f"Plan of the week of {self.day} ({self.get_status_display().lower()})"

    @property
    def is_finished(self) -> bool:
        return self.status in (PlanRunStatus.DONE, PlanRunStatus.FAILED)
