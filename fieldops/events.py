"""Operational events the system raises, one per cause, and the office resolving them.

The time-based checks (a technician late to start, a job past its planned end, a missed call
nobody called back) are `raise_due_events`, run periodically (`manage.py raise_due_events`);
a truck going below an item's minimum is raised by the part use that did it.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse

from dispatch import clock, formatting
from dispatch.models import CommunicationMessage, Visit, WorkOrder, WorkOrderStatus
from dispatch.scheduling import duration_from, duration_of, later_visits_begun, type_minutes
from fieldops.models import EventCategory, OperationalEvent, Severity
from inventory.models import InventoryItem, TruckInventory

SOURCE = "techflow"
# The checks look this far back: older late or unfinished work is the board's tray, not news.
LOOKBACK = timedelta(days=2)


class EventType:
    LATE_START = "technician_late_to_start"
    OVERRUN = "job_past_planned_end"
    LOW_STOCK = "truck_below_minimum"
    MISSED_CALL = "missed_call_unanswered"


def event_raise(
    *,
    event_type: str,
    category: str,
    severity: str,
    title: str,
    description: str = "",
    metadata: dict[str, Any] | None = None,
    cause_key: str | None = None,
    source: str = SOURCE,
) -> OperationalEvent | None:
    """Record an event; with a `cause_key` seen before, nothing is recorded (None): one event per cause."""
    if cause_key and OperationalEvent.objects.filter(cause_key=cause_key).exists():
        return None
    try:
        with transaction.atomic():
            return OperationalEvent.objects.create(
                event_type=event_type,
                event_category=category,
                severity=severity,
                source_system=source,
                title=title,
                description=description or None,
                metadata=metadata or {},
                cause_key=cause_key,
            )
    except IntegrityError:
        if cause_key:  # raised at the same moment by another run
            return None
        raise


@transaction.atomic
def event_resolve(*, event: OperationalEvent, user: AbstractBaseUser, note: str) -> OperationalEvent:
    """Resolve an open event with what was done about it; who and when are recorded."""
    note = (note or "").strip()
    if not note:
        raise ValidationError("Say what was done about it.")
    locked = OperationalEvent.objects.select_for_update().get(pk=event.pk)
    if locked.resolved_at is not None:
        raise ValidationError(f"This event was already resolved ({formatting.when(locked.resolved_at)}).")
    locked.resolved_at = clock.now()
    locked.resolved_by = user
    locked.resolution_note = note
    locked.save(update_fields=["resolved_at", "resolved_by", "resolution_note"])
    return locked


@dataclass(frozen=True)
class Cause:
    label: str
    url: str


def event_causes(event: OperationalEvent) -> list[Cause]:
    """Links to what caused the event, from the ids its metadata names."""
    data = event.metadata if isinstance(event.metadata, dict) else {}
    causes = []
    if data.get("work_order_id"):
        causes.append(
            Cause(
                f"Work order #{data['work_order_id']}",
                reverse("dispatch:work_order_detail", args=[data["work_order_id"]]),
            )
        )
    if data.get("technician_id"):
        causes.append(
            Cause(
                data.get("technician") or "Technician",
                reverse("field:technician_detail", args=[data["technician_id"]]),
            )
        )
    if data.get("truck_id"):
        causes.append(
            Cause(data.get("truck") or "Truck", reverse("inventory:truck_detail", args=[data["truck_id"]]))
        )
    if data.get("call_id"):
        causes.append(Cause("Missed-call queue", reverse("dispatch:call_queue")))
    return causes


# Raised by what happens ---------------------------------------------------------------------


def truck_low_stock_check(
    *, truck_id: int, item: InventoryItem, work_order: WorkOrder | None
) -> OperationalEvent | None:
    """After a part is used: the truck below the item's minimum (InventoryItem.needs_restock) raises
    a warning, unless one for the same truck and item is still open."""
    row = TruckInventory.objects.select_related("truck").get(truck_id=truck_id, item=item)
    if not row.is_low:
        return None
    prefix = f"low_stock:{truck_id}:{item.pk}:"
    if OperationalEvent.objects.filter(cause_key__startswith=prefix, resolved_at__isnull=True).exists():
        return None
    return event_raise(
        event_type=EventType.LOW_STOCK,
        category=EventCategory.OPERATIONAL,
        severity=Severity.WARNING,
        title=f"{row.truck.name} is below the minimum of {item.name}",
        description=f"{row.quantity} left, minimum {item.minimum_quantity}"
        + (f", after a part used on #{work_order.pk}." if work_order else "."),
        metadata={
            "truck_id": truck_id,
            "truck": row.truck.name,
            "item_id": item.pk,
            "quantity": row.quantity,
            "work_order_id": work_order.pk if work_order else None,
        },
        cause_key=f"{prefix}{clock.now().isoformat()}",
    )


# Raised by the clock ---------------------------------------------------------------------------


def _minutes(name: str) -> timedelta:
    return timedelta(minutes=getattr(settings, name))


def late_starts(now: datetime) -> list[WorkOrder]:
    """Booked jobs whose start passed more than TECHFLOW_LATE_START_MINUTES ago and nobody is on site yet."""
    return list(
        WorkOrder.objects.booked()
        .filter(
            status__in=[WorkOrderStatus.PENDING, WorkOrderStatus.SCHEDULED],
            scheduled_for__lt=now - _minutes("TECHFLOW_LATE_START_MINUTES"),
            scheduled_for__gte=now - LOOKBACK,
        )
        .select_related("customer", "assigned_technician")
    )


def overruns(now: datetime) -> list[WorkOrder]:
    """Jobs in progress past their planned end (start + the job's length) by TECHFLOW_OVERRUN_MINUTES."""
    grace = _minutes("TECHFLOW_OVERRUN_MINUTES")
    # The shortest job is 15 minutes: the query keeps what could be late, each job's own length decides.
    could_be_late = {"lt": now - timedelta(minutes=15) - grace, "gte": now - LOOKBACK}
    on_a_later_visit = Visit.objects.filter(
        work_order=OuterRef("pk"),
        starts_at__lt=could_be_late["lt"],
        starts_at__gte=could_be_late["gte"],
    )
    orders = list(
        WorkOrder.objects.filter(status=WorkOrderStatus.IN_PROGRESS)
        .filter(
            Q(scheduled_for__lt=could_be_late["lt"], scheduled_for__gte=could_be_late["gte"])
            | Exists(on_a_later_visit)
        )
        .select_related("customer", "assigned_technician")
    )
    types = type_minutes()
    lengths = {o.pk: duration_of(o, types) for o in orders}
    # A job of several visits is on its latest begun visit: late past that visit's end.
    begun = later_visits_begun(orders, now)
    ends = {
        o.pk: (begun[o.pk][0] + duration_from(begun[o.pk][1], o.job_type, types))
        if o.pk in begun
        else o.scheduled_for + lengths[o.pk]
        for o in orders
    }
    return [o for o in orders if ends[o.pk] + grace < now]


def unanswered_calls(now: datetime) -> list[CommunicationMessage]:
    """Missed calls and voicemails nobody called back within TECHFLOW_MISSED_CALL_MINUTES."""
    return list(
        CommunicationMessage.objects.awaiting_callback().filter(
            created_at__lt=now - _minutes("TECHFLOW_MISSED_CALL_MINUTES"), created_at__gte=now - LOOKBACK
        )
    )


def _order_data(order: WorkOrder) -> dict[str, Any]:
    return {
        "work_order_id": order.pk,
        "technician_id": order.assigned_technician_id,
        "technician": order.assigned_technician.name if order.assigned_technician else None,
    }


def raise_due_events() -> list[OperationalEvent]:
    """Raise the events the clock has made due since the last run; each cause is raised once."""
    now = clock.now()
    raised = []
    for order in late_starts(now):
        who = order.assigned_technician.name if order.assigned_technician else "Nobody"
        raised.append(
            event_raise(
                event_type=EventType.LATE_START,
                category=EventCategory.OPERATIONAL,
                severity=Severity.WARNING,
                title=f"{who} is late to start #{order.pk} {order.title}",
                description=f"Due at {formatting.when(order.scheduled_for)} at "
                f"{order.customer.name if order.customer else 'the site'}; not on site yet.",
                metadata=_order_data(order),
                cause_key=f"late_start:{order.pk}:{order.scheduled_for.isoformat()}",
            )
        )
    for order in overruns(now):
        raised.append(
            event_raise(
                event_type=EventType.OVERRUN,
                category=EventCategory.OPERATIONAL,
                severity=Severity.WARNING,
                title=f"#{order.pk} {order.title} is running past its planned end",
                description=f"Planned to end {formatting.when(order.scheduled_for + duration_of(order))}; "
                "still in progress.",
                metadata=_order_data(order),
                cause_key=f"overrun:{order.pk}:{order.scheduled_for.isoformat()}",
            )
        )
    for call in unanswered_calls(now):
        who = call.customer.name if call.customer else "An unknown caller"
        raised.append(
            event_raise(
                event_type=EventType.MISSED_CALL,
                category=EventCategory.COMMUNICATION,
                severity=Severity.WARNING,
                title=f"{who} has waited {formatting.duration(now - call.created_at)} for a callback",
                description=call.body or f"{call.call_detail.get_call_type_display()} call, not called back.",
                metadata={"call_id": str(call.pk), "work_order_id": call.work_order_id},
                cause_key=f"missed_call:{call.pk}",
            )
        )
    return [event for event in raised if event is not None]
