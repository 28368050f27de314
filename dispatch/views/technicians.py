"""Technicians: who is working today, their week and what they did lately."""

from datetime import timedelta

from django.contrib import messages
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dispatch import clock, scheduling, selectors, services
from dispatch.access import office_required
from dispatch.forms import TechnicianForm
from dispatch.models import Technician, WorkOrder
from dispatch.views.common import render_region

RECENT_ACTIVITY = 20


def _today_prefetches() -> list[Prefetch]:
    today_start, today_end = scheduling.day_bounds(clock.localdate())
    activities = (
        selectors.related_queryset(Technician, "activities")
        .filter(created_at__gte=today_start, created_at__lt=today_end)
        .select_related("work_order")
        .order_by("-created_at")
    )
    orders = WorkOrder.objects.booked().today().order_by("scheduled_for")
    return [
        Prefetch("activities", queryset=activities, to_attr="today_activities"),
        Prefetch("work_orders", queryset=orders, to_attr="today_orders"),
    ]


def _with_today():
    return Technician.objects.with_open_clock().select_related("user").prefetch_related(*_today_prefetches())


@require_GET
@office_required
def technician_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "active")
    technicians = _with_today()
    if show != "all":
        technicians = technicians.filter(active=True)
    return render_region(
        request, "dispatch/technician_list.html", "results", {"technicians": list(technicians), "show": show}
    )


def _detail(
    request: HttpRequest, pk: int, form: TechnicianForm | None = None, status: int = 200
) -> HttpResponse:
    technician = get_object_or_404(
        _with_today(),
        pk=pk,
    )
    today = clock.localdate()
    monday, next_monday = scheduling.week_of(today)
    week_orders = list(
        technician.work_orders.in_days(monday, next_monday)
        .select_related("customer")
        .order_by("scheduled_for")
    )
    days = []
    for offset in range(7):
        day = monday + timedelta(days=offset)
        days.append(
            {
                "day": day,
                "today": day == today,
                "orders": [o for o in week_orders if timezone.localtime(o.scheduled_for).date() == day],
            }
        )
    recent = technician.activities.select_related("work_order", "truck").order_by("-created_at", "-sequence")[
        :RECENT_ACTIVITY
    ]
    context = {
        "technician": technician,
        "days": days,
        "recent": recent,
        "form": form or TechnicianForm(instance=technician),
    }
    return render_region(request, "dispatch/technician_detail.html", "week", context, status=status)


@require_GET
@office_required
def technician_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@require_POST
@office_required
def technician_edit(request: HttpRequest, pk: int) -> HttpResponse:
    technician = get_object_or_404(Technician, pk=pk)
    form = TechnicianForm(request.POST, instance=technician)
    if not form.is_valid():
        return _detail(request, pk, form, status=422)
    services.technician_save(technician=form.save(commit=False))
    messages.success(request, f"{technician.name} saved.")
    return redirect("dispatch:technician_detail", pk=technician.pk)
