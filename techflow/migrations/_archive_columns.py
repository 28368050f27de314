"""Adding a live table's new columns to its `_archive` table (the archive job refuses to run while
they differ). On a new database the app's migration may run before techflow/0001 creates the
archive tables (which then copy the columns already), so only missing columns are added.

Not a migration itself (the loader skips modules starting with "_"); migrations import it.
"""


def live_columns(schema_editor, table: str) -> dict[str, str]:
    """Column name -> SQL type of a table, in the database's own spelling."""
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a "
                "WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped",
                [table],
            )
            return dict(cursor.fetchall())
        cursor.execute(f"PRAGMA table_info({schema_editor.quote_name(table)})")
        return {row[1]: row[2] for row in cursor.fetchall()}


def mirror(*tables: str):
    """A RunPython function adding each table's columns its archive lacks (nullable, no constraints)."""

    def add_missing_columns(apps, schema_editor):
        qn = schema_editor.quote_name
        for table in tables:
            kept = live_columns(schema_editor, f"{table}_archive")
            for column, sql_type in live_columns(schema_editor, table).items():
                if column not in kept:
                    schema_editor.execute(
                        f"ALTER TABLE {qn(table + '_archive')} ADD COLUMN {qn(column)} {sql_type} NULL"
                    )

    return add_missing_columns
