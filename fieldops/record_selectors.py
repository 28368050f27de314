"""Reads of the job's record shared by the phone, the office pages and the service report."""

from dataclasses import dataclass, field
from datetime import UTC, datetime

from dispatch.models import WorkOrder
from fieldops.models import (
    ActivityType,
    ChecklistAnswer,
    ChecklistItem,
    ChecklistKind,
    CustomerSignature,
    Equipment,
    EquipmentStatus,
    JobAttachment,
    PhotoStep,
)
from inventory.models import MovementKind, StockMovement


@dataclass
class JobRecord:
    order: WorkOrder
    attachments: list[JobAttachment] = field(default_factory=list)
    checklist: list["ChecklistRow"] = field(default_factory=list)
    # Answers to items since taken off the list: still part of what was recorded.
    other_answers: list[ChecklistAnswer] = field(default_factory=list)
    # What is installed at the job's site (active first), and what this job installed.
    equipment: list[Equipment] = field(default_factory=list)
    # Newest first: the first is the one in force, the others it superseded.
    signatures: list[CustomerSignature] = field(default_factory=list)

    @property
    def installed_here(self) -> list[Equipment]:
        return [e for e in self.equipment if e.installed_work_order_id == self.order.pk]

    photo_steps = PhotoStep.choices

    @property
    def default_step(self) -> str:
        return PhotoStep.AFTER if self.order.status == "completed" else PhotoStep.BEFORE

    @property
    def photo_items(self) -> list[ChecklistItem]:
        return [row.item for row in self.checklist if row.item.kind == ChecklistKind.PHOTO]

    @property
    def answers(self) -> list[ChecklistAnswer]:
        return [row.answer for row in self.checklist if row.answer] + self.other_answers

    @property
    def photos(self) -> list[JobAttachment]:
        return [a for a in self.attachments if a.is_image]

    @property
    def documents(self) -> list[JobAttachment]:
        return [a for a in self.attachments if not a.is_image]


def job_record_prefetched(order: WorkOrder) -> JobRecord:
    """The same, reading the order's prefetched `attachments` (the office's work-order page)."""
    return _job_record(order, list(order.attachments.all()))


def job_record(order: WorkOrder) -> JobRecord:
    """Photos and attachments of one job (in the order they were taken) and its checklist with answers."""
    attachments = list(JobAttachment.objects.filter(work_order=order).select_related("technician"))
    return _job_record(order, attachments)


def _job_record(order: WorkOrder, attachments: list[JobAttachment]) -> JobRecord:
    answers = {
        a.item_id: a for a in ChecklistAnswer.objects.filter(work_order=order).select_related("follow_up")
    }
    rows = [ChecklistRow(item, answers.pop(item.pk, None)) for item in checklist_items(order)]
    equipment = site_equipment(order.customer_id) if order.customer_id else []
    return JobRecord(
        order=order,
        attachments=attachments,
        checklist=rows,
        other_answers=list(answers.values()),
        equipment=equipment,
        signatures=list(CustomerSignature.objects.filter(work_order=order)),
    )


def site_equipment(customer_id: int) -> list[Equipment]:
    """The customer's register: active devices first, then replaced and removed ones."""
    rank = {EquipmentStatus.ACTIVE: 0, EquipmentStatus.REPLACED: 1, EquipmentStatus.REMOVED: 2}
    rows = list(Equipment.objects.filter(customer_id=customer_id).order_by("kind", "mount_location", "id"))
    return sorted(rows, key=lambda e: rank.get(e.status, 3))


def checklist_items(work_order: WorkOrder) -> list[ChecklistItem]:
    """The items of the office's active checklist for the job's type (none for a job without a type)."""
    if not work_order.job_type:
        return []
    return list(
        ChecklistItem.objects.filter(
            template__job_type=work_order.job_type, template__active=True, active=True
        ).order_by("position", "id")
    )


@dataclass
class ChecklistRow:
    item: ChecklistItem
    answer: ChecklistAnswer | None


# The visit as the customer signs it, and as the service report prints it ------------------


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value else None


def visit_summary(order: WorkOrder) -> dict:
    """What was true of the visit at this moment, as plain data (stored with a signature).

    Customer and site, technician, times on site, work done, parts, checklist, photos and the
    equipment this job installed or touched at the site.
    """
    from fieldops.selectors import (
        work_order_field_times,
    )  # fieldops.selectors imports the state, which imports us

    order = (
        WorkOrder.objects.select_related("customer", "assigned_technician")
        .prefetch_related("travel_logs", "activities", "notes")
        .get(pk=order.pk)
    )
    record = job_record(order)
    activities = sorted(order.activities.all(), key=lambda a: (a.created_at, a.sequence))
    arrived = next(
        (a.created_at for a in activities if a.activity_type == ActivityType.ARRIVED_ON_SITE), None
    )
    finished = next(
        (a.created_at for a in reversed(activities) if a.activity_type == ActivityType.WORK_COMPLETED), None
    )
    left = next(
        (a.created_at for a in reversed(activities) if a.activity_type == ActivityType.LEFT_SITE), None
    )
    times = work_order_field_times(order)
    parts: dict[str, int] = {}
    for movement in StockMovement.objects.filter(
        work_order=order, kind__in=[MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB]
    ).select_related("item"):
        parts[movement.item.name] = parts.get(movement.item.name, 0) - movement.quantity_change
    completion = [a.notes for a in activities if a.activity_type == ActivityType.WORK_COMPLETED and a.notes]
    technician_notes = [
        n.note_text for n in order.notes.all() if n.technician_id and not n.note_text.startswith("Completed:")
    ]
    customer = order.customer
    touched = [e for e in record.equipment if e.installed_work_order_id == order.pk] or [
        e for e in record.equipment if e.status == EquipmentStatus.ACTIVE
    ]
    return {
        "work_order": {
            "id": order.pk,
            "title": order.title,
            "description": order.brief_description,
            "job_type": order.get_job_type_display() or "",
            "status": order.get_status_display(),
        },
        "customer": {"name": customer.name, "address": customer.address, "phone": customer.phone}
        if customer
        else None,
        "technician": order.assigned_technician.name if order.assigned_technician else "",
        "arrived": _iso(arrived),
        "completed": _iso(finished),
        "left": _iso(left),
        "on_site_minutes": int(times.on_site.total_seconds() // 60),
        "working_minutes": int(times.working.total_seconds() // 60),
        "work_done": completion[-1] if completion else (order.full_summary or ""),
        "notes": technician_notes,
        "parts": [{"item": name, "quantity": qty} for name, qty in sorted(parts.items()) if qty],
        "checklist": [
            {"label": a.label, "answer": a.display, "passed": a.passed, "follow_up": a.follow_up_id}
            for a in record.answers
        ],
        "missing": [row.item.label for row in record.checklist if row.answer is None and row.item.required],
        "photos": [
            {
                "id": str(p.pk),
                "step": p.get_step_display(),
                "caption": p.caption,
                "taken_at": _iso(p.taken_at),
            }
            for p in record.photos
        ],
        "equipment": [
            {
                "kind": e.get_kind_display(),
                "make": e.make,
                "model": e.model,
                "serial": e.serial_number,
                "mac": e.mac_address,
                "ip": e.ip_address or "",
                "mount": e.mount_location,
                "warranty_end": e.warranty_end.isoformat() if e.warranty_end else None,
                "status": e.get_status_display(),
            }
            for e in touched
        ],
    }
