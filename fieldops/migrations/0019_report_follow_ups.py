"""report_days.follow_ups_at, and the follow-ups of the days already rolled up written down; the
open jobs' index also finds their days.

Before, a stored job's follow-up stayed empty for its 30 days and every report asked the work
orders about each one; now a follow-up is written as soon as it is seen, and a report asks only
about orders created after `follow_ups_at`. The days rolled up before this get their answers here
(the window is fieldops.reports.FOLLOW_UP_DAYS as it was written: 30 days), as of a time
10 minutes (reports.SETTLE_MARGIN) before the check.
"""

from datetime import timedelta

from django.db import migrations, models
from django.db.models import Exists, OuterRef
from django.utils import timezone

FOLLOW_UP = timedelta(days=30)
SETTLE_MARGIN = timedelta(minutes=10)


def write_follow_ups(apps, schema_editor):
    ReportDay = apps.get_model("fieldops", "ReportDay")
    ReportJob = apps.get_model("fieldops", "ReportJob")
    WorkOrder = apps.get_model("dispatch", "WorkOrder")
    now = timezone.now()
    unknown = ReportJob.objects.filter(followed_up__isnull=True)
    later = WorkOrder.objects.filter(
        customer_id=OuterRef("customer_id"),
        created_at__gt=OuterRef("completed_at"),
        created_at__lte=OuterRef("completed_at") + FOLLOW_UP,
    ).exclude(pk=OuterRef("work_order_id"))
    unknown.filter(Exists(later)).update(followed_up=True)
    unknown.filter(completed_at__lte=now - FOLLOW_UP).update(followed_up=False)
    ReportDay.objects.filter(built_version__isnull=False).update(follow_ups_at=now - SETTLE_MARGIN)


class Migration(migrations.Migration):
    dependencies = [
        ("fieldops", "0018_report_rollup"),
        ("dispatch", "0023_technician_weekend_hours"),
    ]

    operations = [
        migrations.AddField(
            model_name="reportday",
            name="follow_ups_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RemoveIndex(model_name="reportjob", name="idx_report_jobs_unsettled"),
        migrations.AddIndex(
            model_name="reportjob",
            index=models.Index(
                condition=models.Q(followed_up__isnull=True),
                fields=["day", "completed_at"],
                name="idx_report_jobs_open",
            ),
        ),
        migrations.RunPython(write_follow_ups, migrations.RunPython.noop),
    ]
