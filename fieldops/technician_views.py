"""The office's technician pages: who is working now (fieldops.state), their week, what they did lately.

They live here, not in dispatch, because "today" is the field's state machine: dispatch may not
read the field's models.
"""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from dispatch import clock, scheduling, services
from dispatch.access import office_required
from dispatch.forms import TechnicianForm
from dispatch.models import Technician, WorkOrder
from dispatch.views.common import render_region
from fieldops.models import TechnicianActivity
from fieldops.state import TechnicianState, technician_state, technician_states
from inventory.models import Truck

PAGE_SIZE = 25
RECENT_ACTIVITY = 20


def _today_rows(states: list[TechnicianState]) -> list[dict]:
    """Each technician's state with their truck and their jobs today: two queries for the page."""
    ids = [state.technician.pk for state in states]
    trucks = Truck.objects.in_bulk({state.truck_id for state in states if state.truck_id})
    orders: dict[int, list[WorkOrder]] = {}
    today = WorkOrder.objects.booked().today().filter(assigned_technician__in=ids).order_by("scheduled_for")
    for order in today:
        orders.setdefault(order.assigned_technician_id, []).append(order)
    return [
        {
            "technician": state.technician,
            "state": state,
            "truck": trucks.get(state.truck_id),
            "today_orders": orders.get(state.technician.pk, []),
        }
        for state in states
    ]


@require_GET
@office_required
def technician_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "active")
    technicians = Technician.objects.select_related("user").order_by("name", "id")
    if show != "all":
        technicians = technicians.filter(active=True)
    page = Paginator(technicians.values_list("pk", flat=True), PAGE_SIZE).get_page(request.GET.get("page"))
    states = technician_states(technicians.filter(pk__in=list(page.object_list)))
    context = {"rows": _today_rows(states), "page": page, "show": show}
    return render_region(request, "fieldops/technician_list.html", "results", context)


def _detail(
    request: HttpRequest, pk: int, form: TechnicianForm | None = None, status: int = 200
) -> HttpResponse:
    technician = get_object_or_404(
        Technician.objects.select_related("user", "home_zone").prefetch_related("skills"), pk=pk
    )
    [row] = _today_rows([technician_state(technician)])
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
    recent = (
        TechnicianActivity.objects.filter(technician=technician)
        .select_related("work_order", "truck")
        .order_by("-created_at", "-sequence")[:RECENT_ACTIVITY]
    )
    context = {
        "technician": technician,
        "row": row,
        "days": days,
        "recent": recent,
        "form": form or TechnicianForm(instance=technician),
        "company_hours": scheduling.company_hours(),
        "weekend_hours": scheduling.company_weekend_hours(),
    }
    return render_region(request, "fieldops/technician_detail.html", "week", context, status=status)


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
    services.technician_save(technician=form.save(commit=False), skills=form.cleaned_data["skills"])
    messages.success(request, f"{technician.name} saved.")
    return redirect("field:technician_detail", pk=technician.pk)
