"""The archive tables take the columns dispatch/0007 adds to communication_messages and
communication_call_details (see _archive_columns)."""

from django.db import migrations

from techflow.migrations._archive_columns import mirror


class Migration(migrations.Migration):
    dependencies = [
        ("techflow", "0003_admin_changes"),
        ("dispatch", "0010_calls"),
    ]

    operations = [
        migrations.RunPython(
            mirror("communication_messages", "communication_call_details"), migrations.RunPython.noop
        )
    ]
