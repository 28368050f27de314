"""The Django schema is the seed's schema: its tables, columns, indexes, defaults and SQL.

The seed's maintenance SQL (index list, archive) is meant to run as written against
the schema the migrations build, so these tests read the catalogue directly.
"""

import datetime as dt
import re

import pytest
from django.apps import apps
from django.db import connection
from django.db.models import UniqueConstraint

from dispatch.models import WorkOrder
from dispatch.tests.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

# Seed 01's tables with every column it declares.
SEED_01_COLUMNS = {
    "trucks": ["id", "name", "is_office_truck", "active", "created_at"],
    "technicians": ["id", "name", "phone", "active", "created_at", "updated_at"],
    "customers": [
        "id",
        "name",
        "address",
        "phone",
        "email",
        "is_new_customer",
        "preferred_schedule_start",
        "preferred_schedule_end",
        "created_at",
        "updated_at",
    ],
    "work_orders": [
        "id",
        "customer_id",
        "title",
        "brief_description",
        "full_summary",
        "status",
        "assigned_technician_id",
        "created_by_id",
        "created_at",
        "updated_at",
        "scheduled_for",
    ],
    "work_order_notes": [
        "id",
        "work_order_id",
        "technician_id",
        "note_text",
        "alert_office",
        "created_at",
        "updated_at",
    ],
    "inventory_items": ["id", "name", "description", "category", "unit", "created_at", "updated_at"],
    "truck_inventory": ["id", "truck_id", "item_id", "quantity", "last_updated"],
    "technician_clock_records": [
        "id",
        "technician_id",
        "truck_id",
        "clock_in_time",
        "clock_out_time",
        "created_at",
    ],
    "travel_logs": [
        "id",
        "work_order_id",
        "technician_id",
        "travel_start_time",
        "travel_end_time",
        "created_at",
    ],
    "work_order_history": [
        "id",
        "work_order_id",
        "changed_by_type",
        "changed_by_id",
        "field_changed",
        "old_value",
        "new_value",
        "created_at",
    ],
    "customer_history": [
        "id",
        "customer_id",
        "work_order_id",
        "notes",
        "created_by_type",
        "created_by_id",
        "created_at",
    ],
    "notifications": ["id", "work_order_id", "notification_type", "message", "is_read", "created_at"],
    "manual_notifications": [
        "id",
        "technician_id",
        "work_order_id",
        "message",
        "priority",
        "is_read",
        "created_at",
    ],
    "voice_agent_sessions": [
        "id",
        "technician_id",
        "work_order_id",
        "session_start",
        "session_end",
        "is_active",
    ],
    "voice_agent_interactions": ["id", "session_id", "interaction_type", "content", "created_at"],
}

# Seed 02's tables, with its contact/visit/vehicle references and location object
# mapped onto this schema (technician_id, work_order_id, truck_id, flat location columns).
SEED_02_COLUMNS = {
    "technician_activity": [
        "id",
        "created_at",
        "technician_id",  # technician_contact_id
        "activity_type",
        "work_order_id",  # visit_id
        "truck_id",  # vehicle_id
        "latitude",  # location.latitude ...
        "longitude",
        "accuracy_meters",
        "address",
        "notes",
        "metadata",
    ],
    "communication_messages": ["id", "channel_type", "direction", "thread_id"],
    "communication_call_details": [
        "id",
        "communication_message_id",
        "call_type",
        "duration_seconds",
        "wait_time_seconds",
        "recording_url",
        "transcription",
        "sentiment_score",
        "call_outcome",
        "transferred_to_id",  # transferred_to_contact_id
        "queue_name",
        "ivr_path",
    ],
    "operational_event": [
        "id",
        "created_at",
        "event_type",
        "event_category",
        "severity",
        "source_system",
        "title",
        "description",
        "metadata",
        "resolved_at",
        "resolved_by_id",  # resolved_by_contact_id
    ],
}

# Seed 01, "Index Optimization", verbatim.
SEED_INDEX_SQL = """
CREATE INDEX idx_work_orders_technician ON work_orders(assigned_technician_id);
CREATE INDEX idx_work_orders_status ON work_orders(status);
CREATE INDEX idx_notifications_unread ON notifications(is_read) WHERE NOT is_read;
CREATE INDEX idx_work_orders_customer ON work_orders(customer_id);
CREATE INDEX idx_work_orders_scheduled ON work_orders(scheduled_for);
CREATE INDEX idx_technician_clock_records_date ON technician_clock_records(clock_in_time);
CREATE INDEX idx_work_order_notes_work_order ON work_order_notes(work_order_id);
CREATE INDEX idx_work_order_notes_technician ON work_order_notes(technician_id);
"""
SEED_INDEXES = [
    re.match(r"CREATE INDEX (\w+) ON (\w+)\((\w+)\)", line).groups()
    for line in SEED_INDEX_SQL.strip().splitlines()
]

PROJECT_APPS = ("dispatch", "inventory", "fieldops")


def _columns(table: str) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s",
            [table],
        )
        return {row[0] for row in cursor.fetchall()}


def _fetch_one(sql: str, params: list | None = None) -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def _declared_constraints() -> list[tuple[str, str, object]]:
    """(table, name, constraint) for every constraint in the project's models' Meta."""
    return [
        (model._meta.db_table, constraint.name, constraint)
        for app_label in PROJECT_APPS
        for model in apps.get_app_config(app_label).get_models()
        for constraint in model._meta.constraints
    ]


@pytest.mark.postgres
@pytest.mark.parametrize("table", sorted({**SEED_01_COLUMNS, **SEED_02_COLUMNS}))
def test_seed_table_exists_with_the_seeds_columns(table):
    expected = {**SEED_01_COLUMNS, **SEED_02_COLUMNS}[table]
    columns = _columns(table)
    assert columns, f"table {table} does not exist"
    assert not set(expected) - columns, f"{table} lacks {sorted(set(expected) - columns)}"


@pytest.mark.postgres
def test_seed_01_tables_have_integer_ids_and_seed_02_tables_uuid_ids():
    def id_type(table: str) -> str:
        return _fetch_one(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_schema = current_schema() AND table_name = %s AND column_name = 'id'",
            [table],
        )[0]

    assert {table: id_type(table) for table in SEED_01_COLUMNS} == dict.fromkeys(SEED_01_COLUMNS, "integer")
    assert {table: id_type(table) for table in SEED_02_COLUMNS} == dict.fromkeys(SEED_02_COLUMNS, "uuid")


@pytest.mark.postgres
@pytest.mark.parametrize(("name", "table", "column"), SEED_INDEXES)
def test_seed_index_exists_under_its_name_on_its_table_and_column(name, table, column):
    row = _fetch_one(
        "SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND indexname = %s",
        [name],
    )
    assert row is not None, f"index {name} is missing"
    index_table, indexdef = row
    assert index_table == table
    assert re.search(rf"USING btree \({column}\)", indexdef), indexdef


@pytest.mark.postgres
def test_unread_notifications_index_is_partial_on_unread_rows():
    indexdef = _fetch_one("SELECT indexdef FROM pg_indexes WHERE indexname = 'idx_notifications_unread'")[0]
    assert "WHERE" in indexdef
    assert "NOT is_read" in indexdef or "is_read = false" in indexdef, indexdef


@pytest.mark.postgres
def test_seed_indexes_other_than_unread_notifications_are_not_partial():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE indexname = ANY(%s) AND indexdef LIKE '%%WHERE%%'",
            [[name for name, _, _ in SEED_INDEXES]],
        )
        assert [row[0] for row in cursor.fetchall()] == ["idx_notifications_unread"]


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("table", "name", "constraint"),
    _declared_constraints(),
    ids=[name for _, name, _ in _declared_constraints()],
)
def test_declared_constraint_exists_in_postgresql_on_its_table(table, name, constraint):
    in_pg_constraint = _fetch_one(
        "SELECT conrelid::regclass::text, contype FROM pg_constraint WHERE conname = %s", [name]
    )
    in_pg_indexes = _fetch_one("SELECT tablename, indexdef FROM pg_indexes WHERE indexname = %s", [name])
    if isinstance(constraint, UniqueConstraint) and constraint.condition is not None:
        # A conditional unique constraint is a partial unique index in PostgreSQL.
        assert in_pg_indexes is not None, f"{name} is missing from pg_indexes"
        assert in_pg_indexes[0] == table
        assert "CREATE UNIQUE INDEX" in in_pg_indexes[1] and "WHERE" in in_pg_indexes[1]
    else:
        assert in_pg_constraint is not None, f"{name} is missing from pg_constraint"
        expected_type = "u" if isinstance(constraint, UniqueConstraint) else "c"
        assert in_pg_constraint == (table, expected_type)


def test_declared_constraints_exist_in_the_database_under_their_names():
    """Django's introspection reads both PostgreSQL and SQLite catalogues."""
    missing = []
    with connection.cursor() as cursor:
        for table, name, _constraint in _declared_constraints():
            if name not in connection.introspection.get_constraints(cursor, table):
                missing.append(f"{table}.{name}")
    assert not missing


def test_the_project_declares_the_constraints_the_design_requires():
    names = {name for _, name, _ in _declared_constraints()}
    assert {
        "work_orders_status_valid",
        "truck_inventory_quantity_non_negative",
        "clock_records_out_after_in",
        "clock_records_one_open_per_technician",
    } <= names


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("table", "column", "default"),
    [
        ("work_orders", "status", "'pending'"),
        ("manual_notifications", "priority", "'normal'"),
        ("trucks", "is_office_truck", "false"),
        ("trucks", "active", "true"),
        ("technicians", "active", "true"),
        ("customers", "is_new_customer", "true"),
        ("work_order_notes", "alert_office", "false"),
        ("notifications", "is_read", "false"),
        ("manual_notifications", "is_read", "false"),
        ("voice_agent_sessions", "is_active", "true"),
    ],
)
def test_seed_column_default_is_declared_in_the_database(table, column, default):
    column_default = _fetch_one(
        "SELECT column_default FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
        [table, column],
    )[0]
    assert column_default is not None and column_default.startswith(default), column_default


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("table", "column"),
    [(table, "created_at") for table, columns in SEED_01_COLUMNS.items() if "created_at" in columns]
    + [
        ("work_order_notes", "updated_at"),
        ("truck_inventory", "last_updated"),
        ("voice_agent_sessions", "session_start"),
    ],
)
def test_seed_timestamp_defaults_to_the_current_time(table, column):
    column_default = _fetch_one(
        "SELECT column_default FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = %s AND column_name = %s",
        [table, column],
    )[0]
    assert column_default is not None
    assert re.fullmatch(
        r"(now|statement_timestamp|transaction_timestamp)\(\)|CURRENT_TIMESTAMP", column_default
    )


@pytest.mark.postgres
def test_rows_inserted_by_seed_style_sql_get_the_seeds_defaults():
    """Only the columns the seed requires are given; the database fills in the rest."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT now()")
        transaction_start = cursor.fetchone()[0]
        cursor.execute(
            "INSERT INTO trucks (name) VALUES ('Service Truck 201') "
            "RETURNING id, is_office_truck, active, created_at"
        )
        truck_id, is_office_truck, truck_active, truck_created = cursor.fetchone()
        cursor.execute(
            "INSERT INTO technicians (name, phone) VALUES ('Mike Johnson', '555-0101') "
            "RETURNING id, active, created_at, updated_at"
        )
        technician_id, technician_active, technician_created, technician_updated = cursor.fetchone()
        cursor.execute(
            "INSERT INTO customers (name, address, phone) VALUES ('City Bank', '1 Main St', '555-0200') "
            "RETURNING id, is_new_customer, created_at"
        )
        customer_id, is_new_customer, customer_created = cursor.fetchone()
        cursor.execute(
            "INSERT INTO work_orders (customer_id, title, brief_description, assigned_technician_id) "
            "VALUES (%s, 'Install cameras', 'Four IP domes in the lobby', %s) "
            "RETURNING id, status, created_at, updated_at",
            [customer_id, technician_id],
        )
        work_order_id, status, order_created, order_updated = cursor.fetchone()
        cursor.execute(
            "INSERT INTO work_order_notes (work_order_id, technician_id, note_text) "
            "VALUES (%s, %s, 'Lobby ceiling is drop tile') RETURNING alert_office, created_at, updated_at",
            [work_order_id, technician_id],
        )
        alert_office, note_created, note_updated = cursor.fetchone()
        cursor.execute(
            "INSERT INTO notifications (work_order_id, message) VALUES (%s, 'Running late') "
            "RETURNING is_read, created_at",
            [work_order_id],
        )
        notification_is_read, notification_created = cursor.fetchone()
        cursor.execute(
            "INSERT INTO manual_notifications (technician_id, message) VALUES (%s, 'Call the office') "
            "RETURNING priority, is_read, created_at",
            [technician_id],
        )
        priority, manual_is_read, manual_created = cursor.fetchone()
        cursor.execute(
            "INSERT INTO inventory_items (name) VALUES ('IP Dome Camera') RETURNING id, created_at"
        )
        item_id, item_created = cursor.fetchone()
        cursor.execute(
            "INSERT INTO truck_inventory (truck_id, item_id, quantity) VALUES (%s, %s, 5) "
            "RETURNING last_updated",
            [truck_id, item_id],
        )
        (stock_updated,) = cursor.fetchone()
        cursor.execute(
            "INSERT INTO voice_agent_sessions (technician_id) VALUES (%s) RETURNING session_start, is_active",
            [technician_id],
        )
        session_start, session_active = cursor.fetchone()
        cursor.execute("SELECT clock_timestamp()")
        now = cursor.fetchone()[0]

    assert (is_office_truck, truck_active, technician_active) == (False, True, True)
    assert is_new_customer is True
    assert status == "pending"
    assert (alert_office, notification_is_read, manual_is_read) == (False, False, False)
    assert priority == "normal"
    assert session_active is True
    # The seed gives updated_at no default: it is set by the first change.
    assert technician_updated is None and order_updated is None
    for stamp in (
        truck_created,
        technician_created,
        customer_created,
        order_created,
        note_created,
        note_updated,
        notification_created,
        manual_created,
        item_created,
        stock_updated,
        session_start,
    ):
        assert transaction_start <= stamp <= now


@pytest.mark.postgres
def test_seed_archive_example_runs_as_written_and_archives_only_old_orders():
    old = WorkOrderFactory(title="Installed two years ago")
    recent = WorkOrderFactory(title="Installed last month")
    with connection.cursor() as cursor:
        # The seed's SQL compares with the database's NOW(), not the tests' pinned clock: date both rows
        # from the database's clock, as a year-old import and last month's order would be.
        cursor.execute("SELECT now()")
        (database_now,) = cursor.fetchone()
        WorkOrder.objects.filter(pk=old.pk).update(created_at=database_now - dt.timedelta(days=730))
        WorkOrder.objects.filter(pk=recent.pk).update(created_at=database_now - dt.timedelta(days=30))
        cursor.execute("SELECT * FROM work_orders WHERE created_at < NOW() - INTERVAL '1 year'")
        assert [row[0] for row in cursor.fetchall()] == [old.pk]
        # Seed 01, "Data Retention", verbatim (rolled back with the test's transaction), in
        # place of the archive table migration techflow/0001 made with the same LIKE layout.
        cursor.execute("DROP TABLE work_orders_archive")
        cursor.execute(
            """
            CREATE TABLE work_orders_archive (LIKE work_orders);
            INSERT INTO work_orders_archive
            SELECT * FROM work_orders
            WHERE created_at < NOW() - INTERVAL '1 year';
            """
        )
        cursor.execute("SELECT id, title FROM work_orders_archive")
        assert cursor.fetchall() == [(old.pk, "Installed two years ago")]


def test_seed_index_statements_run_as_written_against_the_schema():
    """Each seed index exists under its name; dropped, the seed's statement recreates it.

    Runs on both databases; the DDL is rolled back with the test's transaction.
    """
    with connection.cursor() as cursor:
        for statement in SEED_INDEX_SQL.strip().splitlines():
            name, table, _column = re.match(r"CREATE INDEX (\w+) ON (\w+)\((\w+)\)", statement).groups()
            assert name in connection.introspection.get_constraints(cursor, table)
            cursor.execute(f"DROP INDEX {name}")
            assert name not in connection.introspection.get_constraints(cursor, table)
            cursor.execute(statement.rstrip(";"))
            assert connection.introspection.get_constraints(cursor, table)[name]["index"]
