"""Dispatch suggestions: who should take an order on a day, and the week planner's proposal."""

from datetime import date, datetime, timedelta
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dispatch import clock, formatting, parsing, planner, scheduling, services, suggestions
from dispatch.access import office_required
from dispatch.models import PlanRun, PlanRunStatus, Technician, WorkOrder
from dispatch.services import Actor
from dispatch.views.board import _board_context, _parse_day
from dispatch.views.common import render_region

SUGGEST = "dispatch/work_order_suggest.html"
# The best few, then "show all": at hundreds of technicians the whole ranking is a long page.
SUGGESTIONS_SHOWN = 6


def _first_open_day() -> date:
    """Today, or tomorrow once today's last start time has passed."""
    today = clock.localdate()
    return today + timedelta(days=1) if clock.now() > scheduling.last_start(today) else today


def default_suggest_day(order: WorkOrder) -> date:
    """The order's own day if it has one still to come, else the first day with a start left."""
    first = _first_open_day()
    if order.scheduled_for and timezone.localdate(order.scheduled_for) >= first:
        return timezone.localdate(order.scheduled_for)
    return first


@require_GET
@office_required
def work_order_suggestions(request: HttpRequest, pk: int) -> HttpResponse:
    """Technicians ranked for one order on a chosen day, each with reasons and a one-click assign."""
    order = get_object_or_404(WorkOrder.objects.select_related("customer"), pk=pk)
    origin = "board" if request.GET.get("from") == "board" else "detail"
    context = {
        "order": order,
        "origin": origin,
        "board_view": "week" if request.GET.get("view") == "week" else "day",
    }
    try:
        context["board_date"] = _parse_day(request.GET.get("date")).isoformat()
        day = parsing.parse_day(request.GET.get("day"), default=default_suggest_day(order), what="date")
    except parsing.BadInput as error:
        context["error"] = str(error)
        return render_region(request, SUGGEST, "results", context, status=400)
    if origin == "board":
        # The board may show a past day; suggest from the first day with a start left.
        day = max(day, _first_open_day())
    context["day"] = day
    if not order.is_open:
        context["error"] = (
            f"This order is {order.get_status_display().lower()}: there is nothing to schedule."
        )
    elif day < clock.localdate():
        context["error"] = f"{formatting.day_text(day)} has passed: pick today or a later day."
    else:
        ranked = suggestions.work_order_suggestions(order, day)
        show_all = request.GET.get("all") == "1"
        context["suggestions"] = ranked if show_all else ranked[:SUGGESTIONS_SHOWN]
        context["more"] = 0 if show_all else max(0, len(ranked) - SUGGESTIONS_SHOWN)
    return render_region(request, SUGGEST, "results", context)


def plan_day(day: date) -> date:
    """The board's week, or the coming one when no working day of it is left."""
    today = _first_open_day()
    first, _ = scheduling.week_of(max(day, today))
    if first + timedelta(days=planner.PLAN_WEEKDAYS) <= today:
        return first + timedelta(days=7)
    return max(day, today)


def _plan_context(run: PlanRun) -> dict:
    """The run, and its proposal once the worker has made it."""
    context = {"run": run}
    if run.status == PlanRunStatus.DONE and run.result is not None:
        context["plan"] = planner.plan_from_json(run.result)
    elif not run.is_finished:
        context["waited"] = int((clock.now() - run.created_at).total_seconds())
    return context


def _render_plan(request: HttpRequest, run: PlanRun, view: str, day: date) -> HttpResponse:
    if request.htmx and not request.htmx.boosted:
        context = {**_plan_context(run), "view": view, "day": day}
        return render_region(request, "dispatch/board.html", "plan", context)
    context = _board_context(view, day, request.GET.get("page")) | _plan_context(run)
    return render_region(request, "dispatch/board.html", "live", context)


def _view_and_day(data) -> tuple[str, date] | HttpResponse:
    view = "week" if data.get("view") == "week" else "day"
    try:
        return view, parsing.parse_day(data.get("date"), default=clock.localdate())
    except parsing.BadInput as error:
        return HttpResponse(str(error), status=400, content_type="text/plain; charset=utf-8")


@require_POST
@office_required
def board_plan(request: HttpRequest) -> HttpResponse:
    """Plan the week: the background worker makes a proposal; the answer shows its progress (htmx
    polls board_plan_status) or, without JavaScript, sends the browser to the run's page."""
    parsed = _view_and_day(request.POST)
    if isinstance(parsed, HttpResponse):
        return parsed
    view, day = parsed
    run = services.plan_run_start(day=plan_day(day), user=request.user)
    if request.htmx and not request.htmx.boosted:
        return _render_plan(request, run, view, day)
    return redirect(
        reverse("dispatch:board_plan_status", args=[run.pk]) + f"?view={view}&date={day.isoformat()}"
    )


@require_GET
@office_required
def board_plan_status(request: HttpRequest, pk: UUID) -> HttpResponse:
    """A plan run: its progress while the worker plans, then the proposal (placements, and the
    orders that can't be placed, with why)."""
    run = get_object_or_404(PlanRun, pk=pk)
    parsed = _view_and_day(request.GET)
    if isinstance(parsed, HttpResponse):
        return parsed
    return _render_plan(request, run, *parsed)


def _parse_placement(value: str) -> tuple[int, int, datetime, int]:
    if not value.isascii() or len(value) > 100 or value.count("|") != 3:
        raise ValueError(value[:40])
    order_id, technician_id, start, version = value.split("|")
    return (
        parsing.parse_id(order_id),
        parsing.parse_id(technician_id),
        parsing.parse_moment(start),
        parsing.parse_id(version),
    )


@require_POST
@office_required
def board_plan_apply(request: HttpRequest) -> HttpResponse:
    """Apply a proposal through services.week_plan_apply; refused placements are reported."""
    view = "week" if request.POST.get("view") == "week" else "day"
    day = _parse_day(request.POST.get("date"))
    try:
        parsed = [_parse_placement(value) for value in request.POST.getlist("placement")]
    except ValueError:
        return HttpResponse("A placement of the plan is not readable: plan the week again.", status=400)
    if not parsed:
        return HttpResponse("The plan has no placements to apply.", status=400)
    orders = WorkOrder.objects.in_bulk([p[0] for p in parsed])
    technicians = Technician.objects.in_bulk([p[1] for p in parsed])
    if len(orders) != len({p[0] for p in parsed}) or len(technicians) != len({p[1] for p in parsed}):
        raise Http404("The plan names a work order or technician that doesn't exist.")
    outcome = services.week_plan_apply(
        placements=[
            services.PlanPlacement(orders[order_id], technicians[technician_id], start, version)
            for order_id, technician_id, start, version in parsed
        ],
        actor=Actor.for_user(request.user),
    )
    applied, refused = outcome.applied, outcome.refused
    lines = [
        f"Plan applied: {len(applied)} of {len(parsed)} placement{'s' if len(parsed) != 1 else ''} booked."
    ]
    message = {"ok": not refused, "plan": True, "text": lines + refused}
    context = _board_context(view, day, request.POST.get("page"), message)
    context["clear_plan"] = True
    return render_region(request, "dispatch/board.html", "live", context)
