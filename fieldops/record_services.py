"""The job's record: photos and attachments, checklists, equipment and the customer's sign-off.

Every change is written with its work_order_history row (who, when) in the same transaction,
and only on the technician's own job (the views fetch the job scoped to them; the services
check again).
"""

import base64
import binascii
import hashlib
import io
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from cryptography.fernet import Fernet, InvalidToken
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
    CustomerSignature,
    Equipment,
    EquipmentCredentialReveal,
    JobAttachment,
    PhotoStep,
)
from fieldops.record_selectors import checklist_items, visit_summary
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
    if not work_order.is_worked_by(technician):
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


# Equipment at each site --------------------------------------------------------------------

MAC = re.compile(r"^[0-9A-F]{12}$")


def mac_normalize(value: str) -> str:
    """A MAC address as AA:BB:CC:DD:EE:FF from any of the usual spellings; refused when it is not one."""
    raw = re.sub(r"[\s:.\-]", "", value or "").upper()
    if not raw:
        return ""
    if not MAC.match(raw):
        raise ValidationError(f"“{value}” is not a MAC address (12 hex digits, e.g. 00:1A:2B:3C:4D:5E).")
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def _fernet() -> Fernet:
    key = settings.TECHFLOW_CREDENTIALS_KEY
    if not key:
        digest = hashlib.sha256(b"techflow-equipment-credentials:" + settings.SECRET_KEY.encode()).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    return Fernet(key.encode() if isinstance(key, str) else key)


def credentials_encrypt(password: str) -> str:
    return _fernet().encrypt(password.encode()).decode() if password else ""


def credentials_decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode() if token else ""
    except InvalidToken as error:
        raise ValidationError(
            "This password can't be read with the current key (TECHFLOW_CREDENTIALS_KEY changed)."
        ) from error


EQUIPMENT_FIELDS = (
    "kind",
    "make",
    "model",
    "serial_number",
    "mac_address",
    "ip_address",
    "mount_location",
    "warranty_end",
    "status",
    "username",
)


def _equipment_text(equipment: Equipment) -> str:
    parts = [equipment.get_kind_display(), str(equipment)]
    if equipment.mac_address:
        parts.append(f"MAC {equipment.mac_address}")
    if equipment.ip_address:
        parts.append(f"IP {equipment.ip_address}")
    if equipment.mount_location:
        parts.append(f"at {equipment.mount_location}")
    parts.append(equipment.get_status_display().lower())
    return ", ".join(parts)


@transaction.atomic
def equipment_save(
    *,
    technician: Technician,
    work_order: WorkOrder,
    equipment: Equipment | None = None,
    password: str | None = None,
    **fields,
) -> Equipment:
    """Register a device at the job's site, or update one there, from the technician's own job.

    The part used can pre-fill it (`item`: its name becomes the model when none is given); a
    password is stored encrypted. The change is a history row on the job.
    """
    _own_job(technician, work_order)
    if work_order.customer_id is None:
        raise ValidationError("This job has no customer site to register equipment at.")
    item = fields.pop("item", None)
    if equipment is None:
        equipment = Equipment(customer_id=work_order.customer_id, installed_work_order_id=work_order.pk)
        old = None
    else:
        equipment = Equipment.objects.select_for_update().get(pk=equipment.pk)
        if equipment.customer_id != work_order.customer_id:
            raise ValidationError("That equipment is at another site.")
        old = _equipment_text(equipment)
    for name in EQUIPMENT_FIELDS:
        if name in fields:
            setattr(equipment, name, fields[name])
    equipment.mac_address = mac_normalize(equipment.mac_address)
    if item is not None:
        equipment.item = item
        if not equipment.model:
            equipment.model = item.name[:120]
    if password is not None and password != "":
        equipment.password_encrypted = credentials_encrypt(password)
    equipment.full_clean(exclude=["customer", "item"])
    equipment.save()
    new = _equipment_text(equipment)
    if new != old or password:
        record_history(
            work_order=work_order,
            actor=_actor(technician),
            field="equipment",
            old=old,
            new=new + (" (password set)" if password else ""),
        )
    return equipment


@transaction.atomic
def equipment_credentials_reveal(
    *, equipment: Equipment, actor: Actor, work_order: WorkOrder | None = None
) -> str:
    """The device's password, for the office or the technician of a job at its site; each reveal recorded."""
    if actor.type == ActorType.TECHNICIAN:
        if work_order is None or work_order.assigned_technician_id != actor.id:
            raise ValidationError("Only the technician assigned to a job at this site may see its passwords.")
        if work_order.customer_id != equipment.customer_id:
            raise ValidationError("That equipment is at another site.")
    password = credentials_decrypt(equipment.password_encrypted)
    EquipmentCredentialReveal.objects.create(
        equipment=equipment,
        revealed_by_type=actor.type,
        revealed_by_id=actor.id,
        work_order_id=work_order.pk if work_order else None,
    )
    if work_order is not None:
        record_history(
            work_order=work_order, actor=actor, field="credentials", new=f"Password shown: {equipment}"
        )
    return password


# The customer's sign-off -------------------------------------------------------------------

SIGNATURE_MAX_BYTES = 1024 * 1024
SIGN_OFF_STATUSES = (WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.COMPLETED)


def _signature_png(data_url: str) -> bytes:
    """The pad's PNG from its data: URL, checked: a real PNG, of a sane size, with ink on it."""
    prefix = "data:image/png;base64,"
    if not data_url or not data_url.startswith(prefix):
        raise ValidationError("Ask the customer to sign in the box first.")
    try:
        raw = base64.b64decode(data_url[len(prefix) :], validate=True)
    except (ValueError, binascii.Error) as error:
        raise ValidationError(
            "The signature did not arrive whole: ask the customer to sign again."
        ) from error
    if len(raw) > SIGNATURE_MAX_BYTES:
        raise ValidationError("The signature image is too large.")
    try:
        with Image.open(io.BytesIO(raw)) as image:
            if image.format != "PNG" or image.width > 4000 or image.height > 4000:
                raise ValidationError("The signature did not arrive whole: ask the customer to sign again.")
            ink = image.convert("RGBA").getchannel("A").getbbox()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as error:
        raise ValidationError(
            "The signature did not arrive whole: ask the customer to sign again."
        ) from error
    if ink is None:
        raise ValidationError("The signature box is empty: ask the customer to sign.")
    return raw


@transaction.atomic
def job_sign_off(
    *,
    technician: Technician,
    work_order: WorkOrder,
    signer_name: str,
    signature: str,
    location: Location = NOWHERE,
) -> CustomerSignature:
    """The customer signs the visit on the phone: the image, the time, the place and the visit as
    they were shown it are stored; a later signature supersedes this one, both kept."""
    _own_job(technician, work_order)
    locked = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    if locked.status not in SIGN_OFF_STATUSES:
        raise ValidationError(
            f"Job #{locked.pk} is {locked.get_status_display().lower()}: "
            "the customer signs a job under way or done."
        )
    name = " ".join((signer_name or "").split())
    if not name:
        raise ValidationError("Write the customer's name under the signature.")
    png = _signature_png(signature)
    previous = CustomerSignature.objects.filter(work_order=locked).first()
    signed = CustomerSignature(
        work_order=locked,
        technician=technician,
        signer_name=name[:120],
        signed_at=clock.now(),
        latitude=location.latitude,
        longitude=location.longitude,
        accuracy_meters=location.accuracy_meters,
        summary=visit_summary(locked),
    )
    signed.image.save("signature.png", ContentFile(png), save=False)
    signed.save()
    record_history(
        work_order=locked,
        actor=_actor(technician),
        field="signature",
        old=f"Signed by {previous.signer_name}" if previous else None,
        new=f"Signed by {signed.signer_name}",
    )
    if locked.status == WorkOrderStatus.COMPLETED:
        from fieldops.report import service_report_request_on_change  # the report reads the record

        service_report_request_on_change(locked)  # the report now shows this signature
    return signed
