"""The job's record: photos and attachments (and, below, checklists, equipment and sign-off).

Imported by fieldops.models, so these are fieldops' models; they live in their own module to
keep the field-day models readable.
"""

import uuid

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q

from dispatch import clock
from dispatch.db import ClockDateTimeField, choices_check, created_at_field, on_earth
from dispatch.models import ActorType, Customer, JobType, Technician, WorkOrder
from inventory.models import InventoryItem

__all__ = [
    "ChecklistAnswer",
    "ChecklistItem",
    "ChecklistKind",
    "ChecklistTemplate",
    "CustomerSignature",
    "Equipment",
    "EquipmentCredentialReveal",
    "EquipmentKind",
    "EquipmentStatus",
    "JobAttachment",
    "PhotoStep",
    "ServiceReport",
]


class PhotoStep(models.TextChoices):
    BEFORE = "before", "Before"
    DURING = "during", "During"
    AFTER = "after", "After"


def attachment_path(instance: "JobAttachment", filename: str) -> str:
    # Never the phone's file name: the path is ours, the name is kept in original_name.
    extension = {"image/jpeg": "jpg", "image/png": "png", "image/webp": "webp", "application/pdf": "pdf"}
    return f"jobs/{instance.work_order_id}/{instance.pk}.{extension.get(instance.content_type, 'bin')}"


def thumbnail_path(instance: "JobAttachment", filename: str) -> str:
    return f"jobs/{instance.work_order_id}/{instance.pk}-thumb.jpg"


class JobAttachment(models.Model):
    """A photo or PDF taken on a job, stored through Django's storage API (settings.STORAGES)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="attachments")
    technician = models.ForeignKey(
        Technician, null=True, blank=True, on_delete=models.PROTECT, related_name="attachments"
    )
    file = models.FileField(upload_to=attachment_path, max_length=255)
    thumbnail = models.FileField(upload_to=thumbnail_path, max_length=255, blank=True)
    content_type = models.CharField(max_length=50)
    size_bytes = models.PositiveIntegerField()
    original_name = models.CharField(max_length=255, blank=True)
    step = models.CharField(max_length=10, choices=PhotoStep, default=PhotoStep.DURING)
    caption = models.CharField(max_length=200, blank=True)
    # When the phone took it (the phone's clock, sent with an upload that may be replayed hours later).
    taken_at = models.DateTimeField(default=clock.now)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_meters = models.IntegerField(null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "job_attachments"
        ordering = ["taken_at", "created_at"]
        constraints = [
            choices_check("step", PhotoStep, "job_attachments_step_valid"),
            *on_earth("job_attachments"),
        ]
        indexes = [models.Index(fields=["work_order", "taken_at"], name="idx_job_attachments_order")]

    def __str__(self) -> str:
        return f"{self.get_step_display()} photo on #{self.work_order_id}"

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


# Checklists -------------------------------------------------------------------------------


class ChecklistKind(models.TextChoices):
    YES_NO = "yes_no", "Yes / no"
    NUMBER = "number", "Number"
    TEXT = "text", "Text"
    PHOTO = "photo", "Photo"


class ChecklistTemplate(models.Model):
    """The office's checklist for one job type; every job of that type gets it."""

    name = models.CharField(max_length=120)
    job_type = models.CharField(max_length=20, choices=JobType)
    active = models.BooleanField(default=True, db_default=True)
    created_at = created_at_field()

    class Meta:
        db_table = "checklist_templates"
        ordering = ["job_type", "name"]
        constraints = [
            choices_check("job_type", JobType, "checklist_templates_job_type_valid"),
            models.UniqueConstraint(
                fields=["job_type"],
                condition=Q(active=True),
                name="checklist_templates_one_active_per_job_type",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ChecklistItem(models.Model):
    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ChecklistKind, default=ChecklistKind.YES_NO)
    required = models.BooleanField(default=True)
    # An item taken off the list keeps the answers given to it.
    active = models.BooleanField(default=True, db_default=True)

    class Meta:
        db_table = "checklist_items"
        ordering = ["position", "id"]
        constraints = [choices_check("kind", ChecklistKind, "checklist_items_kind_valid")]

    def __str__(self) -> str:
        return self.label


class ChecklistAnswer(models.Model):
    """A technician's answer to one item on one job; the item's label and kind are copied, so an
    edited list never rewrites what was answered."""

    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="checklist_answers")
    item = models.ForeignKey(ChecklistItem, on_delete=models.PROTECT, related_name="answers")
    technician = models.ForeignKey(
        Technician, null=True, blank=True, on_delete=models.PROTECT, related_name="checklist_answers"
    )
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=ChecklistKind)
    value = models.TextField()
    # Yes / no items: yes passes, no fails; other kinds are not pass or fail.
    passed = models.BooleanField(null=True, blank=True)
    follow_up = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="follow_up_of"
    )
    created_at = created_at_field()
    updated_at = ClockDateTimeField(auto_now=True, null=True)

    class Meta:
        db_table = "job_checklist_answers"
        ordering = ["item__position", "item_id"]
        constraints = [
            models.UniqueConstraint(fields=["work_order", "item"], name="job_checklist_answers_one_per_item"),
            choices_check("kind", ChecklistKind, "job_checklist_answers_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.label}: {self.value}"

    @property
    def display(self) -> str:
        if self.kind == ChecklistKind.YES_NO:
            return "Yes" if self.passed else "No"
        if self.kind == ChecklistKind.PHOTO:
            return "Photo taken"
        return self.value


# Equipment at each site ---------------------------------------------------------------------


class EquipmentKind(models.TextChoices):
    CAMERA = "camera", "Camera"
    NVR = "nvr", "NVR"
    DVR = "dvr", "DVR"
    SWITCH = "switch", "Switch"
    POE_INJECTOR = "poe_injector", "PoE injector"
    ROUTER = "router", "Router"
    ACCESS_POINT = "access_point", "Access point"
    MONITOR = "monitor", "Monitor"
    OTHER = "other", "Other"


class EquipmentStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    REPLACED = "replaced", "Replaced"
    REMOVED = "removed", "Removed"


class Equipment(models.Model):
    """A device installed at a customer's site: the register the next technician and the insurer read."""

    customer = models.ForeignKey(Customer, on_delete=models.PROTECT, related_name="equipment")
    kind = models.CharField(max_length=20, choices=EquipmentKind)
    make = models.CharField(max_length=80, blank=True)
    model = models.CharField(max_length=120, blank=True)
    serial_number = models.CharField(max_length=100, blank=True)
    # Stored as AA:BB:CC:DD:EE:FF (record_services.mac_normalize).
    mac_address = models.CharField(max_length=17, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    mount_location = models.CharField(max_length=200, blank=True)
    # The job it was installed on, as a plain id: the equipment stays on site (and in this table)
    # when that job is archived with its rows (techflow.archive follows every foreign key).
    installed_work_order_id = models.IntegerField(null=True, blank=True)
    item = models.ForeignKey(
        InventoryItem, null=True, blank=True, on_delete=models.PROTECT, related_name="equipment"
    )
    warranty_end = models.DateField(null=True, blank=True)
    status = models.CharField(
        max_length=10,
        choices=EquipmentStatus,
        default=EquipmentStatus.ACTIVE,
        db_default=EquipmentStatus.ACTIVE,
    )
    # Device login, encrypted at rest (Fernet, record_services.credentials_*); never shown in lists.
    username = models.CharField(max_length=100, blank=True)
    password_encrypted = models.TextField(blank=True)
    created_at = created_at_field()
    updated_at = ClockDateTimeField(auto_now=True, null=True)

    class Meta:
        db_table = "site_equipment"
        ordering = ["customer", "kind", "id"]
        verbose_name_plural = "equipment"
        constraints = [
            choices_check("kind", EquipmentKind, "site_equipment_kind_valid"),
            choices_check("status", EquipmentStatus, "site_equipment_status_valid"),
        ]
        indexes = [
            models.Index(fields=["customer", "status"], name="idx_site_equipment_customer"),
            models.Index(fields=["serial_number"], name="idx_site_equipment_serial"),
            models.Index(fields=["mac_address"], name="idx_site_equipment_mac"),
        ]

    def __str__(self) -> str:
        name = " ".join(filter(None, [self.make, self.model])) or self.get_kind_display()
        return f"{name} ({self.serial_number})" if self.serial_number else name

    @property
    def has_password(self) -> bool:
        return bool(self.password_encrypted)


class EquipmentCredentialReveal(models.Model):
    """Each time someone was shown a device's password: who, when, and from which job."""

    equipment = models.ForeignKey(Equipment, on_delete=models.PROTECT, related_name="reveals")
    revealed_by_type = models.CharField(max_length=50, choices=ActorType)
    revealed_by_id = models.IntegerField(null=True)
    work_order_id = models.IntegerField(null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "equipment_credential_reveals"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.equipment} revealed to {self.revealed_by_type} #{self.revealed_by_id}"


# The customer's sign-off -------------------------------------------------------------------


def signature_path(instance: "CustomerSignature", filename: str) -> str:
    return f"jobs/{instance.work_order_id}/signature-{instance.pk}.png"


class CustomerSignature(models.Model):
    """The customer's signature on a job, with what they were shown when they signed.

    Never changed once written (save refuses, the admin is read-only, tech_app may only
    INSERT): signing again adds a new row that supersedes this one; both are kept.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    work_order = models.ForeignKey(WorkOrder, on_delete=models.PROTECT, related_name="signatures")
    technician = models.ForeignKey(
        Technician, null=True, blank=True, on_delete=models.PROTECT, related_name="signatures"
    )
    signer_name = models.CharField(max_length=120)
    image = models.FileField(upload_to=signature_path, max_length=255)
    signed_at = models.DateTimeField(default=clock.now)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    accuracy_meters = models.IntegerField(null=True, blank=True)
    # The visit as the customer saw it when signing (record_selectors.visit_summary): the report's source.
    summary = models.JSONField(default=dict)
    created_at = created_at_field()

    class Meta:
        db_table = "customer_signatures"
        ordering = ["-signed_at", "-created_at"]
        indexes = [models.Index(fields=["work_order", "signed_at"], name="idx_customer_signatures_order")]

    def __str__(self) -> str:
        return f"{self.signer_name} on #{self.work_order_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("A signature can't be changed: sign again to supersede it.")
        super().save(*args, **kwargs)


def report_path(instance: "ServiceReport", filename: str) -> str:
    return f"reports/{instance.work_order_id}/{filename}"


class ServiceReport(models.Model):
    """A completed job's service report PDF, made by the background worker (fieldops.report) and
    stored through the storage API; the download serves the stored file.

    One row per job. `version` fingerprints the record the stored file shows (the signature and
    what it was shown, or the record now for an unsigned job); a download whose job's fingerprint
    differs asks for a new one. `requested_version` / `requested_at` say what was last asked of the
    worker, so a page polled every few seconds enqueues once; `renders` counts the files written.
    """

    work_order = models.OneToOneField(WorkOrder, on_delete=models.PROTECT, related_name="service_report")
    file = models.FileField(upload_to=report_path, max_length=255, blank=True)
    version = models.CharField(max_length=64, blank=True)
    generated_at = models.DateTimeField(null=True, blank=True)
    requested_version = models.CharField(max_length=64, blank=True)
    requested_at = models.DateTimeField(null=True, blank=True)
    renders = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = created_at_field()
    updated_at = ClockDateTimeField(auto_now=True)

    class Meta:
        db_table = "service_reports"
        indexes = [models.Index(fields=["requested_at"], name="idx_service_reports_requested")]

    def __str__(self) -> str:
        return f"Service report #{self.work_order_id} ({self.version or 'not made'})"
