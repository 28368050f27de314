""" "Fix my day" on the board: propose the fewest moves that make the day valid again, then apply
them (all or nothing, through services.day_fix_apply) or dismiss them."""

from datetime import datetime

from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.http import require_POST

from dispatch import fixday, parsing, selectors, services
from dispatch.access import office_required
from dispatch.models import Technician, WorkOrder
from dispatch.services import Actor
from dispatch.views.board import TECHNICIANS_SHOWN, _board_context, _parse_day
from dispatch.views.common import render_region


@require_POST
@office_required
def board_fix(request: HttpRequest) -> HttpResponse:
    """The proposal for the board's day over its page of technicians (nothing is changed)."""
    day = _parse_day(request.POST.get("date"))
    page = request.POST.get("page")
    technicians = selectors.technician_page(page, TECHNICIANS_SHOWN)
    fix = fixday.day_fix(day, technicians)
    context = {"fix": fix, "view": "day", "day": day, "page": page or ""}
    if request.htmx and not request.htmx.boosted:
        return render_region(request, "dispatch/board.html", "fix", context)
    return render_region(request, "dispatch/board.html", "live", _board_context("day", day, page) | context)


def _parse_move(value: str) -> tuple[int, int | None, datetime | None, int]:
    if not value.isascii() or len(value) > 100 or value.count("|") != 3:
        raise ValueError(value[:40])
    order_id, technician_id, start, version = value.split("|")
    return (
        parsing.parse_id(order_id),
        parsing.parse_id(technician_id) if technician_id else None,
        parsing.parse_moment(start) if start else None,
        parsing.parse_id(version),
    )


@require_POST
@office_required
def board_fix_apply(request: HttpRequest) -> HttpResponse:
    """Apply a "Fix my day" proposal: every move re-checked by the rules, or none kept."""
    day = _parse_day(request.POST.get("date"))
    page = request.POST.get("page")
    try:
        parsed = [_parse_move(value) for value in request.POST.getlist("move")]
    except (ValueError, parsing.BadInput):
        return HttpResponse("A move of the proposal is not readable: fix the day again.", status=400)
    if not parsed:
        return HttpResponse("The proposal has no moves to apply.", status=400)
    orders = WorkOrder.objects.select_related("customer").in_bulk([p[0] for p in parsed])
    wanted = {p[1] for p in parsed if p[1]}
    technicians = Technician.objects.in_bulk(wanted)
    if len(orders) != len({p[0] for p in parsed}) or len(technicians) != len(wanted):
        raise Http404("The proposal names a work order or technician that doesn't exist.")
    whys = request.POST.getlist("why")
    outcome = services.day_fix_apply(
        moves=[
            services.FixPlacement(
                orders[order_id],
                technicians[technician_id] if technician_id else None,
                start,
                version,
                whys[n][:500] if n < len(whys) else "",
            )
            for n, (order_id, technician_id, start, version) in enumerate(parsed)
        ],
        actor=Actor.for_user(request.user),
    )
    if outcome.refused:
        message = {"ok": False, "plan": True, "text": ["Fix my day was not applied.", *outcome.refused]}
    else:
        count = len(outcome.applied)
        made = f"Day fixed: {count} move{'s' if count != 1 else ''} made."
        message = {"ok": True, "plan": True, "text": [made]}
    context = _board_context("day", day, page, message)
    context["clear_plan"] = True
    status = 409 if outcome.refused else 200
    return render_region(request, "dispatch/board.html", "live", context, status=status)
