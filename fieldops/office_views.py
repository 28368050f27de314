"""Office pages that show what happens in the field."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dispatch import clock, parsing
from dispatch import selectors as dispatch_selectors
from dispatch.access import office_required
from dispatch.csv_export import CsvAttachment
from dispatch.models import Technician, WorkOrder
from dispatch.services import Actor
from dispatch.views.common import render_region
from dispatch.views.customers import map_settings
from dispatch.views.work_orders import work_order_answer
from fieldops import events, reports, selectors, services
from fieldops.events import event_causes
from fieldops.incidents import open_incidents_by_technician
from fieldops.models import EventCategory, OperationalEvent, Severity
from fieldops.selectors import technician_states, timesheet_week, week_start_of

TECHNICIANS_SHOWN = 25


@require_GET
@office_required
def field_overview(request: HttpRequest) -> HttpResponse:
    """Each technician's state now, since when, their job and last known location; htmx polls the table."""
    page = dispatch_selectors.technician_page(request.GET.get("page"), TECHNICIANS_SHOWN)
    states = technician_states(Technician.objects.filter(pk__in=[t.pk for t in page]).order_by("name", "id"))
    orders = WorkOrder.objects.select_related("customer").in_bulk(
        [s.work_order_id for s in states if s.work_order_id]
    )
    emergencies = open_incidents_by_technician()
    rows = [
        (state, orders.get(state.work_order_id), emergencies.get(state.technician.pk)) for state in states
    ]
    context = {"rows": rows, "technician_page": page, "now": clock.now()}
    return render_region(request, "fieldops/field_overview.html", "board", context)


@require_GET
@office_required
def dispatch_map(request: HttpRequest) -> HttpResponse:
    """Today on a map: jobs coloured by status, each technician's route from home and last known
    position, and the unassigned jobs with a place; a pin opens the order's card."""
    from fieldops.map import dispatch_map_data

    data = dispatch_map_data()
    unplaced = [job for job in data["jobs"] if not job["at"]]
    context = {"map_data": data, "map": map_settings(), "unplaced": unplaced, "now": clock.now()}
    return render(request, "fieldops/dispatch_map.html", context)


def _week_from(request: HttpRequest) -> date:
    """The Monday of the week asked for (?week=YYYY-MM-DD, any day of it); this week when absent.

    A week that is not a date in range is a 400 with the reason (dispatch.parsing)."""
    return week_start_of(parsing.parse_day(request.GET.get("week"), default=clock.localdate(), what="week"))


@require_GET
@office_required
def timesheets(request: HttpRequest) -> HttpResponse:
    week = _week_from(request)
    page = dispatch_selectors.technician_page(request.GET.get("page"), TECHNICIANS_SHOWN)
    rows = timesheet_week(week, [technician.pk for technician in page])
    days = [week + timedelta(days=n) for n in range(7)]
    context = {
        "technician_page": page,
        "page_base": f"{reverse('field:timesheets')}?week={week.isoformat()}&",
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
    writer = CsvAttachment(f"timesheets-{week.isoformat()}.csv")
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
    return writer.response()


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
    """Write a completed order's summary, or rebuild its facts (what people wrote stays), on its page."""
    order = get_object_or_404(WorkOrder, pk=pk)
    try:
        services.work_order_summary_write(work_order=order, actor=Actor.for_user(request.user))
    except ValidationError as error:
        return work_order_answer(request, pk, None, error)
    return work_order_answer(
        request, pk, "Summary written: the technician's words first, the job's facts after."
    )


# Operational events ------------------------------------------------------------------------

EVENTS_PAGE_SIZE = 50
EVENT_STATES = {"open": "Open", "resolved": "Resolved", "all": "All"}


def _events_context(request: HttpRequest, **extra) -> dict:
    state = request.GET.get("state") if request.GET.get("state") in EVENT_STATES else "open"
    severity = request.GET.get("severity") if request.GET.get("severity") in Severity.values else ""
    category = request.GET.get("category") if request.GET.get("category") in EventCategory.values else ""
    events = OperationalEvent.objects.select_related("resolved_by")
    if state == "open":
        events = events.filter(resolved_at__isnull=True)
    elif state == "resolved":
        events = events.filter(resolved_at__isnull=False)
    if severity:
        events = events.filter(severity=severity)
    if category:
        events = events.filter(event_category=category)
    page = Paginator(events.order_by("-created_at", "pk"), EVENTS_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return {
        "page": page,
        "rows": [(event, event_causes(event)) for event in page.object_list],
        "count": page.paginator.count,
        "state": state,
        "severity": severity,
        "category": category,
        "states": EVENT_STATES,
        "severities": Severity.choices,
        "categories": EventCategory.choices,
        "query": query.urlencode(),
        **extra,
    }


@require_GET
@office_required
def event_list(request: HttpRequest) -> HttpResponse:
    return render_region(request, "fieldops/event_list.html", "events", _events_context(request))


@require_POST
@office_required
def event_resolve(request: HttpRequest, pk: str) -> HttpResponse:
    event = get_object_or_404(OperationalEvent, pk=pk)
    try:
        events.event_resolve(event=event, user=request.user, note=request.POST.get("note", "")[:2000])
    except ValidationError as error:
        context = _events_context(request, refusal=" ".join(error.messages), refused_pk=str(event.pk))
        return render_region(request, "fieldops/event_list.html", "events", context, status=422)
    if not request.htmx:
        messages.success(request, f"Resolved: {event.title}")
        return redirect(reverse("field:event_list"))
    context = _events_context(request, done=f"Resolved: {event.title}")
    return render_region(request, "fieldops/event_list.html", "events", context)


# Reports -------------------------------------------------------------------------------------

MAX_CHART_SERIES = 10


def _report_period(request: HttpRequest) -> tuple[date, date]:
    """?start=&end= (dates); last week (Monday to Sunday) when absent or unreadable."""
    this_monday = week_start_of(clock.localdate())
    try:
        first = date.fromisoformat(request.GET.get("start", ""))
        last = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        return this_monday - timedelta(days=7), this_monday - timedelta(days=1)
    return reports.clamp_period(first, last)


def _report_for(request: HttpRequest, *, per_technician_days: int | None = None) -> reports.Report:
    first, last = _report_period(request)
    technician = None
    if (request.GET.get("technician") or "").isdigit():
        technician = Technician.objects.filter(pk=int(request.GET["technician"])).first()
    return reports.build_report(
        first=first, last=last, technician=technician, per_technician_days=per_technician_days
    )


def _percent(value: float | None) -> float | None:
    return round(value * 100, 1) if value is not None else None


def _hours(value: timedelta | None) -> float | None:
    return round(value.total_seconds() / 3600, 2) if value is not None else None


def _chart_data(report: reports.Report) -> dict:
    labels = [f"{day:%a %b} {day.day}" for day in report.days]
    working = [row for row in report.technicians if row.jobs]
    if len(working) > MAX_CHART_SERIES:  # one line for everyone (not 500 lines built and dropped)
        jobs = [
            {"label": "All technicians", "data": [report.jobs_per_day.get(day, 0) for day in report.days]}
        ]
    else:
        jobs = [
            {
                "label": row.name,
                "data": [report.jobs_by_day.get(row.technician_id, {}).get(day, 0) for day in report.days],
            }
            for row in working
        ]
    return {
        "days": labels,
        "jobs": jobs,
        "calls": {
            "answered": [
                sum(report.calls_by_day[day][t] for t in reports.ANSWERED_CALLS) for day in report.days
            ],
            "missed": [sum(report.calls_by_day[day][t] for t in reports.MISSED_CALLS) for day in report.days],
        },
        "technicians": [row.name for row in report.technicians[:40]],
        "rates": {
            "Utilisation": [_percent(row.utilisation) for row in report.technicians[:40]],
            "Travel share": [_percent(row.travel_share) for row in report.technicians[:40]],
            "On time": [_percent(row.on_time_rate) for row in report.technicians[:40]],
            "First-time fix": [_percent(row.first_time_fix_rate) for row in report.technicians[:40]],
        },
        "job_types": [row.label for row in report.job_types],
        "on_site_hours": [_hours(row.average_on_site) for row in report.job_types],
        "parts_cost": [float(row.parts_cost) for row in report.job_types],
    }


@require_GET
@office_required
def report_page(request: HttpRequest) -> HttpResponse:
    """KPIs for a period and technician: charts (static/js/reports.js) over the same numbers as the tables."""
    report = _report_for(request, per_technician_days=MAX_CHART_SERIES)
    query = request.GET.copy()
    query["start"], query["end"] = report.first.isoformat(), report.last.isoformat()
    query.pop("page", None)
    chart_data = _chart_data(report)
    context = {
        "report": report,
        # The table a page of technicians at a time, like the live pages (the totals, the charts and
        # the CSV have everyone): 500 rows were a fifth of the page's time and most of its size.
        "technician_page": Paginator(report.technicians, TECHNICIANS_SHOWN).get_page(request.GET.get("page")),
        "chart_data": chart_data,
        "call_rows": list(
            zip(
                chart_data["days"],
                chart_data["calls"]["answered"],
                chart_data["calls"]["missed"],
                strict=True,
            )
        ),
        "technicians": dispatch_selectors.technician_choices(
            chosen_id=report.technician.pk if report.technician else None, active_only=True
        ),
        "query": query.urlencode(),
    }
    return render(request, "fieldops/reports.html", context)


@require_GET
@office_required
def report_csv(request: HttpRequest) -> HttpResponse:
    """Every number of the reports page, one per row: section, subject, metric, value."""
    report = _report_for(request)
    writer = CsvAttachment(f"report-{report.first}-{report.last}.csv")
    writer.writerow(["section", "subject", "metric", "value"])
    writer.writerow(
        [
            "period",
            f"{report.first}..{report.last}",
            "technician",
            report.technician.name if report.technician else "all",
        ]
    )
    for metric, value in (
        ("jobs completed", report.jobs),
        ("first-time fix %", _percent(report.first_time_fix_rate)),
        ("on-time arrival %", _percent(report.on_time_rate)),
        ("travel share %", _percent(report.travel_share)),
        ("utilisation %", _percent(report.utilisation)),
        ("calls answered", report.calls_answered),
        ("calls missed", report.calls_missed),
    ):
        writer.writerow(["total", "all", metric, "" if value is None else value])
    for row in report.technicians:
        for metric, value in (
            ("jobs completed", row.jobs),
            ("days worked", row.days_worked),
            ("jobs per day", round(row.jobs_per_day, 2) if row.jobs_per_day is not None else None),
            ("hours clocked", _hours(row.clocked)),
            ("hours on site", _hours(row.on_site)),
            ("hours travelling", _hours(row.travel)),
            ("travel share %", _percent(row.travel_share)),
            ("utilisation %", _percent(row.utilisation)),
            ("on-time arrival %", _percent(row.on_time_rate)),
            ("first-time fix %", _percent(row.first_time_fix_rate)),
        ):
            writer.writerow(["technician", row.name, metric, "" if value is None else value])
        counts = report.jobs_by_day.get(row.technician_id, {})
        writer.writerows(["jobs per day", row.name, day, counts.get(day, 0)] for day in report.days)
    for row in report.job_types:
        writer.writerow(["job type", row.label, "jobs completed", row.jobs])
        writer.writerow(["job type", row.label, "average hours on site", _hours(row.average_on_site)])
        writer.writerow(["job type", row.label, "parts cost", f"{row.parts_cost:.2f}"])
    for day in report.days:
        counts = report.calls_by_day[day]
        writer.writerow(
            ["calls", day.isoformat(), "answered", sum(counts[t] for t in reports.ANSWERED_CALLS)]
        )
        writer.writerow(["calls", day.isoformat(), "missed", sum(counts[t] for t in reports.MISSED_CALLS)])
    return writer.response()
