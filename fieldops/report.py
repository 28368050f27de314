"""The service report: one PDF per completed job, made on the server with WeasyPrint.

It prints the visit as the customer signed it (the latest signature's stored summary) and,
for a job nobody signed, the record as it is now, saying so. Photos and the signature are
embedded from storage as data: URLs; the renderer fetches nothing else.
"""

import base64
from datetime import datetime

from django.core.files.storage import default_storage
from django.template.loader import render_to_string

from dispatch import clock
from dispatch.models import WorkOrder
from fieldops.models import CustomerSignature, JobAttachment
from fieldops.record_selectors import visit_summary

MAX_PHOTOS = 24
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
