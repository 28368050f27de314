"""Today: the dispatcher's start page, kept live by a cheap poll."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from dispatch import selectors
from dispatch.access import office_required
from dispatch.models import Notification, Technician, WorkOrder
from dispatch.views.common import render_region

ALERTS_SHOWN = 5


@require_GET
@office_required
def office_home(request: HttpRequest) -> HttpResponse:
    fingerprint = selectors.office_fingerprint()
    if request.htmx and request.GET.get("since") == fingerprint:
        return HttpResponse(status=204)
    orders = list(WorkOrder.objects.today().select_related("customer", "assigned_technician"))
    open_clock = selectors.related_queryset(Technician, "clock_records").filter(clock_out_time__isnull=True)
    technicians = list(
        Technician.objects.filter(active=True).prefetch_related(
            Prefetch("clock_records", queryset=open_clock.select_related("truck"), to_attr="open_clock")
        )
    )
    by_technician: dict[int | None, list[WorkOrder]] = {}
    for order in orders:
        by_technician.setdefault(order.assigned_technician_id, []).append(order)
    rows = [
        {
            "technician": technician,
            "clock": technician.open_clock[0] if technician.open_clock else None,
            "orders": by_technician.get(technician.pk, []),
        }
        for technician in technicians
    ]
    alerts = list(Notification.objects.filter(is_read=False).select_related("work_order")[:ALERTS_SHOWN])
    context = {
        "fingerprint": fingerprint,
        "now": timezone.localtime(),
        "rows": rows,
        "unassigned": by_technician.get(None, []),
        "late": [order for order in orders if order.is_late_to_start],
        "alerts": alerts,
        "alert_count": selectors.unread_alert_count(),
        "order_count": len(orders),
    }
    return render_region(request, "dispatch/office_home.html", "live", context)
