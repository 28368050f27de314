"""The archive of communication_messages takes the delivery columns dispatch/0008 adds (see _archive_columns)."""

from django.db import migrations

from techflow.migrations._archive_columns import mirror


class Migration(migrations.Migration):
    dependencies = [
        ("techflow", "0004_archive_calls_columns"),
        ("dispatch", "0011_customer_messages"),
    ]

    operations = [migrations.RunPython(mirror("communication_messages"), migrations.RunPython.noop)]
