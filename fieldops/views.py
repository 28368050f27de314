"""Technician phone pages: My day, the job page, and every step of the day as a plain form post.

Each action answers in one of three ways: a redirect (a plain form post, the page works
without JavaScript), the changed region (an htmx request), or JSON (tech.js replaying
an action queued while offline, asked with the X-Replay header).
"""

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from dispatch.access import technician_required
from dispatch.models import ManualNotification, WorkOrder
from dispatch.views.common import render_region, wants_region
from fieldops import selectors, services
from fieldops.forms import (
    ClockInForm,
    CompleteForm,
    EventForm,
    NoteForm,
    PartForm,
    idempotency_key_from,
    location_from,
    request_fingerprint,
    tapped_at_from,
)
from fieldops.models import ActivityType
from fieldops.state import truck_refusal
from inventory.models import StockMovement

Page = Callable[[int], HttpResponse]


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Replay") == "1"


def _form_error(form: Form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _refuse(request: HttpRequest, message: str, page: Page, status: int = 400) -> HttpResponse:
    """Bad input: a clear message and a 4xx, with the region it came from (htmx swaps it in place)."""
    if _wants_json(request):
        return JsonResponse({"ok": False, "message": message}, status=status)
    messages.error(request, message)
    return page(status)


def _act(
    request: HttpRequest,
    *,
    action: str,
    perform: Callable[[], object],
    success: str,
    page: Page,
    redirect_to: str,
    leaves_page: bool = False,
) -> HttpResponse:
    """Run an action once for its idempotency key and answer the way the request asks.

    `leaves_page`: on success the technician goes to another page (htmx is told to follow).
    """
    key = idempotency_key_from(request.POST)
    if key is None:
        return _refuse(request, "This page is out of date: reload it and try again.", page)
    outcome = services.action_perform(
        technician=request.technician,
        key=key,
        action=action,
        perform=perform,
        success_message=success,
        redirect_to=redirect_to,
        fingerprint=request_fingerprint(request.path, request.POST),
        tapped_at=tapped_at_from(request.POST),
        # A job's actions post to /tech/jobs/<pk>/...: the refusal alert names the job.
        work_order_id=request.resolver_match.kwargs.get("pk") if action.startswith("job_") else None,
    )
    if outcome.conflict:
        return _refuse(request, outcome.message, page, status=422)
    if _wants_json(request):
        return JsonResponse(
            {"ok": outcome.ok, "message": outcome.message, "redirect": outcome.redirect_to},
            status=200 if outcome.ok else 409,
        )
    (messages.success if outcome.ok else messages.error)(request, outcome.message)
    if outcome.ok and not wants_region(request):
        return redirect(outcome.redirect_to)
    if outcome.ok and leaves_page:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = outcome.redirect_to
        return response
    return page(200 if outcome.ok else 409)


# My day


def _my_day_page(request: HttpRequest, region: str = "shift", **extra) -> Page:
    """My day, or its `region` for htmx: the shift card, the road events or the messages."""

    def page(status: int) -> HttpResponse:
        day = selectors.my_day(request.technician)
        # A swapped-in region carries its own messages; the page shows them at its top.
        context = {"day": day, "state": day.state, "fragment": wants_region(request), **extra}
        return render_region(request, "fieldops/my_day.html", region, context, status=status)

    return page


@require_GET
@technician_required
def tech_home(request: HttpRequest) -> HttpResponse:
    return _my_day_page(request)(200)


@require_GET
@technician_required
def truck_search(request: HttpRequest) -> HttpResponse:
    """The clock-in list's options for a fleet too large to list whole: the trucks whose name holds
    `q` (the technician's recent ones when it is empty)."""
    if not request.htmx:
        return redirect("fieldops:tech_home")
    query = request.GET.get("q", "")
    trucks = selectors.truck_matches(request.technician, query)
    return render(request, "fieldops/_truck_options.html", {"trucks": trucks, "query": query.strip()})


@require_POST
@technician_required
def clock_in(request: HttpRequest) -> HttpResponse:
    page = _my_day_page(request)
    form = ClockInForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_error(form), page)
    technician, location = request.technician, location_from(request.POST)
    truck, share = form.cleaned_data["truck"], form.cleaned_data["share"]
    drivers = services.truck_drivers(truck, besides=technician)
    if drivers and truck.crew_allowed and not share:
        # A truck a crew may share, in use: ask before clocking in (the service refuses it unasked).
        asking = _my_day_page(request, share_truck=truck, share_with=_names(drivers))
        return _refuse(request, truck_refusal(truck, drivers, share=False), asking, status=409)
    return _act(
        request,
        action="clock_in",
        perform=lambda: services.clock_in(technician=technician, truck=truck, location=location, share=share),
        success=f"Clocked in with {truck}" + (f", shared with {_names(drivers)}." if drivers else "."),
        page=page,
        redirect_to=reverse("fieldops:tech_home"),
    )


def _names(technicians) -> str:
    return " and ".join(t.name for t in technicians)


def _shift_step(request: HttpRequest, action: str, service: Callable, success: str) -> HttpResponse:
    technician, location = request.technician, location_from(request.POST)
    return _act(
        request,
        action=action,
        perform=lambda: service(technician=technician, location=location),
        success=success,
        page=_my_day_page(request),
        redirect_to=reverse("fieldops:tech_home"),
    )


@require_POST
@technician_required
def clock_out(request: HttpRequest) -> HttpResponse:
    return _shift_step(request, "clock_out", services.clock_out, "Clocked out. Have a good evening.")


@require_POST
@technician_required
def break_start(request: HttpRequest) -> HttpResponse:
    return _shift_step(request, "break_start", services.break_start, "Break started.")


@require_POST
@technician_required
def break_end(request: HttpRequest) -> HttpResponse:
    return _shift_step(request, "break_end", services.break_end, "Break over.")


EVENTS = {
    "fuel-stop": (ActivityType.FUEL_STOP, "Fuel stop recorded."),
    "vehicle-inspection": (ActivityType.VEHICLE_INSPECTION, "Vehicle inspection recorded."),
    "emergency-stop": (ActivityType.EMERGENCY_STOP, "Emergency stop sent. The office has been alerted."),
}


@require_POST
@technician_required
def event_record(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in EVENTS:
        raise Http404("No such event.")
    activity_type, success = EVENTS[kind]
    page = _my_day_page(request, "road")
    form = EventForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_error(form), page)
    technician, location, notes = request.technician, location_from(request.POST), form.cleaned_data["notes"]
    return _act(
        request,
        action=activity_type,
        perform=lambda: services.event_record(
            technician=technician, activity_type=activity_type, location=location, notes=notes
        ),
        success=success,
        page=page,
        redirect_to=reverse("fieldops:tech_home"),
    )


@require_POST
@technician_required
def message_mark_read(request: HttpRequest, pk: int) -> HttpResponse:
    message = get_object_or_404(ManualNotification, pk=pk, technician=request.technician)
    technician = request.technician
    return _act(
        request,
        action="message_mark_read",
        perform=lambda: services.message_mark_read(technician=technician, message=message),
        success="Marked read.",
        page=_my_day_page(request, "messages"),
        redirect_to=reverse("fieldops:tech_home") + "#office-messages",
    )


# The job page


def _work_order_for_technician(request: HttpRequest, pk: int) -> WorkOrder:
    """A job of the technician's (one they lead or help on), or 404: another technician's job does
    not exist for them."""
    return get_object_or_404(
        WorkOrder.objects.worked_by(request.technician).select_related("customer", "assigned_technician"),
        pk=pk,
    )


def _job_page(request: HttpRequest, order: WorkOrder, region: str = "panel", **forms: Form) -> Page:
    """The job page, or its `region` for htmx: the step panel, the notes or the parts."""

    def page(status: int) -> HttpResponse:
        job = selectors.job_page(request.technician, order)
        if order.pk in request.session.get(LOCATION_DECLINED, []):
            job.location_offer = None
        # The page shows messages at its top; a swapped-in region carries its own.
        context = {"order": order, "job": job, "state": job.state, "fragment": wants_region(request), **forms}
        return render_region(request, "fieldops/job_detail.html", region, context, status=status)

    return page


@require_GET
@technician_required
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _job_page(request, _work_order_for_technician(request, pk))(200)


STEPS: dict[str, tuple[Callable, str]] = {
    "travel_start": (services.job_travel_start, "Travel started. Drive safe."),
    "arrive": (services.job_arrive, "Arrived on site."),
    "work_start": (services.job_work_start, "Work started."),
    "pause": (services.job_pause, "Work paused."),
    "resume": (services.job_resume, "Work resumed."),
    "leave": (services.job_leave, "Left site. On to the next one."),
}


@require_POST
@technician_required
def job_step(request: HttpRequest, pk: int, step: str) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    service, success = STEPS[step]
    technician, location = request.technician, location_from(request.POST)
    redirect_to = (
        reverse("fieldops:tech_home") if step == "leave" else reverse("fieldops:job_detail", args=[pk])
    )
    return _act(
        request,
        action=f"job_{step}",
        perform=lambda: service(technician=technician, work_order=order, location=location),
        success=success,
        page=_job_page(request, order),
        redirect_to=redirect_to,
        leaves_page=step == "leave",
    )


# Jobs whose "Save this spot as the customer's location?" the technician answered No (this session).
LOCATION_DECLINED = "location_declined"


@require_POST
@technician_required
def job_save_location(request: HttpRequest, pk: int) -> HttpResponse:
    """The answer to "Save this spot as the customer's location?": yes saves the arrival's position
    on the customer (recorded in their history); no stops asking for this job."""
    order = _work_order_for_technician(request, pk)
    answer = request.POST.get("answer")
    if answer not in ("yes", "no"):
        return _refuse(request, "Answer yes or no.", _job_page(request, order))
    if answer == "no":
        declined = request.session.get(LOCATION_DECLINED, [])
        request.session[LOCATION_DECLINED] = [*declined[-49:], order.pk]
        messages.info(request, "Not saved. The office can place the customer on the map.")
    else:
        try:
            services.customer_location_from_arrival(technician=request.technician, work_order=order)
        except ValidationError as error:
            return _refuse(request, " ".join(error.messages), _job_page(request, order), status=409)
        messages.success(request, "Saved: this spot is now the customer's location.")
        order = _work_order_for_technician(request, pk)  # its customer now has the spot
    if wants_region(request):
        return _job_page(request, order)(200)
    return redirect("fieldops:job_detail", pk=pk)


@require_POST
@technician_required
def job_complete(request: HttpRequest, pk: int) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    form = CompleteForm(request.POST)
    page = _job_page(request, order, complete_form=form)
    if not form.is_valid():
        return _refuse(request, _form_error(form), page)
    technician, location, note = request.technician, location_from(request.POST), form.cleaned_data["note"]
    return _act(
        request,
        action="job_complete",
        perform=lambda: services.job_complete(
            technician=technician, work_order=order, note=note, location=location
        ),
        success="Job completed. Tap Left site when you go.",
        page=page,
        redirect_to=reverse("fieldops:job_detail", args=[pk]),
    )


@require_POST
@technician_required
def job_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    form = NoteForm(request.POST)
    page = _job_page(request, order, "notes", note_form=form)
    if not form.is_valid():
        return _refuse(request, _form_error(form), page)
    technician, data = request.technician, form.cleaned_data
    return _act(
        request,
        action="job_note_add",
        perform=lambda: services.job_note_add(
            technician=technician, work_order=order, text=data["text"], alert_office=data["alert_office"]
        ),
        success="Note sent to the office." if data["alert_office"] else "Note added.",
        page=page,
        redirect_to=reverse("fieldops:job_detail", args=[pk]) + "#notes",
    )


@require_POST
@technician_required
def job_part_use(request: HttpRequest, pk: int) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    form = PartForm(request.POST)
    page = _job_page(request, order, "parts", part_form=form)
    if not form.is_valid():
        return _refuse(request, _form_error(form), page)
    technician, item, quantity = request.technician, form.cleaned_data["item"], form.cleaned_data["quantity"]
    return _act(
        request,
        action="job_part_use",
        perform=lambda: services.job_part_use(
            technician=technician, work_order=order, item=item, quantity=quantity
        ),
        success=f"Used {item.amount_of(quantity)}.",
        page=page,
        redirect_to=reverse("fieldops:job_detail", args=[pk]) + "#parts",
    )


@require_POST
@technician_required
def job_part_undo(request: HttpRequest, pk: int, movement_pk: int) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    movement = get_object_or_404(
        StockMovement.objects.select_related("item"),
        pk=movement_pk,
        work_order=order,
        technician=request.technician,
    )
    technician = request.technician
    return _act(
        request,
        action="job_part_undo",
        perform=lambda: services.job_part_undo(technician=technician, movement=movement),
        success=f"Put back {movement.item.amount_of(-movement.quantity_change)} on the truck.",
        page=_job_page(request, order, "parts"),
        redirect_to=reverse("fieldops:job_detail", args=[pk]) + "#parts",
    )


# The service worker


SERVICE_WORKER = Path(settings.BASE_DIR) / "static" / "sw.js"


@never_cache
@require_GET
@technician_required
def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker, served under /tech/ so that its scope is the technician pages."""
    response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="application/javascript")
    response["Service-Worker-Allowed"] = "/tech/"
    return response
