"""Reads of the job's record shared by the phone, the office pages and the service report."""

from dataclasses import dataclass, field

from dispatch.models import WorkOrder
from fieldops.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistKind,
    Equipment,
    EquipmentStatus,
    JobAttachment,
    PhotoStep,
)


@dataclass
class JobRecord:
    order: WorkOrder
    attachments: list[JobAttachment] = field(default_factory=list)
    checklist: list["ChecklistRow"] = field(default_factory=list)
    # Answers to items since taken off the list: still part of what was recorded.
    other_answers: list[ChecklistAnswer] = field(default_factory=list)
    # What is installed at the job's site (active first), and what this job installed.
    equipment: list[Equipment] = field(default_factory=list)

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


def job_record(order: WorkOrder) -> JobRecord:
    """Photos and attachments of one job (in the order they were taken) and its checklist with answers."""
    attachments = list(JobAttachment.objects.filter(work_order=order).select_related("technician"))
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
