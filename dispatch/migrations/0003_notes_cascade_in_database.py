"""Notes go with their work order in the database too, as the seed's ON DELETE CASCADE says.

Django deletes notes itself (models.CASCADE); it cannot declare the cascade in the
database while the same models also use Python-level PROTECT. This makes the seed's
raw SQL (DELETE FROM work_orders ...) behave as the seed describes. PostgreSQL only:
SQLite cannot alter a foreign key in place.
"""

from django.db import migrations

FIND = """
    SELECT con.conname FROM pg_constraint con
    JOIN pg_class rel ON rel.oid = con.conrelid
    JOIN pg_attribute att ON att.attrelid = con.conrelid AND att.attnum = ANY (con.conkey)
    WHERE rel.relname = 'work_order_notes' AND con.contype = 'f' AND att.attname = 'work_order_id'
"""


def _recreate(schema_editor, on_delete: str) -> None:
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(FIND)
        (name,) = cursor.fetchone()
        cursor.execute(f'ALTER TABLE work_order_notes DROP CONSTRAINT "{name}"')
        cursor.execute(
            f'ALTER TABLE work_order_notes ADD CONSTRAINT "{name}" FOREIGN KEY (work_order_id) '
            f"REFERENCES work_orders (id) {on_delete} DEFERRABLE INITIALLY DEFERRED"
        )


def add_cascade(apps, schema_editor):
    _recreate(schema_editor, "ON DELETE CASCADE")


def remove_cascade(apps, schema_editor):
    _recreate(schema_editor, "")


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0002_create_groups")]

    operations = [migrations.RunPython(add_cascade, remove_cascade)]
