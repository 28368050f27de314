from django.db import migrations, models


def add_version(apps, schema_editor):
    # On a fresh database dispatch 0007 may run before techflow 0001, whose LIKE/AS SELECT copies
    # the column already: add it only where the archive lacks it.
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        columns = {
            c.name
            for c in connection.introspection.get_table_description(cursor, "work_order_history_archive")
        }
    if "version" not in columns:
        schema_editor.execute("ALTER TABLE work_order_history_archive ADD COLUMN version integer NULL")


def drop_version(apps, schema_editor):
    schema_editor.execute("ALTER TABLE work_order_history_archive DROP COLUMN version")


class Migration(migrations.Migration):
    """work_order_history gained `version` (dispatch 0007): its archive table keeps the same columns."""

    dependencies = [
        ("techflow", "0005_archive_message_delivery_columns"),
        ("dispatch", "0012_history_version"),
    ]

    operations = [
        migrations.RunPython(add_version, drop_version),
        migrations.AddField(
            model_name="archivedworkorderhistory",
            name="version",
            field=models.PositiveIntegerField(null=True),
        ),
    ]
