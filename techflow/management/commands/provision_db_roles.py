"""Create the seed's PostgreSQL roles, office_admin and tech_app, with their grants."""

import os
import re

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper

# The seed publishes these two as examples; a role with one of them is open to anyone.
SAMPLE_PASSWORDS = {"secure_password", "tech_secure_password"}
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")
SCHEMA = "public"

# What the technician phone app's role may touch, by model: it reads the reference data,
# and reads, inserts and updates the rows a technician's day produces. Never DELETE.
TECH_READS = (
    ("dispatch", "Technician"),
    ("dispatch", "Customer"),
    ("inventory", "Truck"),
    ("inventory", "InventoryItem"),
    # The office's wording of the customer messages a technician's steps send ("on my way").
    ("dispatch", "MessageTemplate"),
    ("fieldops", "ChecklistTemplate"),
    ("fieldops", "ChecklistItem"),
    # A job's later visits and its crew: who may open it, whose day it is on (the office books them).
    ("dispatch", "Visit"),
    ("dispatch", "VisitHelper"),
)
TECH_WRITES = (
    ("dispatch", "WorkOrder"),
    ("dispatch", "WorkOrderNote"),
    ("dispatch", "WorkOrderHistory"),
    ("dispatch", "CustomerHistory"),
    ("dispatch", "Notification"),
    ("dispatch", "ManualNotification"),
    ("inventory", "TruckInventory"),
    ("fieldops", "ClockRecord"),
    ("fieldops", "TravelLog"),
    ("fieldops", "TechnicianActivity"),
    ("fieldops", "VoiceAgentSession"),
    ("fieldops", "VoiceAgentInteraction"),
    # The day's other records: parts used (the ledger), idempotency keys, messages, emergencies.
    ("inventory", "StockMovement"),
    ("fieldops", "ProcessedAction"),
    ("dispatch", "CommunicationMessage"),
    ("dispatch", "CommunicationCallDetail"),
    ("fieldops", "OperationalEvent"),
    # An emergency opens an incident (and a false alarm closes it); a phone subscribes to Web Push.
    ("fieldops", "Incident"),
    ("dispatch", "PushSubscription"),
    # The job's record: photos and attachments, checklist answers.
    ("fieldops", "JobAttachment"),
    ("fieldops", "ChecklistAnswer"),
    ("fieldops", "Equipment"),
    # A technician's download of a service report asks the worker for it (records the request).
    ("fieldops", "ServiceReport"),
)
# Records that are never changed once written: SELECT and INSERT only, not even UPDATE (a
# customer's signature is superseded by a new one, never edited; a password reveal is a fact).
TECH_APPENDS = (
    ("fieldops", "EquipmentCredentialReveal"),
    ("fieldops", "CustomerSignature"),
)
# Signing in: read the login and its groups, stamp last_login, keep the session.
TECH_AUTH_READS = (
    ("auth", "User"),
    ("auth", "Group"),
    ("auth", "Permission"),
    ("contenttypes", "ContentType"),
)
# The session, and the login throttle's counters (a sign-in reads, counts and clears them).
TECH_SESSIONS = (("sessions", "Session"), ("techflow", "LoginThrottle"))


def _tables(models: tuple[tuple[str, str], ...]) -> list[str]:
    return [apps.get_model(label, name)._meta.db_table for label, name in models]


def _m2m_tables(models: tuple[tuple[str, str], ...]) -> list[str]:
    """The join tables of these models' many-to-many fields (a user's groups and permissions)."""
    return [
        field.remote_field.through._meta.db_table
        for label, name in models
        for field in apps.get_model(label, name)._meta.local_many_to_many
    ]


class Command(BaseCommand):
    help = (
        "Create or update the seed's PostgreSQL roles (PostgreSQL only; run it as a role with "
        "CREATEROLE that owns the schema, e.g. the one that ran migrate). "
        "OFFICE ROLE (office_admin): LOGIN, the seed's ALL PRIVILEGES ON DATABASE and ALL ON SCHEMA "
        "public, plus ALL on the existing tables and sequences in public and, by default privileges, on "
        "those this role creates later, so it can run the application. "
        "TECH ROLE (tech_app): LOGIN, the seed's CONNECT on the database, USAGE on schema public, "
        "SELECT on technicians (and UPDATE of its updated_at, so a technician's actions can lock their "
        "row), customers (and UPDATE of is_new_customer and updated_at: completing a job clears the "
        "flag), trucks, inventory_items, message_templates, checklist_templates, checklist_items, visits "
        "and visit_helpers, and "
        "SELECT, INSERT, UPDATE (never DELETE) on the tables a technician's day writes: work_orders, "
        "work_order_notes, work_order_history, customer_history, notifications, manual_notifications, "
        "truck_inventory, technician_clock_records, travel_logs, technician_activity, voice_agent_sessions, "
        "voice_agent_interactions, stock_movements, processed_actions, communication_messages, "
        "communication_call_details, operational_event, incidents, push_subscriptions, job_attachments, "
        "service_reports, job_checklist_answers, site_equipment; SELECT and INSERT only on "
        "equipment_credential_reveals and customer_signatures; to sign in, SELECT on auth_user, auth_group, "
        "auth_permission, their join tables and django_content_type, UPDATE of auth_user.last_login only, "
        "and SELECT, INSERT, UPDATE, DELETE on django_session and login_throttles; nothing else. "
        "Passwords come from the options or from OFFICE_ADMIN_PASSWORD / TECH_APP_PASSWORD (prefer the "
        "environment: options show in the process list); there is no default, and the seed's sample "
        "passwords are refused. Running it again updates the passwords and re-applies the grants."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--office-role", default="office_admin", help="Default: office_admin.")
        parser.add_argument("--tech-role", default="tech_app", help="Default: tech_app.")
        parser.add_argument("--office-password", help="Default: $OFFICE_ADMIN_PASSWORD.")
        parser.add_argument("--tech-password", help="Default: $TECH_APP_PASSWORD.")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, **options) -> None:
        connection = connections[options["database"]]
        if connection.vendor != "postgresql":
            raise CommandError(
                f"provision_db_roles needs PostgreSQL: roles and GRANTs are PostgreSQL features, and this "
                f"database is {connection.vendor}. Set DATABASE_URL=postgres://... and run it again."
            )
        office_role = _role_name(options["office_role"], "--office-role")
        tech_role = _role_name(options["tech_role"], "--tech-role")
        if office_role == tech_role:
            raise CommandError("--office-role and --tech-role must differ.")
        office_password = _password(options["office_password"], "--office-password", "OFFICE_ADMIN_PASSWORD")
        tech_password = _password(options["tech_password"], "--tech-password", "TECH_APP_PASSWORD")

        missing = set(_tables(TECH_READS + TECH_WRITES + TECH_APPENDS)) - set(
            connection.introspection.table_names()
        )
        if missing:
            raise CommandError(f"Tables missing ({', '.join(sorted(missing))}): run migrate first.")

        try:
            with transaction.atomic(using=connection.alias):
                database = _current_database(connection)
                office_created = _create_or_update_role(connection, office_role, office_password)
                tech_created = _create_or_update_role(connection, tech_role, tech_password)
                _grant_office(connection, office_role, database)
                _grant_tech(connection, tech_role, database)
        except DatabaseError as error:
            raise CommandError(
                f"PostgreSQL refused: {error}".strip()
                + "\nRun this as a role with CREATEROLE that owns the TechFlow tables."
            ) from error

        for role, created in ((office_role, office_created), (tech_role, tech_created)):
            self.stdout.write(f"{'Created' if created else 'Updated'} role {role}.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Granted {office_role} all privileges on database {database} and schema {SCHEMA}; "
                f"{tech_role} connect, schema usage and the phone app's table privileges."
            )
        )


def _role_name(value: str, option: str) -> str:
    if not ROLE_NAME.match(value):
        raise CommandError(f"{option} {value!r} is not a plain PostgreSQL role name (a-z, 0-9, _).")
    return value


def _password(given: str | None, option: str, variable: str) -> str:
    password = given if given is not None else os.environ.get(variable, "")
    if not password:
        raise CommandError(f"Give the password with {option} or the {variable} environment variable.")
    if password in SAMPLE_PASSWORDS:
        raise CommandError(f"{option}: that is the seed's published sample password; choose another.")
    return password


def _current_database(connection: BaseDatabaseWrapper) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_database()")
        return cursor.fetchone()[0]


def _create_or_update_role(connection: BaseDatabaseWrapper, role: str, password: str) -> bool:
    """Create the login role, or set its password if it exists. True when created."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        exists = cursor.fetchone() is not None
    verb = "ALTER" if exists else "CREATE"
    # The raw DB-API cursor keeps the password out of Django's query log.
    connection.ensure_connection()
    with connection.connection.cursor() as raw:
        raw.execute(f"{verb} ROLE {connection.ops.quote_name(role)} WITH LOGIN PASSWORD %s", [password])
    return not exists


def _execute(connection: BaseDatabaseWrapper, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def _grant_office(connection: BaseDatabaseWrapper, role: str, database: str) -> None:
    qn = connection.ops.quote_name
    role, database, schema = qn(role), qn(database), qn(SCHEMA)
    _execute(
        connection,
        [
            # The seed's grants.
            f"GRANT ALL PRIVILEGES ON DATABASE {database} TO {role}",
            f"GRANT ALL ON SCHEMA {schema} TO {role}",
            # Without these the seed's application user could not read a single table.
            f"GRANT ALL ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT ALL ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT ALL ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT ALL ON SEQUENCES TO {role}",
        ],
    )


def _grant_tech(connection: BaseDatabaseWrapper, role: str, database: str) -> None:
    qn = connection.ops.quote_name
    quoted = qn(role)
    statements = [
        f"GRANT CONNECT ON DATABASE {qn(database)} TO {quoted}",
        f"GRANT USAGE ON SCHEMA {qn(SCHEMA)} TO {quoted}",
    ]
    statements += [f"GRANT SELECT ON {qn(table)} TO {quoted}" for table in _tables(TECH_READS)]
    # A technician's actions lock their own technicians row (SELECT ... FOR UPDATE), which
    # PostgreSQL allows only with an UPDATE privilege: on updated_at alone, nothing to change.
    statements.append(f"GRANT UPDATE (updated_at) ON {qn(_tables(TECH_READS[:1])[0])} TO {quoted}")
    # The job a technician completes makes its customer a returning one (is_new_customer off).
    statements.append(
        f"GRANT UPDATE (is_new_customer, updated_at) ON {qn(_tables(TECH_READS[1:2])[0])} TO {quoted}"
    )
    auth_reads = _tables(TECH_AUTH_READS) + _m2m_tables(TECH_AUTH_READS)
    statements += [f"GRANT SELECT ON {qn(table)} TO {quoted}" for table in auth_reads]
    statements.append(f"GRANT UPDATE (last_login) ON {qn(_tables(TECH_AUTH_READS[:1])[0])} TO {quoted}")
    statements += [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON {qn(table)} TO {quoted}" for table in _tables(TECH_SESSIONS)
    ]
    writes = _tables(TECH_WRITES)
    statements += [f"GRANT SELECT, INSERT, UPDATE ON {qn(table)} TO {quoted}" for table in writes]
    appends = _tables(TECH_APPENDS)
    statements += [f"GRANT SELECT, INSERT ON {qn(table)} TO {quoted}" for table in appends]
    writes = writes + appends
    with connection.cursor() as cursor:
        # Serial and identity ids: inserting takes the next value of the table's sequence.
        cursor.execute(
            "SELECT seq FROM unnest(%s::text[]) AS t(name), "
            "pg_get_serial_sequence(quote_ident(t.name), 'id') AS seq WHERE seq IS NOT NULL",
            [writes],
        )
        sequences = [row[0] for row in cursor.fetchall()]
    statements += [f"GRANT USAGE, SELECT ON SEQUENCE {sequence} TO {quoted}" for sequence in sequences]
    _execute(connection, statements)
