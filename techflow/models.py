"""Operations (the record of backups and their verification, read-only views of the archive) and
sign-in security (the login throttle's counters; techflow/security.py keeps its rules).

Operations: the record of backups and their verification, and read-only views of the archive.

The archive tables (`<table>_archive`) are created by migration techflow/0001 with the seed's
`CREATE TABLE ... (LIKE ...)` layout: the same columns as the live table, no foreign keys, so a
row keeps its ids after the rows it pointed at are archived too. The unmanaged models below
map the columns the admin and the office search show; `techflow.archive` moves whole rows.
"""

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models

from dispatch.db import choices_check, created_at_field
from dispatch.models import WorkOrderStatus


class BackupKind(models.TextChoices):
    BACKUP = "backup", "Backup"
    RESTORE = "restore", "Restore"
    VERIFY = "verify", "Verification"


class BackupRun(models.Model):
    """One backup, restore or verification, whether it worked or not."""

    Kind = BackupKind

    kind = models.CharField(max_length=10, choices=BackupKind)
    ok = models.BooleanField()
    started_at = created_at_field()
    duration_seconds = models.FloatField(default=0)
    name = models.CharField(max_length=255, blank=True, default="", help_text="The backup's file name.")
    location = models.CharField(max_length=500, blank=True, default="")
    size_bytes = models.BigIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, default="")
    tables = models.PositiveIntegerField(null=True, blank=True)
    rows = models.BigIntegerField(null=True, blank=True)
    differences = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True, default="")

    class Meta:
        db_table = "backup_runs"
        ordering = ["-started_at", "-id"]
        constraints = [
            choices_check("kind", BackupKind, "backup_runs_kind_valid"),
        ]
        indexes = [models.Index(fields=["kind", "-started_at"], name="idx_backup_runs_kind_started")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.name or ''} {'ok' if self.ok else 'FAILED'}".strip()


class ArchivedWorkOrder(models.Model):
    """A closed work order moved to work_orders_archive by archive_work_orders."""

    id = models.IntegerField(primary_key=True)
    customer_id = models.IntegerField(null=True)
    title = models.CharField(max_length=255)
    brief_description = models.CharField(max_length=500)
    full_summary = models.TextField(null=True)
    job_type = models.CharField(max_length=20, null=True)
    status = models.CharField(max_length=50, choices=WorkOrderStatus)
    assigned_technician_id = models.IntegerField(null=True)
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField(null=True)
    scheduled_for = models.DateTimeField(null=True)

    class Meta:
        managed = False
        db_table = "work_orders_archive"
        ordering = ["-updated_at", "-id"]
        verbose_name = "archived work order"

    def __str__(self) -> str:
        return f"#{self.id} {self.title}"


class ArchivedWorkOrderNote(models.Model):
    id = models.IntegerField(primary_key=True)
    work_order_id = models.IntegerField()
    technician_id = models.IntegerField(null=True)
    note_text = models.TextField()
    alert_office = models.BooleanField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "work_order_notes_archive"
        ordering = ["-created_at", "-id"]
        verbose_name = "archived work-order note"

    def __str__(self) -> str:
        return f"note {self.id} on #{self.work_order_id}"


class ArchivedWorkOrderHistory(models.Model):
    id = models.IntegerField(primary_key=True)
    work_order_id = models.IntegerField()
    field_changed = models.CharField(max_length=100, null=True)
    old_value = models.TextField(null=True)
    new_value = models.TextField(null=True)
    changed_by_type = models.CharField(max_length=50, null=True)
    changed_by_id = models.IntegerField(null=True)
    version = models.PositiveIntegerField(null=True)
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "work_order_history_archive"
        ordering = ["-created_at", "-id"]
        verbose_name = "archived work-order history"
        verbose_name_plural = "archived work-order history"

    def __str__(self) -> str:
        return f"#{self.work_order_id} {self.field_changed}"


class ArchivedStockMovement(models.Model):
    id = models.IntegerField(primary_key=True)
    truck_id = models.IntegerField()
    item_id = models.IntegerField()
    kind = models.CharField(max_length=20)
    quantity_change = models.IntegerField()
    quantity_after = models.IntegerField()
    work_order_id = models.IntegerField(null=True)
    reason = models.TextField()
    created_at = models.DateTimeField()

    class Meta:
        managed = False
        db_table = "stock_movements_archive"
        ordering = ["-created_at", "-id"]
        verbose_name = "archived stock movement"

    def __str__(self) -> str:
        return f"movement {self.id} ({self.quantity_change:+d})"


class LoginThrottle(models.Model):
    """Failed sign-ins counted for one username or one client address, and the lockout they earned."""

    class Kind(models.TextChoices):
        USERNAME = "username", "Username"
        ADDRESS = "address", "Address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    value = models.CharField(max_length=255, help_text="The username (case-folded) or the client address.")
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "login_throttles"
        ordering = ["-last_failure_at"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "value"], name="login_throttle_kind_value_unique")
        ]
        indexes = [models.Index(fields=["locked_until"], name="idx_login_throttles_locked")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"


class AdminAction(models.TextChoices):
    ADD = "add", "Added"
    CHANGE = "change", "Changed"
    DELETE = "delete", "Deleted"
    ACTION = "action", "Admin action"
    CORRECT = "correct", "Correction"


class AdminChange(models.Model):
    """What an admin did in the Django admin, with the values before and after (techflow/audit.py).

    A correction of a history row (a clock record's times, say) is one of these, with its reason:
    itself history, read only in the admin like every row here.
    """

    Action = AdminAction

    at = created_at_field()
    # PROTECT: a login that has changed anything in the admin can't be deleted (deactivate it).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="admin_changes")
    action = models.CharField(max_length=10, choices=AdminAction.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=200)
    changes = models.JSONField(default=dict, blank=True, help_text="{field: [old, new]}, values as text.")
    reason = models.TextField(blank=True, default="", help_text="Why (required for a correction).")

    class Meta:
        db_table = "admin_changes"
        ordering = ["-at", "-id"]
        constraints = [
            choices_check("action", AdminAction, "admin_changes_action_valid"),
            models.CheckConstraint(
                condition=~models.Q(action="correct") | ~models.Q(reason=""),
                name="admin_changes_correction_has_reason",
            ),
        ]
        indexes = [
            models.Index(fields=["content_type", "object_id", "-at"], name="idx_admin_changes_object"),
            models.Index(fields=["user", "-at"], name="idx_admin_changes_user"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"


class PeriodicJob(models.Model):
    """One periodic job the background worker runs (techflow/periodic.py; README "Background worker").

    Every worker process and app server shares these rows: a tick claims a due row under a row lock
    (skipping rows another worker holds), moves its next_run_at on and commits, then runs it, so a
    job runs once per interval however many workers tick. The row named TICK holds the one tick
    task queued for the future (its task id), so restarting workers never multiplies the ticks.
    """

    name = models.CharField(max_length=80, unique=True)
    every_seconds = models.PositiveIntegerField()
    next_run_at = models.DateTimeField()
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=300, blank=True)
    last_error = models.TextField(blank=True)
    runs = models.PositiveIntegerField(default=0)
    # The TICK row only: the id of the tick task queued to run next.
    scheduled_task_id = models.CharField(max_length=64, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "periodic_jobs"
        ordering = ["name"]
        indexes = [models.Index(fields=["next_run_at"], name="idx_periodic_jobs_next_run")]

    def __str__(self) -> str:
        return f"{self.name} every {self.every_seconds}s"


class StoredFilesCheck(models.Model):
    """Where the check of stored files (techflow/storage_check.py) has got to: one row.

    Each run asks the storage about a bounded batch of files, in a fixed order (photos, their
    thumbnails, signatures, service reports; each by id), and moves `kind`/`after` on; a pass ends
    when every kind is done, and its totals are kept for the System page."""

    kind = models.CharField(max_length=20, blank=True)  # the kind being checked; "" = a new pass
    after = models.CharField(max_length=64, blank=True)  # the last id checked of that kind
    pass_started_at = models.DateTimeField(null=True, blank=True)
    checked = models.PositiveIntegerField(default=0)  # in the pass under way
    missing = models.PositiveIntegerField(default=0)
    last_pass_started_at = models.DateTimeField(null=True, blank=True)
    last_pass_finished_at = models.DateTimeField(null=True, blank=True)
    last_pass_checked = models.PositiveIntegerField(null=True, blank=True)
    last_pass_missing = models.PositiveIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "stored_files_check"

    def __str__(self) -> str:
        return f"Stored files check ({self.kind or 'between passes'})"
