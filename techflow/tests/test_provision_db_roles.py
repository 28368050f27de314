import uuid
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

OFFICE_PASSWORD = "office-test-password-1"
TECH_PASSWORD = "tech-test-password-1"


def _provision(office: str, tech: str, *extra: str, **options: str) -> str:
    out = StringIO()
    call_command(
        "provision_db_roles",
        "--office-role",
        office,
        "--tech-role",
        tech,
        *extra,
        stdout=out,
        **options,
    )
    return out.getvalue()


def _query(sql: str, params: list | None = None):
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchall()


def _has(check: str, *args: str) -> bool:
    placeholders = ", ".join(["%s"] * len(args))
    return _query(f"SELECT {check}({placeholders})", list(args))[0][0]


def _database() -> str:
    return _query("SELECT current_database()")[0][0]


@pytest.fixture
def roles(monkeypatch):
    """Test-only role names, dropped with everything granted to them when the test ends."""
    monkeypatch.delenv("OFFICE_ADMIN_PASSWORD", raising=False)
    monkeypatch.delenv("TECH_APP_PASSWORD", raising=False)
    suffix = uuid.uuid4().hex[:8]
    names = (f"tf_test_office_{suffix}", f"tf_test_tech_{suffix}")
    yield names
    with connection.cursor() as cursor:
        for role in names:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                # DROP OWNED also revokes the role's grants and default privileges here.
                cursor.execute(f"DROP OWNED BY {connection.ops.quote_name(role)}")
                cursor.execute(f"DROP ROLE {connection.ops.quote_name(role)}")


@pytest.mark.skipif(connection.vendor == "postgresql", reason="checks the SQLite refusal")
def test_on_sqlite_it_refuses_and_says_it_needs_postgresql():
    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("provision_db_roles", office_password="a-password-1", tech_password="b-password-2")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_creates_both_roles_with_the_seeds_grants(roles):
    office, tech = roles
    output = _provision(office, tech, office_password=OFFICE_PASSWORD, tech_password=TECH_PASSWORD)
    assert f"Created role {office}" in output and f"Created role {tech}" in output

    found = dict(
        _query("SELECT rolname, rolcanlogin FROM pg_roles WHERE rolname IN (%s, %s)", [office, tech])
    )
    assert found == {office: True, tech: True}
    superusers = _query(
        "SELECT rolsuper OR rolcreaterole OR rolcreatedb FROM pg_roles WHERE rolname = %s", [tech]
    )
    assert superusers == [(False,)]

    database = _database()
    for privilege in ("CREATE", "CONNECT", "TEMPORARY"):
        assert _has("has_database_privilege", office, database, privilege)
    assert _has("has_schema_privilege", office, "public", "CREATE")
    assert _has("has_schema_privilege", office, "public", "USAGE")
    assert _has("has_table_privilege", office, "work_orders", "SELECT, INSERT, UPDATE, DELETE")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_tech_role_can_connect_and_write_a_technicians_day_but_nothing_more(roles):
    office, tech = roles
    _provision(office, tech, office_password=OFFICE_PASSWORD, tech_password=TECH_PASSWORD)

    assert _has("has_database_privilege", tech, _database(), "CONNECT")
    assert not _has("has_database_privilege", tech, _database(), "CREATE")
    assert _has("has_schema_privilege", tech, "public", "USAGE")
    assert not _has("has_schema_privilege", tech, "public", "CREATE")
    for table in ("work_orders", "work_order_notes", "technician_clock_records", "travel_logs"):
        assert _has("has_table_privilege", tech, table, "SELECT, INSERT, UPDATE")
        assert not _has("has_table_privilege", tech, table, "DELETE")
    assert _has("has_table_privilege", tech, "customers", "SELECT")
    assert not _has("has_table_privilege", tech, "customers", "UPDATE")
    # Signing in: read the login, stamp last_login, keep the session; never change a password.
    assert _has("has_table_privilege", tech, "auth_user", "SELECT")
    assert not _has("has_table_privilege", tech, "auth_user", "INSERT")
    assert not _has("has_table_privilege", tech, "auth_user", "DELETE")
    assert _has("has_column_privilege", tech, "auth_user", "last_login", "UPDATE")
    assert not _has("has_column_privilege", tech, "auth_user", "password", "UPDATE")
    assert not _has("has_column_privilege", tech, "auth_user", "is_superuser", "UPDATE")
    assert _has("has_table_privilege", tech, "django_session", "SELECT, INSERT, UPDATE, DELETE")
    assert not _has("has_column_privilege", tech, "technicians", "name", "UPDATE")
    assert not _has("has_table_privilege", tech, "django_admin_log", "SELECT")
    sequence = _query("SELECT pg_get_serial_sequence('work_order_notes', 'id')")[0][0]
    assert _has("has_sequence_privilege", tech, sequence, "USAGE")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_running_it_again_updates_the_passwords_and_keeps_the_grants(roles):
    office, tech = roles
    _provision(office, tech, office_password=OFFICE_PASSWORD, tech_password=TECH_PASSWORD)
    first = dict(
        _query("SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN (%s, %s)", [office, tech])
    )

    output = _provision(office, tech, office_password="office-new-password-2", tech_password=TECH_PASSWORD)

    assert f"Updated role {office}" in output and f"Updated role {tech}" in output
    assert _query("SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [office, tech]) == [(2,)]
    second = dict(
        _query("SELECT rolname, rolpassword FROM pg_authid WHERE rolname IN (%s, %s)", [office, tech])
    )
    assert second[office] != first[office]
    assert second[tech] and second[office]
    assert _has("has_database_privilege", office, _database(), "CREATE")
    assert _has("has_table_privilege", tech, "travel_logs", "INSERT")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_passwords_can_come_from_the_environment(roles, monkeypatch):
    office, tech = roles
    monkeypatch.setenv("OFFICE_ADMIN_PASSWORD", OFFICE_PASSWORD)
    monkeypatch.setenv("TECH_APP_PASSWORD", TECH_PASSWORD)
    _provision(office, tech)
    assert _query("SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [office, tech]) == [(2,)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refuses_without_a_password_and_creates_nothing(roles):
    office, tech = roles
    with pytest.raises(CommandError, match="OFFICE_ADMIN_PASSWORD"):
        _provision(office, tech, tech_password=TECH_PASSWORD)
    assert _query("SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [office, tech]) == [(0,)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("sample", ["secure_password", "tech_secure_password"])
def test_refuses_the_seeds_sample_passwords(roles, sample):
    office, tech = roles
    with pytest.raises(CommandError, match="sample password"):
        _provision(office, tech, office_password=OFFICE_PASSWORD, tech_password=sample)
    assert _query("SELECT count(*) FROM pg_roles WHERE rolname IN (%s, %s)", [office, tech]) == [(0,)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_refuses_a_role_name_that_is_not_a_plain_identifier(roles):
    _, tech = roles
    with pytest.raises(CommandError, match="not a plain PostgreSQL role name"):
        _provision(
            'x"; DROP ROLE postgres; --', tech, office_password=OFFICE_PASSWORD, tech_password=TECH_PASSWORD
        )
