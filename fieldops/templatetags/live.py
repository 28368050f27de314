"""The phone's pinned live header and a job's office messages; the office's pinned incident banner.

Inclusion tags, so the base templates (tech_base.html, office_base.html) show them on every page
without each view having to pass them (the same pattern as `{% work_order_times %}`).
"""

from django import template

from dispatch import clock
from dispatch.push import vapid_public_key
from fieldops import incidents, live

register = template.Library()


def live_context(request, job_id: int | None, *, oob: bool = False, summary: live.Live | None = None) -> dict:
    """The header's context; `summary` when the caller has just read it (the poll), so it is read once."""
    if summary is None:
        summary = live.live_summary(request.technician)
    return {
        "request": request,
        "live": summary,
        "job_id": job_id,
        "oob": oob,
        "vapid_key": vapid_public_key(),
    }


@register.inclusion_tag("fieldops/_live.html", takes_context=True)
def live_header(context) -> dict:
    """The poll that keeps a phone page current, the urgent banner and the technician's open emergency."""
    request = context["request"]
    if getattr(request, "technician", None) is None:
        return {"live": None}
    order = context.get("order")
    return live_context(request, getattr(order, "pk", None))


@register.inclusion_tag("fieldops/_office_messages.html", takes_context=True)
def job_messages(context, order) -> dict:
    """The office's messages about this job, on the job's page (unread and urgent first)."""
    request = context["request"]
    messages = live.technician_messages(request.technician, order)
    return {
        "request": request,
        "messages": messages,
        "unread": live.unread_of(messages),
        "region": "job-messages",
        "title": "Messages about this job",
        "empty": "No messages about this job.",
    }


@register.inclusion_tag("fieldops/_office_incidents.html", takes_context=True)
def office_incidents(context) -> dict:
    """Every waiting emergency, pinned red at the top of every office page (a poll keeps it current)."""
    request = context["request"]
    waiting = incidents.office_incidents()
    now = clock.now()
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "waiting": waiting,
        "now": now,
        "fingerprint": incidents.office_incidents_fingerprint(waiting, now),
        "back": request.get_full_path(),
    }
