"""The dispatch board: technicians by hours (day) or by days (week), with a tray of work to place."""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dispatch import clock, formatting, parsing, scheduling, selectors, services
from dispatch.access import office_required
from dispatch.models import Technician, WorkOrder
from dispatch.services import Actor, MissingSkill, OutsidePreferredWindow, StaleWorkOrder
from dispatch.views.common import error_messages, render_region

TRAY_SHOWN = 40
TECHNICIANS_SHOWN = 15  # rows of the day and week grids per page (a week row holds up to 14 cards)
# Where a card dropped on a day of the week view lands when it had no time yet.
DEFAULT_WEEK_TIME = time(9)


def _parse_day(value: str | None) -> date:
    """The board's day (?date=): today when absent; anything else not a day in range is a 400."""
    return parsing.parse_day(value, default=clock.localdate())


def _board_context(
    view: str, day: date, page: str | None, message: dict | None = None, fingerprint: str | None = None
) -> dict:
    fingerprint = fingerprint or selectors.office_fingerprint()
    grid = selectors.board_grid(view, day, TRAY_SHOWN, page, TECHNICIANS_SHOWN)
    _dress_cards(grid, view, day)
    step = timedelta(days=7 if view == "week" else 1)
    return {
        "day_trouble": _day_trouble(grid) if view == "day" and day >= clock.localdate() else "",
        "fingerprint": fingerprint,
        "view": view,
        "day": day,
        "previous": (day - step).isoformat(),
        "next": (day + step).isoformat(),
        "today": clock.localdate().isoformat(),
        "day_iso": day.isoformat(),
        **grid,
        "message": message,
        "max_jobs": scheduling.max_jobs_per_day(),
    }


def _url_format(name: str) -> str:
    """The URL of `name` for one id, as a format string (reversed once, not once per card)."""
    marker = 987654321
    return reverse(name, args=[marker]).replace(str(marker), "{}")


def _dress_cards(grid: dict, view: str, day: date) -> None:
    """Every name the card template reads, set on every card: its links, time text and length
    (URLs reversed once per page, not per card: the week view draws 200), and, for a tray card,
    which has no place on the grid, empty layout (a name the template cannot find costs an
    exception and, on a model, a dir(): 14 ms a page)."""
    detail = _url_format("dispatch:work_order_detail")
    suggest = _url_format("dispatch:work_order_suggestions") + f"?from=board&view={view}&date={day}&day={day}"
    grid_orders = [order for row in grid["rows"] for _, cell in row["cells"] for order in cell]
    for order in grid["tray"]:
        order.duration = order.minutes = order.span_q = order.delay_q = None
        order.overrun = order.delay = None
        order.crew = order.crew_with = ""
        order.suggest_url = suggest.format(order.pk)
    for order in [*grid_orders, *grid["tray"]]:
        order.url = detail.format(order.pk)
        order.when_text = formatting.when(order.scheduled_for) or "No time yet"
        order.clock_text = formatting.clock_time(order.scheduled_for)
        order.length_text = formatting.length_text(order.duration) if order.duration else ""


def _day_trouble(grid: dict) -> str:
    """Why "Fix my day" is worth pressing on the day shown, in a few words ('' when nothing is wrong
    that the board can see): a job running over, later jobs delayed, work waiting for the day."""
    orders = [order for row in grid["rows"] for _, cell in row["cells"] for order in cell]
    if any(getattr(order, "overrun", None) for order in orders):
        return "a job is running over"
    if any(getattr(order, "delay", None) for order in orders):
        return "jobs are delayed"
    if grid["tray_count"]:
        return f"{grid['tray_count']} waiting"
    return ""


@require_GET
@office_required
def board(request: HttpRequest) -> HttpResponse:
    view = "week" if request.GET.get("view") == "week" else "day"
    day = _parse_day(request.GET.get("date"))
    fingerprint = selectors.office_fingerprint()
    if request.htmx and request.GET.get("since") == fingerprint:
        return HttpResponse(status=204)
    context = _board_context(view, day, request.GET.get("page"), fingerprint=fingerprint)
    return render_region(request, "dispatch/board.html", "live", context)


def _target_time(order: WorkOrder, start: str, keep_time: bool) -> datetime | None:
    """The slot's time; a day slot of the week view keeps the order's time of day."""
    if not start:
        return order.scheduled_for
    if keep_time:
        day = parsing.parse_day(start[:10], what="day")
        at = timezone.localtime(order.scheduled_for).time() if order.scheduled_for else DEFAULT_WEEK_TIME
        return scheduling.at_time(day, at.replace(second=0, microsecond=0))
    return parsing.parse_moment(start, what="slot's time")


@require_POST
@office_required
def board_move(request: HttpRequest) -> HttpResponse:
    """Drop a card on a technician's slot (or back in the tray): assign or reschedule by the rules."""
    view = "week" if request.POST.get("view") == "week" else "day"
    day = _parse_day(request.POST.get("date"))
    page = request.POST.get("page")
    try:
        order_id = parsing.parse_id(request.POST.get("work_order"), what="work order")
        technician_id = parsing.parse_optional_id(request.POST.get("technician"), what="technician")
    except parsing.BadInput:
        context = _board_context(
            view, day, page, {"ok": False, "text": ["Drop a work order on a technician's slot."]}
        )
        return render_region(request, "dispatch/board.html", "live", context, status=422)
    order = get_object_or_404(WorkOrder, pk=order_id)
    technician = get_object_or_404(Technician, pk=technician_id) if technician_id else None
    try:
        start = _target_time(order, request.POST.get("start", ""), request.POST.get("keep_time") == "1")
        version = parsing.parse_optional_id(request.POST.get("version"), what="version")
    except parsing.BadInput as error:
        context = _board_context(view, day, page, {"ok": False, "text": [str(error)]})
        return render_region(request, "dispatch/board.html", "live", context, status=422)
    override_window = request.POST.get("override_window") == "on"
    try:
        services.work_order_schedule(
            work_order=order,
            actor=Actor.for_user(request.user),
            technician=technician,
            scheduled_for=start,
            override_window=override_window,
            expected_version=version,
            override_skills=request.POST.get("override_skills") == "on",
        )
    except ValidationError as error:
        message = {"ok": False, "text": error_messages(error), "order": order}
        if isinstance(error, OutsidePreferredWindow | MissingSkill):
            # The dispatcher may confirm: the button sends this override and any confirmed before.
            confirmed = "window" if isinstance(error, OutsidePreferredWindow) or override_window else ""
            skills = "skills" if isinstance(error, MissingSkill) else ""
            order.refresh_from_db(fields=["version"])
            message.update(
                override=" ".join(filter(None, [confirmed, skills])),
                technician_id=technician.pk if technician else "",
                start=timezone.localtime(start).strftime("%Y-%m-%dT%H:%M") if start else "",
            )
        status = 409 if isinstance(error, StaleWorkOrder) else 422
        return render_region(
            request, "dispatch/board.html", "live", _board_context(view, day, page, message), status=status
        )
    where = f"{technician.name}, {formatting.when(start)}" if technician and start else "the tray"
    message = {"ok": True, "text": [f"#{order.pk} {order.title} → {where}."]}
    return render_region(request, "dispatch/board.html", "live", _board_context(view, day, page, message))


@require_POST
@office_required
def board_resize(request: HttpRequest) -> HttpResponse:
    """Change a card's length (its work order's estimate) by the rules; a refusal changes nothing."""
    view = "week" if request.POST.get("view") == "week" else "day"
    day = _parse_day(request.POST.get("date"))
    page = request.POST.get("page")
    try:
        order_id = parsing.parse_id(request.POST.get("work_order"), what="work order")
        minutes = parsing.parse_id(request.POST.get("minutes"), what="length in minutes")
        version = parsing.parse_optional_id(request.POST.get("version"), what="version")
    except parsing.BadInput as error:
        context = _board_context(view, day, page, {"ok": False, "resize": True, "text": [str(error)]})
        return render_region(request, "dispatch/board.html", "live", context, status=422)
    order = get_object_or_404(WorkOrder, pk=order_id)
    try:
        services.work_order_resize(
            work_order=order, actor=Actor.for_user(request.user), minutes=minutes, expected_version=version
        )
    except ValidationError as error:
        message = {"ok": False, "resize": True, "text": error_messages(error), "order": order}
        status = 409 if isinstance(error, StaleWorkOrder) else 422
        return render_region(
            request, "dispatch/board.html", "live", _board_context(view, day, page, message), status=status
        )
    length = scheduling.length_text(scheduling.duration_of(order))
    message = {"ok": True, "text": [f"#{order.pk} {order.title} now takes {length}."]}
    return render_region(request, "dispatch/board.html", "live", _board_context(view, day, page, message))
