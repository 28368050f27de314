"""The dispatch map's data: today's jobs, each technician's route and last known position, and the
unassigned jobs that have a place. Three queries, whatever the data size."""

from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import timezone

from dispatch import clock
from dispatch.formatting import clock_time
from dispatch.models import Technician, WorkOrder, WorkOrderStatus
from fieldops.models import TechnicianActivity

# Unassigned jobs on the map: the soonest this many (the tray lists them all).
UNASSIGNED_SHOWN = 200


def _point(latitude, longitude) -> list[float] | None:
    if latitude is None or longitude is None:
        return None
    return [float(latitude), float(longitude)]


def _job(order: WorkOrder) -> dict:
    customer = order.customer
    at = timezone.localtime(order.scheduled_for) if order.scheduled_for else None
    return {
        "id": order.pk,
        "title": order.title,
        "status": order.status,
        "status_label": WorkOrderStatus(order.status).label,
        "customer": customer.name if customer else "",
        "address": customer.address if customer else "",
        "time": clock_time(at.time()) if at else "",
        "technician_id": order.assigned_technician_id,
        "technician": order.assigned_technician.name if order.assigned_technician else "",
        "at": _point(customer.latitude, customer.longitude) if customer else None,
        "url": reverse("dispatch:work_order_detail", args=[order.pk]),
    }


def dispatch_map_data() -> dict:
    """JSON-ready: `jobs` (today's, with a place or not: the list says which have no pin),
    `unassigned` (open, no technician, with a place), `technicians` (home, last position,
    route: home then today's jobs in order)."""
    today = clock.localdate()
    todays = list(
        WorkOrder.objects.on_day(today)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .select_related("customer", "assigned_technician")
        .order_by("scheduled_for", "id")
    )
    unassigned = list(
        WorkOrder.objects.open()
        .filter(assigned_technician__isnull=True, customer__latitude__isnull=False)
        .select_related("customer")
        .order_by("scheduled_for", "id")[:UNASSIGNED_SHOWN]
    )
    located = TechnicianActivity.objects.filter(
        technician=OuterRef("pk"), latitude__isnull=False, longitude__isnull=False
    ).order_by("-created_at", "-sequence")
    technicians = list(
        Technician.objects.filter(active=True)
        .annotate(
            last_lat=Subquery(located.values("latitude")[:1]),
            last_lng=Subquery(located.values("longitude")[:1]),
            last_at=Subquery(located.values("created_at")[:1]),
        )
        .order_by("name", "id")
    )
    jobs = [_job(order) for order in todays if order.assigned_technician_id or order.customer]
    rows = []
    for technician in technicians:
        home = _point(technician.home_latitude, technician.home_longitude)
        stops = [job["at"] for job in jobs if job["technician_id"] == technician.pk and job["at"]]
        last_at = timezone.localtime(technician.last_at) if technician.last_at else None
        rows.append(
            {
                "id": technician.pk,
                "name": technician.name,
                "home": home,
                "route": ([home] if home else []) + stops,
                "last_position": _point(technician.last_lat, technician.last_lng),
                "last_seen": (
                    f"{clock_time(last_at.time())}"
                    + ("" if last_at.date() == today else f" on {last_at:%b %-d}")
                    if last_at
                    else ""
                ),
            }
        )
    return {
        "day": today.isoformat(),
        "jobs": jobs,
        "unassigned": [_job(order) for order in unassigned],
        "technicians": rows,
    }
