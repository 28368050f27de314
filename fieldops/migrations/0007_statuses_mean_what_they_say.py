"""Existing work orders take the statuses' meanings (issue 13): pending = not yet scheduled,
scheduled = a technician and a time to come, in progress from the start of travel.

Each move is written to work_order_history (no actor: the migration). A booking that fell
through keeps its past time as the record and stays pending (the board's tray shows it
overdue). Reversing leaves the rows as they are: the old statuses said less, not more.
"""

from django.db import migrations
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

OPEN = ("pending", "scheduled")


def forwards(apps, schema_editor):
    WorkOrder = apps.get_model("dispatch", "WorkOrder")
    History = apps.get_model("dispatch", "WorkOrderHistory")
    TravelLog = apps.get_model("fieldops", "TravelLog")
    now = timezone.now()
    driving = TravelLog.objects.filter(work_order=OuterRef("pk"), travel_end_time__isnull=True)
    moves = [
        # The technician is on the way: in progress.
        (WorkOrder.objects.filter(status__in=OPEN).filter(Exists(driving)), "in_progress"),
        # A technician and a time to come: scheduled.
        (
            WorkOrder.objects.filter(
                status="pending", assigned_technician__isnull=False, scheduled_for__gte=now
            ).exclude(Exists(driving)),
            "scheduled",
        ),
        # Scheduled without a technician or a time: not scheduled yet.
        (
            WorkOrder.objects.filter(status="scheduled")
            .filter(Q(assigned_technician__isnull=True) | Q(scheduled_for__isnull=True))
            .exclude(Exists(driving)),
            "pending",
        ),
    ]
    for orders, status in moves:
        rows = list(orders.values_list("pk", "status"))
        History.objects.bulk_create(
            History(work_order_id=pk, field_changed="status", old_value=old, new_value=status)
            for pk, old in rows
        )
        WorkOrder.objects.filter(pk__in=[pk for pk, _ in rows]).update(
            status=status, version=F("version") + 1
        )


class Migration(migrations.Migration):
    dependencies = [
        ("dispatch", "0006_note_author"),
        ("fieldops", "0006_processed_action_fingerprint_per_technician"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
