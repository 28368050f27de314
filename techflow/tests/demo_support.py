"""What the demo's tests share: the moments they load it at, the seed's names and small readers."""

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.management import call_command
from django.utils import timezone

from dispatch.models import WorkOrder
from techflow import demo

# A Wednesday, and a Saturday of the same week; the 15 days around them cross the end of
# daylight saving time (Sunday 2 November 2025), which must not move any local time.
WEDNESDAY = (2025, 11, 5, 10, 30)
SATURDAY = (2025, 11, 8, 10, 15)
EARLY_MORNING = (2025, 11, 5, 6, 0)

SEED_ITEMS = {
    "IP Dome Camera",
    "Bullet Camera",
    "Analog Camera",
    "PTZ Camera",
    "Cat6 Cable",
    "RG59 Siamese Cable",
    "Shielded Cat6 Cable",
    "RJ45 Connector",
    "BNC Connector",
    "Crimpers",
    "Cable Tester",
    "Fish Tape",
    "Drill Kit",
    "12V Power Supply",
    "PoE Injector",
    "PoE Switch",
}
TECHNICIAN_LOGINS = {
    "Mike Johnson": "mike",
    "Sarah Williams": "sarah",
    "David Chen": "david",
    "Alex Rodriguez": "alex",
}
CUSTOMER_NAMES = {
    "City Bank",
    "Retail Mall Corp",
    "School District",
    "Local Restaurant",
    "Office Complex",
    "Gas Station Chain",
    "Medical Center",
    "Apartment Complex",
}


def local_at(parts: tuple[int, ...]) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=ZoneInfo(settings.TIME_ZONE))


def run_setup_demo(*args: str) -> str:
    out = StringIO()
    call_command("setup_demo", *args, stdout=out)
    return out.getvalue()


def local_day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def local_clock(value: dt.datetime) -> dt.time:
    return timezone.localtime(value).time()


def is_late_story(order: WorkOrder) -> bool:
    """The story's late arrival: today's job of that technician in that slot."""
    tech, slot = demo.LATE_ARRIVAL
    if order.assigned_technician.name != demo.TECHNICIANS[tech].name:
        return False
    day = WorkOrder.objects.for_technician(order.assigned_technician).on_day(local_day(order.scheduled_for))
    return local_day(order.scheduled_for) == timezone.localdate() and list(day)[slot].pk == order.pk


def all_counts() -> dict[str, int]:
    return {model.__name__: model._base_manager.count() for model in demo.techflow_models()}
