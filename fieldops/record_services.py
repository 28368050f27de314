"""The job's record: photos and attachments, checklists, equipment and the customer's sign-off.

Every change is written with its work_order_history row (who, when) in the same transaction,
and only on the technician's own job (the views fetch the job scoped to them; the services
check again).
"""

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from PIL import Image, UnidentifiedImageError

from dispatch import clock
from dispatch.models import ActorType, JobType, Technician, WorkOrder, WorkOrderHistory, WorkOrderStatus
from dispatch.services import Actor, work_order_create
from fieldops.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistKind,
    ChecklistTemplate,
    JobAttachment,
    PhotoStep,
)
from fieldops.record_selectors import checklist_items
from fieldops.services import NOWHERE, Location

IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
PDF = "application/pdf"
THUMBNAIL_SIZE = (320, 320)


def _actor(technician: Technician) -> Actor:
    return Actor(ActorType.TECHNICIAN, technician.pk)


def record_history(
    *, work_order: WorkOrder, actor: Actor, field: str, new: str, old: str | None = None
) -> None:
    """One history row for a change to the job's record (photo, checklist, equipment, signature)."""
    WorkOrderHistory.objects.create(
        work_order=work_order,
        changed_by_type=actor.type,
        changed_by_id=actor.id,
        field_changed=field,
        old_value=old,
        new_value=new[:2000],
    )


def _own_job(technician: Technician, work_order: WorkOrder) -> None:
    if work_order.assigned_technician_id != technician.pk:
        raise ValidationError(f"Job #{work_order.pk} is not one of your jobs.")


# Photos and attachments ------------------------------------------------------------------


@dataclass(frozen=True)
class Inspected:
    """What an upload is by its content (never by its name or the browser's word)."""

    content_type: str
    thumbnail: bytes | None


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:.0f} MB"


def upload_inspect(upload: UploadedFile) -> Inspected:
    """Refuse (ValidationError) a file that is too large or not a JPEG, PNG, WebP or PDF by its bytes.

    Images are decoded by Pillow (which also refuses decompression bombs) and get a thumbnail.
    """
    limit = settings.TECHFLOW_UPLOAD_MAX_BYTES
    if upload.size is None or upload.size == 0:
        raise ValidationError("The file is empty: take the photo again.")
    if upload.size > limit:
        raise ValidationError(f"The file is {_megabytes(upload.size)}: the limit is {_megabytes(limit)}.")
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return Inspected(PDF, None)
    try:
        with Image.open(upload) as image:
            kind = image.format
            if kind not in IMAGE_TYPES:
                raise ValidationError("Only photos (JPEG, PNG, WebP) and PDF files can be added.")
            if image.width * image.height > settings.TECHFLOW_UPLOAD_MAX_PIXELS:
                raise ValidationError("The photo has too many pixels: take it at a lower resolution.")
            image.load()
            thumb = image.convert("RGB")
            thumb.thumbnail(THUMBNAIL_SIZE)
            out = io.BytesIO()
            thumb.save(out, "JPEG", quality=80)
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError("Only photos (JPEG, PNG, WebP) and PDF files can be added.") from error
    finally:
        upload.seek(0)
    return Inspected(IMAGE_TYPES[kind], out.getvalue())


def _taken_at(value: datetime | None) -> datetime:
    """The phone's time for a photo replayed later; one in the future or over a week old is not believed."""
    now = clock.now()
    if value is None or value > now + timedelta(minutes=5) or value < now - timedelta(days=7):
        return now
    return value


@transaction.atomic
def job_attachment_add(
    *,
    technician: Technician,
    work_order: WorkOrder,
    upload: UploadedFile,
    step: str = PhotoStep.DURING,
    caption: str = "",
    taken_at: datetime | None = None,
    location: Location = NOWHERE,
    checklist_item: "ChecklistItem | None" = None,
) -> JobAttachment:
    """Store a photo or PDF on the technician's own job, with its thumbnail and a history row; a
    photo for a photo item of the checklist answers it."""
    _own_job(technician, work_order)
    if work_order.status == WorkOrderStatus.CANCELLED:
        raise ValidationError(f"Job #{work_order.pk} is cancelled: photos go on a job that happened.")
    if step not in PhotoStep.values:
        raise ValidationError("Say whether the photo is from before, during or after the work.")
    inspected = upload_inspect(upload)
    attachment = JobAttachment(
        work_order=work_order,
        technician=technician,
        content_type=inspected.content_type,
        size_bytes=upload.size,
        original_name=(upload.name or "")[:255],
        step=step,
        caption=caption.strip()[:200],
        taken_at=_taken_at(taken_at),
        latitude=location.latitude,
        longitude=location.longitude,
        accuracy_meters=location.accuracy_meters,
    )
    attachment.file.save("upload", upload, save=False)
    if inspected.thumbnail is not None:
        attachment.thumbnail.save("thumb.jpg", ContentFile(inspected.thumbnail), save=False)
    attachment.save()
    what = "PDF" if inspected.content_type == PDF else f"{attachment.get_step_display()} photo"
    record_history(
        work_order=work_order,
        actor=_actor(technician),
        field="photo",
        new=f"{what} added" + (f": {attachment.caption}" if attachment.caption else ""),
    )
    if checklist_item is not None:
        if checklist_item.kind != ChecklistKind.PHOTO or not attachment.is_image:
            raise ValidationError(f"“{checklist_item.label}” is not answered with a photo.")
        checklist_answer_save(
            technician=technician, work_order=work_order, item=checklist_item, value=str(attachment.pk)
        )
    return attachment


# Checklists -------------------------------------------------------------------------------


def _answer_value(item: ChecklistItem, raw: str) -> tuple[str, bool | None]:
    """The answer as stored, and whether it passes (yes / no items only); refused in words."""
    raw = (raw or "").strip()
    if item.kind == ChecklistKind.YES_NO:
        if raw not in ("yes", "no"):
            raise ValidationError(f"Answer yes or no to “{item.label}”.")
        return raw, raw == "yes"
    if item.kind == ChecklistKind.NUMBER:
        try:
            number = Decimal(raw)
        except InvalidOperation:
            number = None
        if number is None or not number.is_finite() or abs(number) >= 10**9:
            raise ValidationError(f"Enter a number for “{item.label}”.")
        return format(number.normalize(), "f"), None
    if not raw:
        raise ValidationError(f"Fill in “{item.label}”.")
    if len(raw) > 2000:
        raise ValidationError(f"The answer to “{item.label}” is too long (2000 characters at most).")
    return raw, None


@transaction.atomic
def checklist_answer_save(
    *, technician: Technician, work_order: WorkOrder, item: ChecklistItem, value: str
) -> ChecklistAnswer:
    """Answer (or change the answer to) one item of the job's checklist, with a history row."""
    _own_job(technician, work_order)
    if not work_order.is_open:
        raise ValidationError(
            f"Job #{work_order.pk} is {work_order.get_status_display().lower()}: its checklist is closed."
        )
    if item.pk not in {i.pk for i in checklist_items(work_order)}:
        raise ValidationError("That item is not on this job's checklist.")
    stored, passed = _answer_value(item, value)
    answer = ChecklistAnswer.objects.select_for_update().filter(work_order=work_order, item=item).first()
    old = f"{answer.label}: {answer.display}" if answer else None
    if answer is None:
        answer = ChecklistAnswer(work_order=work_order, item=item)
    answer.technician, answer.label, answer.kind = technician, item.label, item.kind
    answer.value, answer.passed = stored, passed
    answer.save()
    new = f"{answer.label}: {answer.display}"
    if new != old:
        record_history(work_order=work_order, actor=_actor(technician), field="checklist", old=old, new=new)
    return answer


@transaction.atomic
def checklist_follow_up_create(*, technician: Technician, answer: ChecklistAnswer) -> WorkOrder:
    """A failed checklist item becomes a pending follow-up work order for the same customer."""
    order = answer.work_order
    _own_job(technician, order)
    answer = ChecklistAnswer.objects.select_for_update().get(pk=answer.pk)
    if answer.passed is not False:
        raise ValidationError(f"“{answer.label}” did not fail: there is nothing to follow up.")
    if answer.follow_up_id:
        raise ValidationError(f"“{answer.label}” already has follow-up work order #{answer.follow_up_id}.")
    actor = _actor(technician)
    follow_up = work_order_create(
        actor=actor,
        customer=order.customer,
        title=f"Follow-up: {answer.label}"[:255],
        brief_description=f"From job #{order.pk} ({order.title}): “{answer.label}” failed."[:500],
        job_type=JobType.REPAIR,
        status=WorkOrderStatus.PENDING,
    )
    answer.follow_up = follow_up
    answer.save(update_fields=["follow_up", "updated_at"])
    record_history(
        work_order=order, actor=actor, field="follow_up", new=f"#{follow_up.pk} for “{answer.label}”"
    )
    return follow_up


@transaction.atomic
def checklist_template_create(*, name: str, job_type: str) -> ChecklistTemplate:
    """The office's new checklist for a job type; one active list per type."""
    if ChecklistTemplate.objects.filter(job_type=job_type, active=True).exists():
        raise ValidationError(f"{JobType(job_type).label} jobs already have a checklist: edit that one.")
    return ChecklistTemplate.objects.create(name=name.strip(), job_type=job_type)


@transaction.atomic
def checklist_item_add(
    *, template: ChecklistTemplate, label: str, kind: str, required: bool
) -> ChecklistItem:
    last = template.items.order_by("-position").values_list("position", flat=True).first() or 0
    return ChecklistItem.objects.create(
        template=template, label=label.strip(), kind=kind, required=required, position=last + 1
    )


@transaction.atomic
def checklist_item_remove(*, item: ChecklistItem) -> ChecklistItem:
    """Take an item off the list; answers already given keep it (and say what was asked)."""
    if item.answers.exists():
        item.active = False
        item.save(update_fields=["active"])
    else:
        item.delete()
    return item
