"""The archive keeps up with visits and crews (dispatch/0022): `visits` and `visit_helpers`
reference work orders, so a closed order moves with its visits and helpers; technician_activity's
new visit_id (fieldops/0017) goes into technician_activity_archive (see _archive_columns)."""

from django.db import migrations

from dispatch.db import create_archive_tables, drop_archive_tables
from techflow.migrations._archive_columns import mirror

ARCHIVED = {"visits": ["work_order_id"], "visit_helpers": ["work_order_id", "visit_id"]}


def archive_tables(apps, schema_editor):
    create_archive_tables(schema_editor, ARCHIVED)


def drop_archives(apps, schema_editor):
    drop_archive_tables(schema_editor, ARCHIVED)


class Migration(migrations.Migration):
    dependencies = [
        ("techflow", "0009_stored_files_check"),
        ("dispatch", "0022_visits_and_helpers"),
        ("fieldops", "0017_activity_visit"),
    ]

    operations = [
        migrations.RunPython(archive_tables, drop_archives),
        migrations.RunPython(mirror("technician_activity"), migrations.RunPython.noop),
    ]
