"""The phone's live side: the "anything new?" poll, Web Push subscriptions, and calling off an emergency."""

import json

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dispatch.access import technician_required
from dispatch.models import PushSubscription, WorkOrder
from fieldops import incidents, live
from fieldops.models import Incident
from fieldops.templatetags.live import live_context
from fieldops.views import _act, _my_day_page

MAX_FINGERPRINT = 200


@require_GET
@technician_required
def live_poll(request: HttpRequest) -> HttpResponse:
    """204 while what the page shows from the office is unchanged (?v=, the fingerprint it was drawn
    with); otherwise the new poll with the header, the page's messages and, when the office changed
    the technician's jobs, a notice, all swapped out of band. ?job= says the page is that job's."""
    seen = request.GET.get("v", "")[:MAX_FINGERPRINT]
    job_id = None
    order = None
    if request.GET.get("job"):
        try:
            job_id = int(request.GET["job"])
        except ValueError:
            return HttpResponse("job must be a job number.", status=400, content_type="text/plain")
        order = WorkOrder.objects.worked_by(request.technician).filter(pk=job_id).first()
        if order is None:
            return HttpResponse(status=404)
    summary = live.live_summary(request.technician)
    if seen == summary.fingerprint:
        return HttpResponse(status=204)
    context = live_context(request, job_id, oob=True, summary=summary)
    context["day_changed"] = bool(seen) and live.day_key_of(seen) != summary.day_key
    messages = live.technician_messages(request.technician, order)
    context.update(
        messages=messages,
        messages_region="job-messages" if order else "office-messages",
        title="Messages about this job" if order else "Office messages",
        empty="No messages about this job." if order else "No messages.",
        unread=live.unread_of(messages) if order else summary.unread,
    )
    return render(request, "fieldops/_live.html", context)


@require_POST
@technician_required
def push_subscribe(request: HttpRequest) -> JsonResponse:
    """Keep the browser's push subscription (the JSON of PushSubscription.toJSON()) for this technician."""
    if request.content_type != "application/json":
        return JsonResponse({"ok": False, "message": "Send the subscription as JSON."}, status=400)
    try:
        data = json.loads(request.body or b"{}")
        endpoint = data["endpoint"]
        keys = data["keys"]
        p256dh, auth = keys["p256dh"], keys["auth"]
    except (ValueError, KeyError, TypeError):
        return JsonResponse(
            {"ok": False, "message": "Send the subscription's endpoint and keys."}, status=400
        )
    subscription = PushSubscription(
        technician=request.technician, endpoint=endpoint, p256dh=p256dh, auth=auth
    )
    try:
        subscription.full_clean(exclude=["technician"], validate_unique=False)
    except ValidationError as error:
        return JsonResponse({"ok": False, "message": " ".join(error.messages)}, status=400)
    if not endpoint.startswith("https://"):
        return JsonResponse({"ok": False, "message": "A push endpoint is an https:// address."}, status=400)
    PushSubscription.objects.update_or_create(
        endpoint=endpoint,
        defaults={"technician": request.technician, "p256dh": p256dh, "auth": auth, "failures": 0},
    )
    return JsonResponse({"ok": True})


@require_POST
@technician_required
def incident_cancel(request: HttpRequest, pk) -> HttpResponse:
    """The technician calls off their own emergency as a false alarm (recorded, the office is told)."""
    incident = get_object_or_404(Incident, pk=pk, technician=request.technician)
    technician, note = request.technician, request.POST.get("note", "")
    return _act(
        request,
        action="incident_cancel",
        perform=lambda: incidents.incident_cancel(technician=technician, incident=incident, note=note),
        success="Emergency cancelled. The office has been told it was a false alarm.",
        page=_my_day_page(request),
        redirect_to=reverse("fieldops:tech_home"),
    )
