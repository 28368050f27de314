"""The archive keeps up with this round's tables: service_reports (fieldops/0015) references work
orders, so it gets its `_archive`; work_orders' new estimated_minutes (dispatch/0018) goes into
work_orders_archive (see _archive_columns)."""

from django.db import migrations

from dispatch.db import create_archive_tables, drop_archive_tables
from techflow.migrations._archive_columns import mirror

ARCHIVED = {"service_reports": ["work_order_id"]}


def archive_tables(apps, schema_editor):
    create_archive_tables(schema_editor, ARCHIVED)


def drop_archives(apps, schema_editor):
    drop_archive_tables(schema_editor, ARCHIVED)


class Migration(migrations.Migration):
    dependencies = [
        ("techflow", "0007_periodic_jobs"),
        ("dispatch", "0020_skills_zones_places"),
        ("fieldops", "0015_service_reports"),
    ]

    operations = [
        migrations.RunPython(archive_tables, drop_archives),
        migrations.RunPython(mirror("work_orders", "communication_messages"), migrations.RunPython.noop),
    ]
