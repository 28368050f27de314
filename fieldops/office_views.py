"""Office pages that show what happens in the field."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dispatch import clock
from dispatch.access import office_required
from dispatch.csv_export import SafeWriter
from dispatch.models import Technician, WorkOrder
from dispatch.services import Actor
from dispatch.views.common import render_region
from dispatch.views.work_orders import work_order_answer
from fieldops import selectors, services
from fieldops.incidents import open_incidents_by_technician
from fieldops.selectors import technician_states, timesheet_week, week_start_of


@require_GET
@office_required
def field_overview(request: HttpRequest) -> HttpResponse:
    """Each technician's state now, since when, their job and last known location; htmx polls the table."""
    states = technician_states(Technician.objects.filter(active=True).order_by("name"))
    orders = WorkOrder.objects.select_related("customer").in_bulk(
        [s.work_order_id for s in states if s.work_order_id]
    )
    emergencies = open_incidents_by_technician()
    rows = [
        (state, orders.get(state.work_order_id), emergencies.get(state.technician.pk)) for state in states
    ]
    return render_region(request, "fieldops/field_overview.html", "board", {"rows": rows, "now": clock.now()})


def _week_from(request: HttpRequest) -> date:
    """The Monday of the week asked for (?week=YYYY-MM-DD, any day of it); this week when absent or bad."""
    try:
        day = date.fromisoformat(request.GET.get("week", ""))
    except ValueError:
        day = clock.localdate()
    return week_start_of(day)


@require_GET
@office_required
def timesheets(request: HttpRequest) -> HttpResponse:
    week = _week_from(request)
    rows = timesheet_week(week)
    days = [week + timedelta(days=n) for n in range(7)]
    context = {
        "week": week,
        "days": days,
        "rows": rows,
        "previous": week - timedelta(days=7),
        "next": week + timedelta(days=7),
    }
    return render(request, "fieldops/timesheets.html", context)


@require_GET
@office_required
def timesheets_csv(request: HttpRequest) -> HttpResponse:
    """One line per clock record of the week, and a total line per technician."""
    week = _week_from(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="timesheets-{week.isoformat()}.csv"'
    writer = SafeWriter(response)
    writer.writerow(["technician", "date", "clock_in", "clock_out", "truck", "hours"])
    for row in timesheet_week(week):
        for record in row.records:
            start = timezone.localtime(record.clock_in_time)
            end = timezone.localtime(record.clock_out_time) if record.clock_out_time else None
            worked = (record.clock_out_time or clock.now()) - record.clock_in_time
            writer.writerow(
                [
                    row.technician.name,
                    start.date().isoformat(),
                    start.strftime("%H:%M"),
                    end.strftime("%H:%M") if end else "open",
                    record.truck.name if record.truck else "",
                    f"{worked.total_seconds() / 3600:.2f}",
                ]
            )
        writer.writerow(
            [
                row.technician.name,
                "total",
                "",
                "",
                f"breaks {row.breaks.total_seconds() / 3600:.2f}",
                f"{row.total.total_seconds() / 3600:.2f}",
            ]
        )
    return response


def _filter_id(request: HttpRequest, name: str) -> int | None:
    """?name=<id>: absent is None; anything but a positive whole number is bad input."""
    raw = request.GET.get(name, "").strip()
    if not raw:
        return None
    if not raw.isdigit() or int(raw) < 1 or len(raw) > 18:
        raise ValueError(f"“{raw[:40]}” is not a {name.replace('_', ' ')} number.")
    return int(raw)


@require_GET
@office_required
def voice_transcripts(request: HttpRequest) -> HttpResponse:
    """What technicians said to the voice agent and what it answered and did: by technician or work order."""
    technicians = list(Technician.objects.order_by("name"))
    context: dict = {"technicians": technicians, "technician": None, "work_order": None, "error": ""}
    try:
        technician_id, work_order_id = _filter_id(request, "technician"), _filter_id(request, "work_order")
    except ValueError as error:
        context["error"] = str(error)
        return render(request, "fieldops/agent_transcripts.html", {**context, "lines": []}, status=400)
    if technician_id is not None:
        context["technician"] = get_object_or_404(Technician, pk=technician_id)
    if work_order_id is not None:
        context["work_order"] = get_object_or_404(
            WorkOrder.objects.select_related("customer"), pk=work_order_id
        )
    context["lines"] = selectors.voice_transcripts(
        technician=context["technician"], work_order=context["work_order"]
    )
    return render(request, "fieldops/agent_transcripts.html", context)


@require_POST
@office_required
def work_order_summary(request: HttpRequest, pk: int) -> HttpResponse:
    """Write (or rewrite) a completed order's summary from its field record, on the order's page."""
    order = get_object_or_404(WorkOrder, pk=pk)
    try:
        services.work_order_summary_write(work_order=order, actor=Actor.for_user(request.user))
    except ValidationError as error:
        return work_order_answer(request, pk, None, error)
    return work_order_answer(request, pk, "Summary written from the job's record.")
