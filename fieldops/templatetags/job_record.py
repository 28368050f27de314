"""The job's record on the pages: `{% job_record order as record %}` then the record's partials."""

from django import template

from dispatch.models import Customer, WorkOrder
from fieldops.forms import EquipmentForm
from fieldops.models import EquipmentKind
from fieldops.record_selectors import JobRecord, job_record_prefetched, site_equipment
from fieldops.record_selectors import job_record as read_job_record
from inventory.models import InventoryItem, MovementKind

register = template.Library()


@register.simple_tag
def job_record(order: WorkOrder) -> JobRecord:
    """Photos, checklist, equipment and sign-off of the job, read in a fixed number of queries,
    with the phone's equipment forms (a new device; each device at the site)."""
    record = read_job_record(order)
    # The parts used on this job, read once for every form's "From a part used" list.
    used = [("", "—")] + list(
        InventoryItem.objects.filter(movements__work_order=order, movements__kind=MovementKind.USED_ON_JOB)
        .distinct()
        .order_by("name")
        .values_list("pk", "name")
    )

    def form(**kwargs) -> EquipmentForm:
        built = EquipmentForm(**kwargs)
        built.fields["item"].queryset = InventoryItem.objects.none()
        built.fields["item"].choices = used
        return built

    record.equipment_form = form(prefix="eq", initial={"kind": EquipmentKind.CAMERA})
    for equipment in record.equipment:
        equipment.form = form(instance=equipment, prefix=f"eq{equipment.pk}")
    return record


@register.inclusion_tag("fieldops/_office_record.html", takes_context=True)
def office_job_record(context, order: WorkOrder) -> dict:
    """The record's card on the office's work-order page."""
    return {"record": job_record_prefetched(order), "order": order, "csrf_token": context.get("csrf_token")}


@register.inclusion_tag("fieldops/_customer_equipment.html", takes_context=True)
def customer_equipment(context, customer: Customer) -> dict:
    """The site's equipment register on the office's customer page."""
    return {"equipment": site_equipment(customer.pk), "csrf_token": context.get("csrf_token")}
