"""The job's record on the pages: `{% job_record order as record %}` then the record's partials."""

from django import template

from dispatch.models import WorkOrder
from fieldops.record_selectors import JobRecord
from fieldops.record_selectors import job_record as read_job_record

register = template.Library()


@register.simple_tag
def job_record(order: WorkOrder) -> JobRecord:
    """Photos, checklist, equipment and sign-off of the job, read in a fixed number of queries."""
    return read_job_record(order)


@register.inclusion_tag("fieldops/_office_record.html", takes_context=True)
def office_job_record(context, order: WorkOrder) -> dict:
    """The record's card on the office's work-order page."""
    return {"record": read_job_record(order), "order": order, "csrf_token": context.get("csrf_token")}
