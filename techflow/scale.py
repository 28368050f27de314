"""A company at scale: a year of a 500-technician business, generated fast, to measure the pages.

`generate_scale_data` writes the rows the app's own services would have written over the
period (work orders booked by the office and done by technicians, with their history,
notes, travel, activity, clock records, parts used and restocks in the stock ledger),
but straight into the tables: COPY on PostgreSQL, bulk_create on SQLite. The rows follow
the services' conventions (history text from `_history_value`, one running `sequence`
per technician in time order, a travel log id in the travel_start activity's metadata,
stock equal to the sum of its movements), so the pages, `check_stock` and the database
constraints accept them.

Everything is drawn from one seeded random.Random and a fixed `now`: the same options give
the same rows. Past days are done (completed or cancelled); today's jobs are in every
state a technician can be in, placed just before `now`; the next week is booked.

On PostgreSQL the foreign keys of the loaded tables are dropped for the load and added
back after it, in the same transaction (as pg_restore does): adding a foreign key checks
every row in one pass instead of queueing one trigger per row until commit. Check
constraints, primary keys, unique constraints and indexes stay in place throughout; the
indexes are kept because the server maintains them on its own core while the generator
builds the next chunk on the other, where rebuilding them after the load would be serial.
"""

import io
import json
import queue
import random
import threading
import time as monotonic_time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from dispatch import clock
from dispatch.access import OFFICE_GROUP, TECHNICIAN_GROUP
from dispatch.models import (
    ActorType,
    CallOutcome,
    CallType,
    Channel,
    CommunicationCallDetail,
    CommunicationMessage,
    Customer,
    CustomerHistory,
    Direction,
    JobType,
    ManualNotification,
    Notification,
    Priority,
    Technician,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderNote,
    WorkOrderStatus,
)
from fieldops.models import (
    ActivityType,
    ClockRecord,
    EventCategory,
    OperationalEvent,
    ReportDay,
    ReportJob,
    ReportTechnicianDay,
    Severity,
    TechnicianActivity,
    TravelLog,
)
from fieldops.reports import report_days_build, report_jobs_settle
from inventory.models import (
    STANDARD_QUANTITY_BY_CATEGORY,
    InventoryItem,
    MovementKind,
    StockMovement,
    Truck,
    TruckInventory,
)
from inventory.services import minimum_quantity_for
from techflow import demo

DEFAULT_TECHNICIANS = 500
DEFAULT_CUSTOMERS = 20_000
DEFAULT_DAYS = 365
DEFAULT_SEED = 11
DAYS_AHEAD = 7
# Technicians whose logins are the demo's (mike, sarah, ...): the first ones generated.
DEMO_TECHNICIANS = demo.TECHNICIANS
FLUSH_ROWS = 20_000

Progress = Callable[[int, int], None]


# ---------------------------------------------------------------------------------------
# Text and places
# ---------------------------------------------------------------------------------------

FIRST_NAMES = [
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Chris",
    "Nancy",
    "Daniel",
    "Lisa",
    "Matthew",
    "Betty",
    "Anthony",
    "Sandra",
    "Mark",
    "Ashley",
    "Donald",
    "Kimberly",
    "Steven",
    "Emily",
    "Paul",
    "Donna",
    "Andrew",
    "Michelle",
    "Joshua",
    "Carol",
    "Kevin",
    "Amanda",
    "Brian",
    "Melissa",
    "George",
    "Deborah",
    "Timothy",
    "Stephanie",
    "Ronald",
    "Rebecca",
    "Jason",
    "Laura",
    "Edward",
    "Sharon",
]
LAST_NAMES = [
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Harris",
    "Sanchez",
    "Clark",
    "Ramirez",
    "Lewis",
    "Robinson",
    "Walker",
    "Young",
    "Allen",
    "King",
    "Wright",
    "Scott",
    "Torres",
    "Nguyen",
    "Hill",
    "Flores",
    "Green",
    "Adams",
    "Nelson",
    "Baker",
    "Hall",
    "Rivera",
    "Campbell",
    "Mitchell",
    "Carter",
    "Roberts",
    "Chen",
    "Patel",
    "Kim",
]
BUSINESS_WORDS = [
    "Harbor",
    "Summit",
    "Liberty",
    "Empire",
    "Metro",
    "Pioneer",
    "Crescent",
    "Union",
    "Atlas",
    "Beacon",
    "Riverside",
    "Parkview",
    "Hudson",
    "Bayside",
    "Midtown",
    "Brooklyn",
    "Queens",
    "Bronx",
    "Greenway",
    "Northside",
    "Eastern",
    "Central",
    "Lakeside",
    "Main",
]
BUSINESS_KINDS = [
    "Bank",
    "Pharmacy",
    "Deli",
    "Dental",
    "Auto Repair",
    "Hardware",
    "Bakery",
    "Hotel",
    "Storage",
    "Medical Group",
    "Law Office",
    "Fitness",
    "Daycare",
    "Grocery",
    "Liquor",
    "Laundromat",
    "Church",
    "School",
    "Apartments",
    "Warehouse",
    "Diner",
    "Garage",
]
STREETS = [
    "Broadway",
    "Main Street",
    "Atlantic Avenue",
    "Queens Boulevard",
    "Flatbush Avenue",
    "Court Street",
    "Grand Concourse",
    "Northern Boulevard",
    "Hylan Boulevard",
    "Jamaica Avenue",
    "Fulton Street",
    "Lexington Avenue",
    "Amsterdam Avenue",
    "Ocean Parkway",
    "Myrtle Avenue",
    "Steinway Street",
    "Bedford Avenue",
    "Fordham Road",
    "Victory Boulevard",
]
BOROUGHS = (
    ("New York", "NY", "100", 40.7580, -73.9855),
    ("Brooklyn", "NY", "112", 40.6782, -73.9442),
    ("Queens", "NY", "113", 40.7282, -73.7949),
    ("Bronx", "NY", "104", 40.8448, -73.8648),
    ("Staten Island", "NY", "103", 40.5795, -74.1502),
    ("Jersey City", "NJ", "073", 40.7178, -74.0431),
)
WINDOWS = (None, None, (time(8), time(16)), (time(8), time(11)), (time(12), time(16)), (time(9), time(15)))
AREAS = ("lobby", "loading dock", "parking lot", "main entrance", "back door", "stairwell", "garage", "yard")

JOBS = {
    JobType.INSTALLATION: (
        ("Install IP dome cameras: {area}", "Mount and cable IP dome cameras covering the {area}."),
        ("New camera system: {area}", "Install bullet cameras and a new NVR for the {area}."),
    ),
    JobType.UPGRADE: (
        ("Replace analog cameras with IP: {area}", "Swap the analog cameras at the {area} for IP bullets."),
        ("NVR upgrade: {area}", "Replace the recorder serving the {area} and migrate the channels."),
    ),
    JobType.MAINTENANCE: (
        ("Quarterly maintenance: {area}", "Clean lenses, check focus and night vision at the {area}."),
    ),
    JobType.REPAIR: (
        ("Camera offline: {area}", "A camera at the {area} shows no video; find and fix the fault."),
        ("Night vision failing: {area}", "The {area} camera goes dark at night; check IR and power."),
    ),
}
JOB_TYPES = tuple(JOBS)
JOB_WEIGHTS = (20, 20, 35, 25)
JOB_MINUTES = {JobType.INSTALLATION: 150, JobType.UPGRADE: 120, JobType.MAINTENANCE: 75, JobType.REPAIR: 90}
# Parts a completed job takes off the truck: (item name, fewest, most); a draw of 0 uses none.
PARTS = {
    JobType.INSTALLATION: (("IP Dome Camera", 0, 3), ("Cat6 Cable", 60, 250), ("RJ45 Connector", 2, 8)),
    JobType.UPGRADE: (("Bullet Camera", 0, 2), ("Cat6 Cable", 0, 120), ("PoE Injector", 0, 1)),
    JobType.MAINTENANCE: (("RJ45 Connector", 0, 3),),
    JobType.REPAIR: (("BNC Connector", 0, 4), ("12V Power Supply", 0, 1), ("RG59 Siamese Cable", 0, 60)),
}
EXTRA_NOTES = (
    "Customer asked for a quote on two more cameras.",
    "Parking is tight; use the side street.",
    "Site contact changes next month; confirm before the next visit.",
    "Gate code changed; the office has the new one.",
)
ALERT_NOTES = (
    "No access: the site was locked and nobody answered.",
    "Found water in a junction box; needs a follow-up visit.",
    "Customer unhappy with the last visit; please call them.",
)
OFFICE_MESSAGES = (
    "Customer called: please ring them 15 minutes before you arrive.",
    "Your next job moved to the afternoon.",
    "Pick up the replacement NVR at the depot tomorrow.",
    "Reminder: vehicle inspection due this week.",
)
EVENTS = (
    ("phone_ring", EventCategory.COMMUNICATION, Severity.INFO, "Inbound call queue above 5"),
    ("alarm_triggered", EventCategory.SECURITY, Severity.WARNING, "Customer alarm triggered"),
    ("system_alert", EventCategory.SYSTEM, Severity.ERROR, "Backup took longer than an hour"),
    ("truck_breakdown", EventCategory.OPERATIONAL, Severity.CRITICAL, "Truck breakdown reported"),
)


# ---------------------------------------------------------------------------------------
# Writers: COPY on PostgreSQL, bulk_create elsewhere
# ---------------------------------------------------------------------------------------


def _escape(value: str) -> str:
    if "\\" in value or "\t" in value or "\n" in value or "\r" in value:
        value = value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")
    return value


def _expression(model_field: models.Field, index: int) -> str:
    """Python source that writes column `index` of a row tuple `r` in COPY's text format."""
    value = f"r[{index}]"
    if isinstance(model_field, models.BooleanField):
        text = f"('t' if {value} else 'f')"
    elif isinstance(model_field, models.JSONField):
        text = f"('{{}}' if not {value} else _escape(json.dumps({value})))"
    elif isinstance(model_field, models.DateTimeField | models.DateField | models.TimeField):
        text = f"{value}.isoformat()"
    elif isinstance(model_field, models.DecimalField):
        text = f"format({value}, '.{model_field.decimal_places}f')"
    elif isinstance(model_field, models.CharField | models.TextField):
        text = f"_escape({value})"
    else:
        text = f"str({value})"
    return f"(r'\\N' if {value} is None else {text})" if model_field.null else text


def _line_writer(fields: list[models.Field]) -> Callable[[tuple], str]:
    """One compiled function per table that turns a row tuple into a COPY line: the load's hot loop."""
    source = " + '\\t' + ".join(_expression(f, i) for i, f in enumerate(fields))
    return eval(f"lambda r: {source} + '\\n'", {"_escape": _escape, "json": json, "format": format})


class _Copier(threading.Thread):
    """Runs COPY beside the generator: PostgreSQL ingests one chunk while Python builds the next."""

    def __init__(self, cursor) -> None:
        super().__init__(daemon=True)
        self.cursor = cursor
        self.chunks: queue.Queue = queue.Queue(maxsize=6)
        self.error: BaseException | None = None

    def run(self) -> None:
        while (chunk := self.chunks.get()) is not None:
            if self.error is None:
                try:
                    sql, data = chunk
                    self.cursor.copy_expert(sql, io.StringIO(data))
                except BaseException as error:  # reported to the generator at close()
                    self.error = error

    def put(self, sql: str, data: str) -> None:
        if self.error is not None:
            raise self.error
        self.chunks.put((sql, data))

    def close(self) -> None:
        self.chunks.put(None)
        self.join()
        if self.error is not None:
            raise self.error


class _Table:
    """Rows for one table, as tuples in `columns` order, flushed in chunks."""

    def __init__(self, model: type[models.Model], columns: str, copier: _Copier | None) -> None:
        self.model = model
        self.attnames = columns.split()
        fields = {f.attname: f for f in model._meta.concrete_fields}
        self.fields = [fields[name] for name in self.attnames]
        self.copier = copier
        self.line = _line_writer(self.fields)
        self.sql = "COPY {} ({}) FROM STDIN".format(
            connection.ops.quote_name(model._meta.db_table),
            ", ".join(connection.ops.quote_name(f.column) for f in self.fields),
        )
        self.rows: list = []
        self.count = 0

    def add(self, *row: Any) -> None:
        self.rows.append(row)
        if len(self.rows) >= FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if not self.rows:
            return
        self.count += len(self.rows)
        if self.copier is not None:
            self.copier.put(self.sql, "".join(map(self.line, self.rows)))
        else:
            names = self.attnames
            objects = [self.model(**dict(zip(names, row, strict=True))) for row in self.rows]
            self.model.objects.bulk_create(objects, batch_size=500)
        self.rows = []


# ---------------------------------------------------------------------------------------
# The generator
# ---------------------------------------------------------------------------------------


class _Random(random.Random):
    """random.Random with a cheaper randint and choice (the generator draws millions)."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]


@dataclass
class ScaleSummary:
    today: date
    counts: dict[str, int]
    seconds: float
    logins: list[tuple[str, str]]


@dataclass
class _Place:
    address: str
    latitude: float
    longitude: float


@dataclass
class _Tech:
    id: int
    truck_id: int
    sequence: int = 0


@dataclass
class _Build:
    rng: random.Random
    now: datetime
    today: date
    tz: Any
    office_id: int
    admin_id: int
    customers: list[_Place] = field(default_factory=list)
    techs: list[_Tech] = field(default_factory=list)
    items: dict[str, tuple[int, int, int]] = field(default_factory=dict)  # name -> (id, standard, minimum)
    stock: dict[tuple[int, int], int] = field(default_factory=dict)
    stock_at: dict[tuple[int, int], datetime] = field(default_factory=dict)
    low: set[tuple[int, int]] = field(default_factory=set)
    next_id: dict[str, int] = field(default_factory=dict)
    tables: dict[str, _Table] = field(default_factory=dict)

    def id(self, table: str) -> int:
        self.next_id[table] = self.next_id.get(table, 0) + 1
        return self.next_id[table]

    def uuid(self) -> str:
        bits = self.rng.getrandbits(128)
        # A version-4, RFC 4122 variant UUID, written as PostgreSQL and Django both read it.
        bits = (bits & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (0x8000 << 48)
        return f"{bits:032x}"

    def at(self, day: date, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(day, time(hour, minute), tzinfo=self.tz).astimezone(UTC)


def scale_usernames(technicians: int) -> list[str]:
    """The logins generate_scale_data creates: admin, office and one per technician."""
    names = ["admin", "office"]
    names += [t.username for t in DEMO_TECHNICIANS[:technicians]]
    names += [f"tech{i:04d}" for i in range(len(DEMO_TECHNICIANS) + 1, technicians + 1)]
    return names


def database_has_data() -> bool:
    """TechFlow rows, or any login: the generator only fills an empty database."""
    return demo.techflow_has_data() or get_user_model().objects.exists()


@transaction.atomic
def wipe() -> None:
    """Delete every TechFlow row and every login (the generated company owns the database)."""
    demo.wipe_techflow_data()
    get_user_model().objects.all().delete()


def generate(
    *,
    technicians: int = DEFAULT_TECHNICIANS,
    customers: int = DEFAULT_CUSTOMERS,
    days: int = DEFAULT_DAYS,
    seed: int = DEFAULT_SEED,
    now: datetime,
    password: str = demo.DEFAULT_PASSWORD,
    progress: Progress | None = None,
) -> ScaleSummary:
    """Fill an empty database with a company of `technicians` over `days` days up to `now`."""
    if technicians < 1 or customers < 1 or days < 1:
        raise ValueError("technicians, customers and days must each be at least 1")
    started = monotonic_time.monotonic()
    tz = timezone.get_default_timezone()
    # bulk_create fills auto_now columns (updated_at, last_updated) from dispatch.clock: at `now`.
    with clock.frozen(now), transaction.atomic():
        users = _add_users(technicians, password, now)
        build = _Build(
            rng=_Random(seed),
            now=now,
            today=timezone.localdate(now, tz),
            tz=tz,
            office_id=users["office"],
            admin_id=users["admin"],
        )
        postgres = connection.vendor == "postgresql"
        with connection.cursor() as cursor:
            dropped = _drop_load_constraints(cursor) if postgres else []
            indexes = _drop_load_indexes(cursor) if postgres else []
            copier = _Copier(cursor.cursor) if postgres else None
            if copier is not None:
                copier.start()
            try:
                _open_tables(build, copier)
                _add_company(build, technicians, customers, users)
                # The trucks were stocked to standard from the warehouse before the period.
                _restock(
                    build,
                    list(build.stock),
                    build.at(build.today - timedelta(days=days + 1), 6),
                    "Stocked to standard",
                )
                total = days + 1 + DAYS_AHEAD
                for index, offset in enumerate(range(-days, DAYS_AHEAD + 1)):
                    _add_day(build, build.today + timedelta(days=offset), offset)
                    if progress:
                        progress(index + 1, total)
                _add_unassigned(build)
                _add_stock_rows(build)
                _add_company_events(build, days)
                for table in build.tables.values():
                    table.flush()
            finally:
                if copier is not None:
                    copier.close()
            if postgres:
                for definition in indexes:
                    cursor.execute(definition)
                _restore_load_constraints(cursor, dropped)
            _reset_sequences([get_user_model(), *(t.model for t in build.tables.values()), Truck])
    if postgres:
        # A year-old database has been vacuumed: its visibility map is set, so the covering indexes'
        # index-only scans read no heap. Freshly copied rows have none until autovacuum gets to them,
        # which it then does in the middle of whatever is measured. VACUUM needs autocommit; inside a
        # transaction (a test's), the statistics alone.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in build.tables.values():
                cursor.execute(f"{command} {connection.ops.quote_name(table.model._meta.db_table)}")
    with clock.frozen(now):  # the reports page's rollup of every closed day (a periodic job's work)
        report_days_build([build.today - timedelta(days=offset) for offset in range(1, days + 1)])
        report_jobs_settle()
    if postgres:  # the rollup's tables are written after the others were vacuumed
        with connection.cursor() as cursor:
            for model in (ReportDay, ReportTechnicianDay, ReportJob):
                cursor.execute(f"{command} {connection.ops.quote_name(model._meta.db_table)}")
    counts = {t.model._meta.db_table: t.count for t in build.tables.values()}
    logins = [("admin", "superuser: /admin/"), ("office", "office staff: /office/")]
    logins += [(t.username, f"technician {t.name}: /tech/") for t in DEMO_TECHNICIANS[:technicians]]
    return ScaleSummary(
        today=build.today, counts=counts, seconds=monotonic_time.monotonic() - started, logins=logins
    )


LOADED_MODELS = (
    Truck,
    InventoryItem,
    Technician,
    Customer,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderNote,
    CustomerHistory,
    Notification,
    ManualNotification,
    CommunicationMessage,
    CommunicationCallDetail,
    TruckInventory,
    StockMovement,
    ClockRecord,
    TravelLog,
    TechnicianActivity,
    OperationalEvent,
)


def _drop_load_constraints(cursor) -> list[tuple[str, str, str]]:
    tables = [m._meta.db_table for m in LOADED_MODELS]
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)",
        [tables],
    )
    foreign_keys = cursor.fetchall()
    # Rows written earlier in the same transaction (a reset inside a test) leave deferred checks
    # pending, and PostgreSQL refuses to alter a table with pending trigger events: run them now.
    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for table, name, _ in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    return foreign_keys


def _drop_load_indexes(cursor) -> list[str]:
    """The loaded tables' secondary indexes (neither keys nor unique), to build once after the load:
    one sorted build each is several times cheaper than updating them row by row during COPY."""
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index "
        "WHERE indrelid::regclass::text = ANY(%s) AND NOT indisprimary AND NOT indisunique",
        [[m._meta.db_table for m in LOADED_MODELS]],
    )
    indexes = cursor.fetchall()
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [definition for _, definition in indexes]


def _restore_load_constraints(cursor, foreign_keys: list[tuple[str, str, str]]) -> None:
    # Adding a foreign key back checks every row against its target: the load's FK check.
    for table, name, definition in foreign_keys:
        cursor.execute(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')


def _reset_sequences(model_list: list[type[models.Model]]) -> None:
    statements = connection.ops.sequence_reset_sql(no_style(), list(dict.fromkeys(model_list)))
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def _add_users(technicians: int, password: str, now: datetime) -> dict[str, int]:
    """admin, office and a login per technician; one hash serves them all (hashing 500 is minutes)."""
    user_model = get_user_model()
    hashed = make_password(password)
    names = scale_usernames(technicians)
    users = [
        user_model(
            id=index + 1,
            username=username,
            email=f"{username}@techflow.example",
            is_staff=username == "admin",
            is_superuser=username == "admin",
            password=hashed,
            date_joined=now - timedelta(days=800),
        )
        for index, username in enumerate(names)
    ]
    user_model.objects.bulk_create(users, batch_size=500)
    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    crew, _ = Group.objects.get_or_create(name=TECHNICIAN_GROUP)
    through = user_model.groups.through
    links = [through(user_id=users[1].id, group_id=office.id)]
    links += [through(user_id=user.id, group_id=crew.id) for user in users[2:]]
    through.objects.bulk_create(links, batch_size=500)
    return {user.username: user.id for user in users}


def _open_tables(build: _Build, copier: _Copier | None) -> None:
    spec = {
        "trucks": (Truck, "id name is_office_truck active created_at"),
        "items": (
            InventoryItem,
            "id name description category unit standard_quantity minimum_quantity active "
            "created_at updated_at",
        ),
        "technicians": (Technician, "id name phone active user_id created_at updated_at"),
        "customers": (
            Customer,
            "id name address phone email is_new_customer preferred_schedule_start preferred_schedule_end "
            "created_at updated_at",
        ),
        "orders": (
            WorkOrder,
            "id customer_id title brief_description full_summary job_type status assigned_technician_id "
            "created_by_id created_at scheduled_for version updated_at",
        ),
        "history": (
            WorkOrderHistory,
            "id work_order_id changed_by_type changed_by_id field_changed old_value new_value created_at",
        ),
        "notes": (
            WorkOrderNote,
            "id work_order_id technician_id note_text alert_office created_at updated_at",
        ),
        "customer_history": (
            CustomerHistory,
            "id customer_id work_order_id notes created_by_type created_by_id created_at",
        ),
        "notifications": (
            Notification,
            "id work_order_id notification_type message is_read created_at",
        ),
        "messages": (
            ManualNotification,
            "id technician_id work_order_id message priority is_read created_at",
        ),
        "communications": (
            CommunicationMessage,
            "id channel_type direction customer_id technician_id work_order_id thread_id subject body "
            "created_at sent_at read_at",
        ),
        "calls": (
            CommunicationCallDetail,
            "id communication_message_id call_type duration_seconds wait_time_seconds call_outcome",
        ),
        "stock": (TruckInventory, "id truck_id item_id quantity last_updated"),
        "movements": (
            StockMovement,
            "id truck_id item_id kind quantity_change quantity_after work_order_id technician_id "
            "reason created_by_type created_by_id created_at",
        ),
        "clock": (ClockRecord, "id technician_id truck_id clock_in_time clock_out_time created_at"),
        "travel": (
            TravelLog,
            "id work_order_id technician_id travel_start_time travel_end_time created_at",
        ),
        "activity": (
            TechnicianActivity,
            "id created_at technician_id activity_type work_order_id truck_id latitude longitude "
            "accuracy_meters address notes metadata sequence",
        ),
        "events": (
            OperationalEvent,
            "id created_at event_type event_category severity source_system title description metadata "
            "resolved_at resolved_by_id",
        ),
    }
    build.tables = {key: _Table(model, columns, copier) for key, (model, columns) in spec.items()}


def _add_company(build: _Build, technicians: int, customers: int, users: dict[str, int]) -> None:
    rng, t = build.rng, build.tables
    bought = build.now - timedelta(days=900)
    t["trucks"].add(Truck.OFFICE_TRUCK_ID, "Office Truck", True, True, bought)
    for index, (name, category, unit, description) in enumerate(demo.INVENTORY_ITEMS, start=1):
        standard = STANDARD_QUANTITY_BY_CATEGORY[category]
        minimum = minimum_quantity_for(category)
        t["items"].add(index, name, description, category, unit, standard, minimum, True, bought, bought)
        build.items[name] = (index, standard, minimum)
    names = scale_usernames(technicians)[2:]
    for index in range(technicians):
        truck_id = Truck.OFFICE_TRUCK_ID + 1 + index
        t["trucks"].add(truck_id, f"Service Truck {index + 1:03d}", False, True, bought)
        if index < len(DEMO_TECHNICIANS):
            name, phone = DEMO_TECHNICIANS[index].name, DEMO_TECHNICIANS[index].phone
        else:
            name = f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"
            phone = f"(718) 555-{index % 10000:04d}"
        hired = build.now - timedelta(days=rng.randint(400, 3000))
        t["technicians"].add(index + 1, name, phone, True, users[names[index]], hired, hired)
        build.techs.append(_Tech(id=index + 1, truck_id=truck_id))
    for index in range(customers):
        borough, state, zip_prefix, lat, lon = rng.choice(BOROUGHS)
        number = rng.randint(1, 2999)
        address = f"{number} {rng.choice(STREETS)}, {borough}, {state} {zip_prefix}{rng.randint(1, 99):02d}"
        place = _Place(address, lat + rng.uniform(-0.05, 0.05), lon + rng.uniform(-0.05, 0.05))
        build.customers.append(place)
        window = rng.choice(WINDOWS)
        name = f"{rng.choice(BUSINESS_WORDS)} {rng.choice(BUSINESS_KINDS)} #{index + 1}"
        joined = build.now - timedelta(days=rng.randint(30, 2000))
        t["customers"].add(
            index + 1,
            name,
            address,
            f"(212) 555-{index % 10000:04d}",
            None if index % 4 == 0 else f"contact{index + 1}@customer.example",
            index % 50 == 0,
            window[0] if window else None,
            window[1] if window else None,
            joined,
            joined,
        )
    for tech in build.techs:
        for item_id, _, _ in build.items.values():
            build.stock[(tech.truck_id, item_id)] = 0


def _order(
    build: _Build,
    *,
    customer: int,
    tech: _Tech | None,
    scheduled: datetime | None,
    created: datetime,
    job_type: str,
) -> tuple[int, str, str]:
    """Book a work order as work_order_create would (its history rows included); returns id and texts."""
    rng = build.rng
    order_id = build.id("orders")
    title, brief = rng.choice(JOBS[job_type])
    area = rng.choice(AREAS)
    title, brief = title.format(area=area), brief.format(area=area)
    status = WorkOrderStatus.SCHEDULED if tech and scheduled else WorkOrderStatus.PENDING
    booked = {
        "customer": str(customer),
        "title": title,
        "brief_description": brief,
        "job_type": job_type,
        "status": status,
        "assigned_technician": str(tech.id) if tech else None,
        "scheduled_for": scheduled.astimezone(UTC).isoformat() if scheduled else None,
    }
    history = build.tables["history"]
    for name, value in booked.items():
        if value is not None:
            history.add(
                build.id("history"), order_id, ActorType.OFFICE, build.office_id, name, None, value, created
            )
    return order_id, title, brief


def _change(build: _Build, order_id: int, actor: tuple[str, int | None], name: str, old, new, at) -> None:
    build.tables["history"].add(build.id("history"), order_id, actor[0], actor[1], name, old, new, at)


def _activity(
    build: _Build, tech: _Tech, kind: str, at: datetime, order_id=None, place=None, **extra
) -> None:
    tech.sequence += 1
    rng = build.rng
    if place is None:
        lat = lon = accuracy = address = None
    else:
        lat = place.latitude + rng.uniform(-0.0005, 0.0005)
        lon = place.longitude + rng.uniform(-0.0005, 0.0005)
        accuracy, address = rng.randint(4, 40), place.address
    build.tables["activity"].add(
        build.uuid(),
        at,
        tech.id,
        kind,
        order_id,
        tech.truck_id,
        lat,
        lon,
        accuracy,
        address,
        extra.get("notes"),
        extra.get("metadata", {}),
        tech.sequence,
    )


DEPOT = _Place(demo.DEPOT.address, demo.DEPOT.latitude, demo.DEPOT.longitude)


def _use_parts(build: _Build, tech: _Tech, order_id: int, job_type: str, at: datetime) -> None:
    rng = build.rng
    for name, fewest, most in PARTS[job_type]:
        item_id, _, minimum = build.items[name]
        key = (tech.truck_id, item_id)
        have = build.stock[key]
        take = min(rng.randint(fewest, most), have)
        if take <= 0:
            continue
        have -= take
        build.stock[key], build.stock_at[key] = have, at
        build.tables["movements"].add(
            build.id("movements"),
            tech.truck_id,
            item_id,
            MovementKind.USED_ON_JOB,
            -take,
            have,
            order_id,
            tech.id,
            "",
            ActorType.TECHNICIAN,
            tech.id,
            at,
        )
        if have < minimum or have == 0:
            build.low.add(key)


def _restock(build: _Build, keys, at: datetime, reason: str) -> None:
    standards = {item_id: standard for item_id, standard, _ in build.items.values()}
    for key in sorted(keys):
        have = build.stock[key]
        add = standards[key[1]] - have
        if add <= 0:
            continue
        build.stock[key], build.stock_at[key] = have + add, at
        build.tables["movements"].add(
            build.id("movements"),
            key[0],
            key[1],
            MovementKind.RESTOCK,
            add,
            have + add,
            None,
            None,
            reason,
            ActorType.OFFICE,
            build.office_id,
            at,
        )


def _do_job(
    build: _Build,
    tech: _Tech,
    *,
    order_id: int,
    customer: int,
    job_type: str,
    scheduled: datetime,
    steps: int,
    travel_at: datetime,
    arrive_at: datetime,
    start_at: datetime,
    done_at: datetime,
    left_at: datetime,
    pause_at: datetime | None = None,
) -> tuple[str, int, datetime | None]:
    """A technician's steps on one job, as the step services write them, up to `steps` of them.

    steps: 1 traveling, 2 on site, 3 working, 4 paused (needs pause_at), 6 completed and left.
    Returns the order's final status, version and last change.
    """
    t, place = build.tables, build.customers[customer - 1]
    actor = (ActorType.TECHNICIAN, tech.id)
    travel_id = build.id("travel")
    arrived = steps >= 2
    t["travel"].add(travel_id, order_id, tech.id, travel_at, arrive_at if arrived else None, travel_at)
    _activity(
        build, tech, ActivityType.TRAVEL_START, travel_at, order_id, metadata={"travel_log_id": travel_id}
    )
    if not arrived:
        return WorkOrderStatus.SCHEDULED, 1, None  # travel changes no field of the order
    _activity(build, tech, ActivityType.TRAVEL_END, arrive_at, order_id, place)
    _activity(build, tech, ActivityType.ARRIVED_ON_SITE, arrive_at, order_id, place)
    _change(
        build, order_id, actor, "status", WorkOrderStatus.SCHEDULED, WorkOrderStatus.IN_PROGRESS, arrive_at
    )
    if steps == 2:
        return WorkOrderStatus.IN_PROGRESS, 2, arrive_at
    _activity(build, tech, ActivityType.WORK_STARTED, start_at, order_id, place)
    if steps == 3:
        return WorkOrderStatus.IN_PROGRESS, 2, arrive_at
    if steps == 4:
        _activity(build, tech, ActivityType.WORK_PAUSED, pause_at, order_id, place)
        return WorkOrderStatus.IN_PROGRESS, 2, arrive_at
    rng = build.rng
    note = f"Completed: {rng.choice(('All cameras recording', 'Tested and handed over', 'Fault fixed'))}."
    _activity(build, tech, ActivityType.WORK_COMPLETED, done_at, order_id, place, notes=note[11:])
    t["notes"].add(build.id("notes"), order_id, tech.id, note, False, done_at, done_at)
    _change(build, order_id, actor, "status", WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.COMPLETED, done_at)
    summary = f"Visit on {scheduled.astimezone(build.tz):%b %d}: {note[11:]}"
    _change(build, order_id, actor, "full_summary", None, summary, done_at)
    _use_parts(build, tech, order_id, job_type, done_at)
    _activity(build, tech, ActivityType.LEFT_SITE, left_at, order_id, place)
    if rng.random() < 0.3:
        t["customer_history"].add(
            build.id("customer_history"), customer, order_id, summary, ActorType.TECHNICIAN, tech.id, done_at
        )
    if rng.random() < 0.08:
        alert = rng.random() < 0.25
        text = rng.choice(ALERT_NOTES if alert else EXTRA_NOTES)
        t["notes"].add(build.id("notes"), order_id, tech.id, text, alert, start_at, start_at)
        if alert:
            read = done_at < build.now - timedelta(days=2)
            t["notifications"].add(
                build.id("notifications"), order_id, Notification.Type.NOTE_ALERT, text, read, start_at
            )
    return WorkOrderStatus.COMPLETED, 4, done_at


def _write_order(
    build,
    order_id,
    customer,
    title,
    brief,
    summary,
    job_type,
    status,
    tech,
    created,
    scheduled,
    version,
    updated,
) -> None:
    build.tables["orders"].add(
        order_id,
        customer,
        title,
        brief,
        summary,
        job_type,
        status,
        tech.id if tech else None,
        build.office_id,
        created,
        scheduled,
        version,
        updated,
    )


# Today's technicians cycle through these, so the pages show every state at once.
TODAY_STATES = (
    "not_started",
    "on_shift",
    "traveling",
    "on_site",
    "working",
    "paused",
    "on_break",
    "second_traveling",
    "done",
    "cancelled_first",
)


def _add_day(build: _Build, day: date, offset: int) -> None:
    rng, t = build.rng, build.tables
    weekday = day.weekday()
    if offset > 0:
        _book_future_day(build, day)
        return
    morning = build.at(day, 6, 45)
    if build.low and morning <= build.now:
        _restock(build, build.low, morning, "Morning restock to standard")
        build.low = set()
    if offset == 0:
        _add_today(build, day)
        return
    if weekday == 6:
        return
    saturday = weekday == 5
    shift_end_hour = 13 if saturday else 16
    for tech in build.techs:
        if rng.random() < 0.04:
            continue  # a day off
        clock_in = build.at(day, 7, rng.randint(0, 10))
        clock_out = build.at(day, shift_end_hour, rng.randint(0, 20))
        _activity(build, tech, ActivityType.SHIFT_START, clock_in, None, DEPOT)
        free_at = clock_in  # each step starts after the one before: sequence follows time
        slots = ((8, 0),) if saturday else ((rng.choice((8, 9)), rng.choice((0, 30))), (12, 30))
        for hour, minute in slots:
            scheduled = build.at(day, hour, minute)
            job_type = rng.choices(JOB_TYPES, JOB_WEIGHTS)[0]
            customer = rng.randint(1, len(build.customers))
            created = scheduled - timedelta(days=rng.randint(1, 21), minutes=rng.randint(0, 600))
            order_id, title, brief = _order(
                build, customer=customer, tech=tech, scheduled=scheduled, created=created, job_type=job_type
            )
            if rng.random() < 0.04:
                cancelled = scheduled - timedelta(hours=rng.randint(2, 48))
                reason = "Customer rescheduled"
                _change(
                    build,
                    order_id,
                    (ActorType.OFFICE, build.office_id),
                    "status",
                    WorkOrderStatus.SCHEDULED,
                    WorkOrderStatus.CANCELLED,
                    cancelled,
                )
                t["notes"].add(
                    build.id("notes"), order_id, None, f"Cancelled: {reason}", False, cancelled, cancelled
                )
                _write_order(
                    build,
                    order_id,
                    customer,
                    title,
                    brief,
                    None,
                    job_type,
                    WorkOrderStatus.CANCELLED,
                    tech,
                    created,
                    scheduled,
                    2,
                    cancelled,
                )
                continue
            travel = scheduled - timedelta(minutes=rng.randint(20, 45))
            if travel - free_at >= timedelta(minutes=50) and free_at > clock_in:
                _activity(build, tech, ActivityType.BREAK_START, free_at + timedelta(minutes=5), None, DEPOT)
                _activity(build, tech, ActivityType.BREAK_END, free_at + timedelta(minutes=35), None, DEPOT)
            travel = max(travel, free_at + timedelta(minutes=40 if free_at > clock_in else 5))
            arrive = max(scheduled + timedelta(minutes=rng.randint(-10, 15)), travel + timedelta(minutes=15))
            start = arrive + timedelta(minutes=rng.randint(3, 10))
            minutes = JOB_MINUTES[job_type] + rng.randint(-20, 30)
            done = start + timedelta(minutes=min(minutes, 90) if saturday else minutes)
            free_at = done + timedelta(minutes=rng.randint(2, 10))
            status, version, updated = _do_job(
                build,
                tech,
                order_id=order_id,
                customer=customer,
                job_type=job_type,
                scheduled=scheduled,
                steps=6,
                travel_at=travel,
                arrive_at=arrive,
                start_at=start,
                done_at=done,
                left_at=free_at,
            )
            summary = f"Visit on {scheduled.astimezone(build.tz):%b %d}: done."
            _write_order(
                build,
                order_id,
                customer,
                title,
                brief,
                summary,
                job_type,
                status,
                tech,
                created,
                scheduled,
                version,
                updated,
            )
        clock_out = max(clock_out, free_at + timedelta(minutes=20))
        t["clock"].add(build.id("clock"), tech.id, tech.truck_id, clock_in, clock_out, clock_in)
        _activity(build, tech, ActivityType.SHIFT_END, clock_out, None, DEPOT)
        if rng.random() < 0.03:
            _message(build, tech, clock_in - timedelta(hours=rng.randint(1, 12)), read=True)
    if rng.random() < 0.5:
        _add_call_block(build, day)


def _message(build: _Build, tech: _Tech, at: datetime, *, read: bool) -> None:
    rng = build.rng
    priority = rng.choices((Priority.NORMAL, Priority.HIGH, Priority.URGENT), (80, 15, 5))[0]
    build.tables["messages"].add(
        build.id("messages"), tech.id, None, rng.choice(OFFICE_MESSAGES), priority, read, at
    )


def _add_call_block(build: _Build, day: date) -> None:
    """Calls and messages with customers on a day: a few per technician-week."""
    rng, t = build.rng, build.tables
    for _ in range(max(1, len(build.techs) // 4)):
        at = build.at(day, rng.randint(8, 16), rng.randint(0, 59))
        if at > build.now:
            continue
        customer = rng.randint(1, len(build.customers))
        message_id = build.uuid()
        phone = rng.random() < 0.7
        direction = rng.choice((Direction.INBOUND, Direction.OUTBOUND))
        channel = Channel.PHONE if phone else rng.choice((Channel.SMS, Channel.EMAIL))
        body = "Asked about the next visit." if phone else "Thanks, see you on the day."
        t["communications"].add(
            message_id, channel, direction, customer, None, None, build.uuid(), "", body, at, at, at
        )
        if phone:
            outcome = rng.choice((CallOutcome.ANSWERED, CallOutcome.ANSWERED, CallOutcome.VOICEMAIL_LEFT))
            call_type = CallType.INBOUND if direction == Direction.INBOUND else CallType.OUTBOUND
            t["calls"].add(
                build.uuid(), message_id, call_type, rng.randint(20, 900), rng.randint(0, 120), outcome
            )


def _book_future_day(build: _Build, day: date) -> None:
    rng = build.rng
    if day.weekday() == 6:
        return
    slots = ((8, 0),) if day.weekday() == 5 else ((8, 30), (12, 30))
    for tech in build.techs:
        for hour, minute in slots:
            scheduled = build.at(day, hour, minute)
            job_type = rng.choices(JOB_TYPES, JOB_WEIGHTS)[0]
            customer = rng.randint(1, len(build.customers))
            created = build.now - timedelta(days=rng.randint(0, 10), minutes=rng.randint(1, 600))
            order_id, title, brief = _order(
                build, customer=customer, tech=tech, scheduled=scheduled, created=created, job_type=job_type
            )
            _write_order(
                build,
                order_id,
                customer,
                title,
                brief,
                None,
                job_type,
                WorkOrderStatus.SCHEDULED,
                tech,
                created,
                scheduled,
                1,
                created,
            )


def _add_unassigned(build: _Build) -> None:
    """Open orders nobody has taken yet: the board's tray (a few per ten technicians)."""
    rng = build.rng
    for index in range(max(3, len(build.techs) // 10)):
        customer = rng.randint(1, len(build.customers))
        created = build.now - timedelta(hours=rng.randint(1, 72))
        scheduled = None if index % 2 else build.at(build.today + timedelta(days=index % 5), 10)
        job_type = rng.choices(JOB_TYPES, JOB_WEIGHTS)[0]
        order_id, title, brief = _order(
            build, customer=customer, tech=None, scheduled=scheduled, created=created, job_type=job_type
        )
        _write_order(
            build,
            order_id,
            customer,
            title,
            brief,
            None,
            job_type,
            WorkOrderStatus.PENDING,
            None,
            created,
            scheduled,
            1,
            created,
        )


def _add_today(build: _Build, day: date) -> None:
    """Today so far: each technician is in one of TODAY_STATES, every step before `now`."""
    rng, t, now = build.rng, build.tables, build.now
    day_start = build.at(day, 0)
    day_end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=build.tz).astimezone(UTC)
    # Offsets are minutes before now, scaled down when now is early in the day.
    room = (now - day_start).total_seconds() / 60 - 2
    scale = max(0.0, min(1.0, room / 400))

    def ago(minutes: float) -> datetime:
        return now - timedelta(minutes=minutes * scale + 1)

    def ahead(minutes: int) -> datetime:
        return min(now + timedelta(minutes=minutes), day_end - timedelta(minutes=5))

    for index, tech in enumerate(build.techs):
        state = TODAY_STATES[index % len(TODAY_STATES)]
        jobs: list[tuple[datetime, str]] = []  # (scheduled, what happens)
        plans = {
            "not_started": [(ago(30), "late"), (ahead(180), "booked")],
            "on_shift": [(ahead(60), "booked"), (ahead(240), "booked")],
            "traveling": [(ahead(20), "traveling"), (ahead(200), "booked")],
            "on_site": [(ago(30), "on_site"), (ahead(200), "booked")],
            "working": [(ago(60), "working"), (ahead(200), "booked")],
            "paused": [(ago(90), "paused"), (ahead(200), "booked")],
            "on_break": [(ago(300), "done"), (ahead(120), "booked")],
            "second_traveling": [(ago(300), "done"), (ahead(15), "traveling")],
            "done": [(ago(330), "done"), (ago(140), "done")],
            "cancelled_first": [(ago(200), "cancelled"), (ahead(90), "booked")],
        }
        jobs = plans[state]
        clocked = state != "not_started"
        if clocked:
            clock_in = ago(380)
            clock_out = ago(5) if state == "done" else None
            t["clock"].add(build.id("clock"), tech.id, tech.truck_id, clock_in, clock_out, clock_in)
            _activity(build, tech, ActivityType.SHIFT_START, clock_in, None, DEPOT)
        for number, (scheduled, what) in enumerate(jobs):
            job_type = rng.choices(JOB_TYPES, JOB_WEIGHTS)[0]
            customer = rng.randint(1, len(build.customers))
            created = min(scheduled, now) - timedelta(days=rng.randint(1, 10))
            order_id, title, brief = _order(
                build, customer=customer, tech=tech, scheduled=scheduled, created=created, job_type=job_type
            )
            status, version, updated, summary = WorkOrderStatus.SCHEDULED, 1, created, None
            if what == "cancelled":
                at = ago(360)
                _change(
                    build,
                    order_id,
                    (ActorType.OFFICE, build.office_id),
                    "status",
                    WorkOrderStatus.SCHEDULED,
                    WorkOrderStatus.CANCELLED,
                    at,
                )
                t["notes"].add(
                    build.id("notes"), order_id, None, "Cancelled: site closed today", False, at, at
                )
                status, version, updated = WorkOrderStatus.CANCELLED, 2, at
            elif what in ("traveling", "on_site", "working", "paused", "done"):
                if what == "done":
                    base = 330 if number == 0 else 140
                    times = dict(
                        travel_at=ago(base + 30),
                        arrive_at=ago(base),
                        start_at=ago(base - 5),
                        done_at=ago(base - 90),
                        left_at=ago(base - 95),
                    )
                else:
                    times = dict(
                        travel_at=ago(120 if what != "traveling" else 10),
                        arrive_at=ago(90),
                        start_at=ago(80),
                        done_at=ago(1),
                        left_at=ago(1),
                        pause_at=ago(10),
                    )
                steps = {"traveling": 1, "on_site": 2, "working": 3, "paused": 4, "done": 6}[what]
                status, version, updated = _do_job(
                    build,
                    tech,
                    order_id=order_id,
                    customer=customer,
                    job_type=job_type,
                    scheduled=scheduled,
                    steps=steps,
                    **times,
                )
                updated = updated or created
                if status == WorkOrderStatus.COMPLETED:
                    summary = f"Visit on {scheduled.astimezone(build.tz):%b %d}: done."
            _write_order(
                build,
                order_id,
                customer,
                title,
                brief,
                summary,
                job_type,
                status,
                tech,
                created,
                scheduled,
                version,
                updated,
            )
        if state == "on_break":
            _activity(build, tech, ActivityType.BREAK_START, ago(20), None, DEPOT)
        if state == "done":
            _activity(build, tech, ActivityType.SHIFT_END, ago(5), None, DEPOT)
        if index % 7 == 0:
            _message(build, tech, ago(rng.randint(30, 300)), read=False)
        if state == "traveling" and index % 20 == 2:
            t["notifications"].add(
                build.id("notifications"),
                None,
                Notification.Type.RUNNING_LATE,
                f"Technician #{tech.id} is running late",
                False,
                ago(8),
            )
    _add_call_block(build, day)


def _add_stock_rows(build: _Build) -> None:
    """The trucks' stock: what their ledger adds up to."""
    t = build.tables
    # A recount on some trucks: an adjustment with a reason, as the office page records one.
    cable_id = build.items["Cat6 Cable"][0]
    for tech in build.techs[::25]:
        key = (tech.truck_id, cable_id)
        if build.stock.get(key, 0) >= 10:
            at = build.stock_at[key] + timedelta(minutes=30)
            if at < build.now:
                build.stock[key] -= 10
                build.stock_at[key] = at
                t["movements"].add(
                    build.id("movements"),
                    key[0],
                    key[1],
                    MovementKind.ADJUSTMENT,
                    -10,
                    build.stock[key],
                    None,
                    None,
                    "Recount: offcuts too short to use",
                    ActorType.OFFICE,
                    build.office_id,
                    at,
                )
    for key in sorted(build.stock):
        t["stock"].add(
            build.id("stock"), key[0], key[1], build.stock[key], build.stock_at.get(key, build.now)
        )
    for key in sorted(build.low):
        item_id = key[1]
        name = next(n for n, (i, _, _) in build.items.items() if i == item_id)
        if build.rng.random() < 0.2:
            t["notifications"].add(
                build.id("notifications"),
                None,
                Notification.Type.LOW_STOCK,
                f"Truck #{key[0]} is low on {name}",
                False,
                build.stock_at[key],
            )


def _add_company_events(build: _Build, days: int) -> None:
    rng, t = build.rng, build.tables
    for _ in range(days * 8):
        at = build.now - timedelta(minutes=rng.randint(1, days * 1440))
        event_type, category, severity, title = rng.choice(EVENTS)
        resolved = at + timedelta(minutes=rng.randint(5, 240))
        if resolved >= build.now:
            resolved = None
        t["events"].add(
            build.uuid(),
            at,
            event_type,
            category,
            severity,
            "monitoring",
            title,
            None,
            {},
            resolved,
            build.admin_id if resolved else None,
        )
    # Status-change notices the office has read, spread over the period.
    for _ in range(days * max(1, len(build.techs) // 10)):
        at = build.now - timedelta(minutes=rng.randint(60, days * 1440))
        order_id = rng.randint(1, build.next_id["orders"])
        t["notifications"].add(
            build.id("notifications"),
            order_id,
            Notification.Type.STATUS_CHANGE,
            f"Work order #{order_id} changed status",
            True,
            at,
        )
