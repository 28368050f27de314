"""The service report: one PDF per completed job, made on the server with WeasyPrint.

The background worker makes it (fieldops.tasks.service_report_task) when the job is completed,
and stores it through the storage API (a ServiceReport row says which version of the record it
shows and when it was made); the download serves the stored file, or says it is being prepared
and asks the worker for it when the record changed since (service_report_request).

It prints the visit as the customer signed it (the latest signature's stored summary) and,
for a job nobody signed, the record as it is now, saying so. Photos and the signature are
embedded from storage as data: URLs; the renderer fetches nothing else.
"""

import base64
import hashlib
import json
import logging
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string

from dispatch import clock
from dispatch.models import WorkOrder, WorkOrderStatus
from fieldops.models import CustomerSignature, JobAttachment, ServiceReport
from fieldops.record_selectors import visit_summary

logger = logging.getLogger(__name__)

MAX_PHOTOS = 24
# A report asked of the worker and still not made after this is asked for again (a lost task).
REQUEST_AGAIN_AFTER = timedelta(minutes=2)
# Counters that run on while the technician is still on site: not part of a report's version
# (the report is made again when they leave, which changes "left").
RUNNING = ("on_site_minutes", "working_minutes")
TIMES = ("arrived", "completed", "left")


def report_context(summary: dict) -> dict:
    """The stored summary with its times as datetimes again, for templates."""
    context = dict(summary)
    for name in TIMES:
        context[name] = datetime.fromisoformat(summary[name]) if summary.get(name) else None
    context["photos"] = [
        {**photo, "taken_at": datetime.fromisoformat(photo["taken_at"]) if photo.get("taken_at") else None}
        for photo in summary.get("photos", [])
    ]
    return context


def _data_url(name: str, content_type: str) -> str | None:
    try:
        with default_storage.open(name, "rb") as handle:
            return f"data:{content_type};base64,{base64.b64encode(handle.read()).decode()}"
    except (FileNotFoundError, OSError):
        return None


def service_report_html(order: WorkOrder) -> str:
    signatures = list(CustomerSignature.objects.filter(work_order=order))
    signature = signatures[0] if signatures else None
    summary = report_context(signature.summary if signature else visit_summary(order))
    ids = [photo["id"] for photo in summary["photos"]][:MAX_PHOTOS]
    files = {str(a.pk): a for a in JobAttachment.objects.filter(pk__in=ids)}
    photos = []
    for photo in summary["photos"][:MAX_PHOTOS]:
        attachment = files.get(photo["id"])
        url = _data_url(attachment.file.name, attachment.content_type) if attachment else None
        photos.append({**photo, "url": url})
    context = {
        "order": order,
        "summary": summary,
        "photos": photos,
        "signature": signature,
        "signature_url": _data_url(signature.image.name, "image/png") if signature else None,
        "superseded": len(signatures) - 1 if signatures else 0,
        "generated_at": clock.now(),
    }
    return render_to_string("fieldops/report.html", context)


def service_report_pdf(order: WorkOrder) -> bytes:
    """The job's service report as PDF bytes."""
    from weasyprint import HTML  # heavy to import; only the report needs it
    from weasyprint.urls import URLFetcher

    # data: URLs only (the report's own images): the renderer reaches no file and no network.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=service_report_html(order), url_fetcher=fetcher).write_pdf()


# Made by the worker, stored, served -----------------------------------------------------------


def report_version(order: WorkOrder) -> str:
    """A fingerprint of what the job's report shows: the signatures and the visit the latest was
    shown, or, unsigned, the record as it is now. A different fingerprint means a new report."""
    signatures = list(CustomerSignature.objects.filter(work_order=order).values_list("pk", "summary"))
    summary = dict(signatures[0][1] if signatures else visit_summary(order))
    for name in RUNNING:
        summary.pop(name, None)
    basis = {"signatures": [str(pk) for pk, _ in signatures], "summary": summary, "status": order.status}
    return hashlib.sha256(json.dumps(basis, sort_keys=True, default=str).encode()).hexdigest()[:32]


def service_report_ready(order: WorkOrder, *, version: str | None = None) -> ServiceReport | None:
    """The stored report of the job's current record, or None (not made yet, or made of an older one)."""
    report = ServiceReport.objects.filter(work_order=order).first()
    if report is None or not report.file:
        return None
    return report if report.version == (version or report_version(order)) else None


_on_download_only: ContextVar[bool] = ContextVar("techflow_reports_on_download_only", default=False)


@contextmanager
def reports_on_download_only():
    """Within the block completing a job asks for no report (the demo's history): a download does."""
    token = _on_download_only.set(True)
    try:
        yield
    finally:
        _on_download_only.reset(token)


def service_report_request_on_change(order: WorkOrder) -> None:
    """A job was completed or signed: ask for its report now, unless reports_on_download_only."""
    if not _on_download_only.get():
        service_report_request(order)


def service_report_request(order: WorkOrder, *, version: str | None = None) -> ServiceReport:
    """Ask the worker for the job's report of its current record, once per version (again when a
    request has waited REQUEST_AGAIN_AFTER: its task was lost). The task is enqueued on commit."""
    order = WorkOrder.objects.get(pk=order.pk)  # its status as committed, not a caller's copy
    version = version or report_version(order)
    with transaction.atomic():
        ServiceReport.objects.get_or_create(work_order=order)
        report = ServiceReport.objects.select_for_update().get(work_order=order)
        if report.file and report.version == version:
            return report
        now = clock.now()
        if (
            report.requested_version == version
            and report.requested_at
            and now - report.requested_at < REQUEST_AGAIN_AFTER
        ):
            return report
        report.requested_version, report.requested_at = version, now
        report.save(update_fields=["requested_version", "requested_at", "updated_at"])
        transaction.on_commit(lambda pk=order.pk: _enqueue(pk))
    return report


def _enqueue(work_order_id: int) -> None:
    from fieldops.tasks import service_report_task

    try:
        service_report_task.enqueue(work_order_id)
    except Exception:  # the request stays recorded; reports_request_due asks again
        logger.exception("could not enqueue the service report of job %s", work_order_id)


def service_report_make(*, work_order_id: int) -> str:
    """The worker's part: render the job's report and store it, unless the stored one already shows
    this version of the record. The row is locked while rendering, so a retried or duplicate task
    waits and then finds it made: one file per version, never two."""
    order = WorkOrder.objects.filter(pk=work_order_id).select_related("customer").first()
    if order is None or order.status != WorkOrderStatus.COMPLETED:
        return "not a completed job"
    with transaction.atomic():
        ServiceReport.objects.get_or_create(work_order=order)
        report = ServiceReport.objects.select_for_update().get(work_order=order)
        version = report_version(order)
        if report.file and report.version == version:
            return f"{version}: already made"
        old = report.file.name if report.file else ""
        report.file.save(f"{version}.pdf", ContentFile(service_report_pdf(order)), save=False)
        report.version, report.generated_at = version, clock.now()
        report.requested_version = version
        report.renders += 1
        report.last_error = ""
        report.save()
        if old and old != report.file.name:
            transaction.on_commit(lambda: default_storage.delete(old))
    return f"{version}: made"


def service_report_failed(*, work_order_id: int, error: Exception) -> None:
    """A render that failed is recorded on the row (the task's own result says it failed too)."""
    ServiceReport.objects.filter(work_order_id=work_order_id).update(last_error=repr(error)[:1000])


def reports_request_due(*, limit: int = 200) -> int:
    """Ask again for reports requested long ago and still not made (a lost or failed task): the
    periodic sweep. Returns how many were asked for."""
    cutoff = clock.now() - REQUEST_AGAIN_AFTER
    waiting = (
        ServiceReport.objects.filter(requested_at__lt=cutoff, work_order__status=WorkOrderStatus.COMPLETED)
        .exclude(requested_version="")
        .exclude(version=F("requested_version"))
    )
    asked = 0
    for report in waiting.select_related("work_order").order_by("requested_at")[:limit]:
        service_report_request(report.work_order)
        asked += 1
    return asked
