"""The office's side of an emergency: the pinned banner's poll, acknowledging and resolving."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from dispatch import clock
from dispatch.access import office_required
from dispatch.views.common import error_messages
from fieldops import incidents
from fieldops.models import Incident

BANNER = "fieldops/_office_incidents.html"


def _banner(request: HttpRequest, status: int = 200, refusal: str = "") -> HttpResponse:
    waiting = incidents.office_incidents()
    now = clock.now()
    context = {
        "waiting": waiting,
        "now": now,
        "fingerprint": incidents.office_incidents_fingerprint(waiting, now),
        "refusal": refusal,
        "back": (request.htmx.current_url_abs_path or "") if request.htmx else request.get_full_path(),
    }
    return render(request, BANNER, context, status=status)


@require_GET
@office_required
def incident_banner(request: HttpRequest) -> HttpResponse:
    """The banner every office page polls: escalates what is overdue first (any server may; each
    incident escalates once), then 204 while the banner it shows (?v=) is still right."""
    incidents.incidents_escalate_due()
    waiting = incidents.office_incidents()
    if request.GET.get("v") == incidents.office_incidents_fingerprint(waiting, clock.now()):
        return HttpResponse(status=204)
    return _banner(request)


def _back(request: HttpRequest) -> HttpResponse:
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "field:field_overview"
    return redirect(back)


def _answer(request: HttpRequest, done: str, action) -> HttpResponse:
    """Run an office step on an incident; htmx gets the banner back (409 with the reason when refused)."""
    try:
        action()
    except ValidationError as error:
        refusal = " ".join(error_messages(error))
        if request.htmx:
            return _banner(request, status=409, refusal=refusal)
        messages.error(request, refusal)
        return _back(request)
    if request.htmx:
        return _banner(request)
    messages.success(request, done)
    return _back(request)


@require_POST
@office_required
def incident_acknowledge(request: HttpRequest, pk) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("technician"), pk=pk)
    return _answer(
        request,
        f"Acknowledged: {incident.technician.name}'s emergency. Call them: {incident.technician.phone}",
        lambda: incidents.incident_acknowledge(incident=incident, user=request.user),
    )


@require_POST
@office_required
def incident_resolve(request: HttpRequest, pk) -> HttpResponse:
    incident = get_object_or_404(Incident.objects.select_related("technician"), pk=pk)
    note = request.POST.get("note", "")
    return _answer(
        request,
        f"Resolved: {incident.technician.name}'s emergency.",
        lambda: incidents.incident_resolve(incident=incident, user=request.user, note=note),
    )
