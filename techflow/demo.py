"""The demo company: the seed's demo data, built relative to one day in the company's zone.

The seed (seeds/01-database-setup-and-schema.md, "Demo Data") fixes the counts: 5 trucks
(office truck 1, service trucks 201-204), 4 technicians, 17 inventory items, 8 customers,
120 work orders (2 per technician per day from 7 days ago to 7 days ahead), standard
truck stock, shifts of 7-16 on weekdays and 7-13 at weekends, travel logged from 30
minutes before each job. The trucks start the week at the standard stock; the parts the
past week's completed jobs used, and the morning restocks they called for, are in the
stock ledger, so today's stock is what a real week leaves. Everything else here
(addresses, job texts, notes, calls, parts used) is made up to be plausible for a
security-camera installer, and is drawn from a seeded random.Random so that the same
day and time always give the same data.

The seed's inventory list names 16 items under a total of 17; the 17th added here is the
"Network Video Recorder (NVR)" in Cameras: every camera system records to one, and an
installer carries spares for new installations and swaps.
"""

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from dispatch.access import OFFICE_GROUP, TECHNICIAN_GROUP
from dispatch.db import archive_table
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
from dispatch.services import Actor, work_order_snapshot
from fieldops.models import (
    ActivityType,
    ClockRecord,
    EventCategory,
    OperationalEvent,
    Severity,
    TechnicianActivity,
    TravelLog,
    VoiceAgentInteraction,
    VoiceAgentSession,
)
from inventory.models import (
    STANDARD_QUANTITY_BY_CATEGORY,
    InventoryItem,
    MovementKind,
    StockMovement,
    Truck,
    TruckInventory,
)
from inventory.services import minimum_quantity_for
from techflow.hashers import demo_hasher

DEFAULT_PASSWORD = "techflow-demo"
TECHFLOW_APPS = ("dispatch", "inventory", "fieldops")
SEED = 20251205
DAYS_BACK = 7
DAYS_AHEAD = 7
ORDERS_PER_TECHNICIAN_PER_DAY = 2
TRAVEL_MINUTES = 30

Category = InventoryItem.Category

# ---------------------------------------------------------------------------------------
# Fixed data
# ---------------------------------------------------------------------------------------

OFFICE_TRUCK = (Truck.OFFICE_TRUCK_ID, "Office Truck")
SERVICE_TRUCK_IDS = (201, 202, 203, 204)

# The seed's "standard quantities" on every service truck (cables in feet); the office
# truck carries none.
STANDARD_QUANTITY = STANDARD_QUANTITY_BY_CATEGORY

# (name, category, unit, description)
INVENTORY_ITEMS = (
    ("IP Dome Camera", Category.CAMERAS, "unit", "4 MP vandal-resistant IP dome, PoE, IR to 30 m"),
    ("Bullet Camera", Category.CAMERAS, "unit", "4 MP outdoor IP bullet, PoE, IR to 50 m, IP67"),
    ("Analog Camera", Category.CAMERAS, "unit", "1080p HD-TVI/AHD analog bullet, 12V, BNC out"),
    ("PTZ Camera", Category.CAMERAS, "unit", "2 MP PTZ, 25x optical zoom, PoE+, pendant mount"),
    # The seed lists 16 items but counts 17: this is the one added (see the module docstring).
    (
        "Network Video Recorder (NVR)",
        Category.CAMERAS,
        "unit",
        "16-channel NVR with 16 PoE ports, 4 TB surveillance drive",
    ),
    ("Cat6 Cable", Category.CABLES, "ft", "Cat6 UTP, 23 AWG solid copper, CMR riser rated"),
    ("RG59 Siamese Cable", Category.CABLES, "ft", "RG59 coax with 18/2 power pair, for analog cameras"),
    ("Shielded Cat6 Cable", Category.CABLES, "ft", "Cat6 F/UTP, outdoor direct-burial rated"),
    ("RJ45 Connector", Category.CONNECTORS, "unit", "Cat6 pass-through RJ45 plug"),
    ("BNC Connector", Category.CONNECTORS, "unit", "RG59 compression BNC connector"),
    ("Crimpers", Category.TOOLS, "unit", "RJ45 pass-through crimp tool"),
    ("Cable Tester", Category.TOOLS, "unit", "Network and coax cable tester with remote"),
    ("Fish Tape", Category.TOOLS, "unit", "50 ft steel fish tape"),
    ("Drill Kit", Category.TOOLS, "unit", "Cordless hammer drill with masonry and spade bits"),
    ("12V Power Supply", Category.POWER_SUPPLIES, "unit", "12V DC 2A camera power adapter"),
    ("PoE Injector", Category.POWER_SUPPLIES, "unit", "802.3at PoE+ injector, 30 W"),
    ("PoE Switch", Category.POWER_SUPPLIES, "unit", "8-port PoE+ switch, 120 W budget"),
)


@dataclass(frozen=True)
class DemoTechnician:
    name: str
    phone: str
    username: str
    truck_id: int


TECHNICIANS = (
    DemoTechnician("Mike Johnson", "(212) 555-0141", "mike", 201),
    DemoTechnician("Sarah Williams", "(212) 555-0142", "sarah", 202),
    DemoTechnician("David Chen", "(212) 555-0143", "david", 203),
    DemoTechnician("Alex Rodriguez", "(212) 555-0144", "alex", 204),
)


@dataclass(frozen=True)
class Place:
    address: str
    latitude: float
    longitude: float


@dataclass(frozen=True)
class DemoCustomer:
    name: str
    place: Place
    phone: str
    email: str
    window: tuple[time, time]  # preferred_schedule_start, preferred_schedule_end
    areas: tuple[str, ...]  # where on site the cameras are, for job texts
    is_new: bool = False

    def prefers(self, at: time) -> bool:
        return self.window[0] <= at < self.window[1]


CUSTOMERS = (
    DemoCustomer(
        "City Bank",
        Place("120 Broadway, New York, NY 10271", 40.708600, -74.011000),
        "(212) 555-0110",
        "facilities@citybank.example",
        (time(8), time(16)),
        ("lobby", "ATM vestibule", "drive-through lane", "vault corridor"),
    ),
    DemoCustomer(
        "Retail Mall Corp",
        Place("90-15 Queens Boulevard, Elmhurst, NY 11373", 40.734700, -73.869600),
        "(718) 555-0111",
        "security@retailmall.example",
        (time(8), time(11)),  # before the stores open
        ("north parking garage", "food court", "main entrance", "loading dock"),
    ),
    DemoCustomer(
        "School District",
        Place("52 Chambers Street, New York, NY 10007", 40.713500, -74.005400),
        "(212) 555-0112",
        "operations@schooldistrict.example",
        (time(12), time(16)),
        ("bus loop", "gym entrance", "main hallway", "staff parking lot"),
    ),
    DemoCustomer(
        "Local Restaurant",
        Place("318 Court Street, Brooklyn, NY 11231", 40.682900, -73.995700),
        "(718) 555-0113",
        "owner@localrestaurant.example",
        (time(8), time(11)),  # before lunch service
        ("back door", "dining room", "register", "alley"),
    ),
    DemoCustomer(
        "Office Complex",
        Place("1 Harborside Plaza, Jersey City, NJ 07311", 40.719000, -74.034000),
        "(201) 555-0114",
        "building.manager@officecomplex.example",
        (time(8), time(16)),
        ("reception desk", "loading dock", "parking deck", "elevator lobby"),
    ),
    DemoCustomer(
        "Gas Station Chain",
        Place("2150 Hylan Boulevard, Staten Island, NY 10306", 40.578000, -74.102000),
        "(718) 555-0115",
        "maintenance@gasstationchain.example",
        (time(8), time(16)),
        ("pump islands", "store register", "air pump", "back lot"),
    ),
    DemoCustomer(
        "Medical Center",
        Place("1500 Pelham Parkway South, Bronx, NY 10461", 40.857000, -73.846000),
        "(718) 555-0116",
        "security.office@medicalcenter.example",
        (time(9), time(15)),
        ("emergency entrance", "pharmacy", "ambulance bay", "visitor parking"),
    ),
    DemoCustomer(
        "Apartment Complex",
        Place("35-20 Leavitt Street, Flushing, NY 11354", 40.764000, -73.830000),
        "(718) 555-0117",
        "super@apartmentcomplex.example",
        (time(10), time(16)),
        ("mail room", "front gate", "garage", "laundry room"),
        is_new=True,
    ),
)

DEPOT = Place("TechFlow depot, 47-20 Vernon Boulevard, Long Island City, NY 11101", 40.744000, -73.953000)

# Shifts (seed: 7 AM - 4 PM weekdays, 7 AM - 1 PM weekends) and the job slots inside them.
# Weekend jobs start at 8:00 and 10:30 so that both fit the shorter shift.
WEEKDAY_SHIFT = (time(7), time(16))
WEEKEND_SHIFT = (time(7), time(13))
WEEKDAY_FIRST_SLOTS = (time(8), time(8, 30), time(9))
WEEKDAY_SECOND_SLOTS = (time(12, 30), time(13))
WEEKEND_SLOTS = (time(8), time(10, 30))
WEEKEND_MAX_MINUTES = 90

JOB_MINUTES = {JobType.INSTALLATION: 150, JobType.UPGRADE: 120, JobType.MAINTENANCE: 75, JobType.REPAIR: 90}
JOB_WEIGHTS = {JobType.INSTALLATION: 20, JobType.UPGRADE: 20, JobType.MAINTENANCE: 35, JobType.REPAIR: 25}

# (title, brief_description, full_summary); {area} is a place on the customer's site.
JOB_TEXTS = {
    JobType.INSTALLATION: (
        (
            "Install IP dome cameras: {area}",
            "Mount and cable {n} IP dome cameras covering the {area}, run Cat6 back to the NVR "
            "and add them to the recording schedule.",
            "Installed {n} IP dome cameras covering the {area}. Ran Cat6 to the PoE switch, added "
            "the cameras to the NVR, set motion zones and walked the customer through playback.",
        ),
        (
            "Install PTZ camera: {area}",
            "Mount a PTZ camera on a pole bracket to cover the {area}; run shielded Cat6 and "
            "program patrol presets.",
            "Mounted the PTZ camera over the {area}, ran shielded Cat6 with a drip loop, programmed "
            "four presets and a patrol tour, and checked the feed on the NVR.",
        ),
        (
            "New camera system: {area}",
            "Install {n} bullet cameras and a new NVR for the {area}; the customer wants 30 days "
            "of retention.",
            "Installed {n} bullet cameras and the NVR for the {area}, sized storage for 30 days of "
            "retention and set up remote viewing on the manager's phone.",
        ),
    ),
    JobType.UPGRADE: (
        (
            "Replace analog cameras with IP: {area}",
            "Swap the analog cameras at the {area} for IP bullets; reuse the RG59 runs with baluns "
            "where they test good, otherwise pull new Cat6.",
            "Replaced the analog cameras at the {area} with IP bullets. Two runs pulled new in Cat6, "
            "the rest reuse RG59 with baluns. Old DVR removed and handed to the customer.",
        ),
        (
            "NVR upgrade: {area}",
            "Replace the recorder serving the {area} with a 16-channel NVR and migrate the camera "
            "channels and schedules.",
            "Installed the new NVR, migrated every channel and schedule, and exported the last 7 days "
            "from the old recorder for the customer.",
        ),
        (
            "PoE switch upgrade: {area}",
            "Replace the PoE injectors at the {area} with a managed PoE switch and label the ports.",
            "Replaced the injectors with a managed PoE switch, labelled every port and confirmed all "
            "cameras at the {area} came back online.",
        ),
    ),
    JobType.MAINTENANCE: (
        (
            "Quarterly maintenance: {area}",
            "Clean lenses and housings, check focus and night vision, verify recording and "
            "retention for the {area}.",
            "Cleaned lenses and housings at the {area}, refocused two cameras, confirmed night "
            "vision and retention. No faults found.",
        ),
        (
            "Firmware and health check: {area}",
            "Update camera and NVR firmware, check drive health and time sync for the {area}.",
            "Updated firmware on the cameras and the NVR; drives healthy; NTP time sync corrected "
            "by 4 minutes.",
        ),
        (
            "Annual inspection: {area}",
            "Inspect mounts, cabling and weatherproofing at the {area}; test the power supplies under load.",
            "Inspected mounts and cabling at the {area}, resealed one junction box, tested the 12V "
            "supplies under load: all within spec.",
        ),
    ),
    JobType.REPAIR: (
        (
            "Camera offline: {area}",
            "The camera covering the {area} shows no video on the NVR since yesterday; check power "
            "and cabling.",
            "Found a failed PoE port feeding the camera at the {area}; moved it to a spare port and "
            "tested the cable end to end. Camera back online.",
        ),
        (
            "Washed-out night video: {area}",
            "Night footage from the {area} is washed out; check the IR illuminator and the lens.",
            "The IR illuminator on the camera at the {area} had failed; replaced the camera under "
            "warranty and tilted it to avoid glare from the lights.",
        ),
        (
            "Recording gaps: {area}",
            "The customer reports gaps in recorded footage from the {area}; check the NVR schedule "
            "and drives.",
            "The motion schedule had been set to weekdays only; set continuous recording for the "
            "{area} and confirmed no drive errors.",
        ),
        (
            "Fogged camera after storm: {area}",
            "The camera at the {area} fogged up after the storm; check the housing seal and the connector.",
            "Replaced the fogged camera at the {area}, added a weatherproof boot on the RJ45 and "
            "resealed the junction box.",
        ),
    ),
}

# Past jobs that did not end in "completed", by (day offset, technician index, slot).
CANCELLED = {(-6, 2, 1), (-3, 0, 0)}
NO_ACCESS = {(-1, 3, 1)}
# Notes the technician flagged for the office (alert_office=True), by the same key.
ALERT_NOTES = {
    (-1, 3, 1): "No one on site to open the server room; waited 20 minutes and left a card. "
    "Please call the customer to reschedule.",
    (-2, 1, 0): "NVR drive 2 reports SMART errors. The recorder still records to drive 1; please order "
    "a replacement 4 TB surveillance drive.",
    (-4, 0, 1): "Customer wants a quote for two more PTZ cameras covering the rear lot. Ask for the "
    "facilities manager.",
    (-6, 3, 0): "The mounting point over the entrance is 22 ft up and our ladder does not reach. Next "
    "visit needs a lift.",
}
NOTES = (
    "Cleaned all dome covers; camera 4 had spider webs triggering motion alerts.",
    "Re-terminated the RJ45 on the parking-lot camera; link is stable at 100 Mbps now.",
    "Customer asked for 24/7 recording on the entrance cameras. Done.",
    "Lowered the IR on the back-door camera; it was washing out the loading area at night.",
    "Replaced a corroded BNC connector on the analog camera by the dumpsters.",
    "Camera and NVR time now synced to NTP; it was 4 minutes off.",
    "Left two spare RJ45 boots with the facilities manager.",
    "Tested the UPS under the NVR: battery test passed.",
)
NORMAL_NOTE_COUNT = 8


# ---------------------------------------------------------------------------------------
# What exists
# ---------------------------------------------------------------------------------------


def demo_usernames() -> list[str]:
    return ["admin", "office", *(t.username for t in TECHNICIANS)]


def techflow_models() -> Iterator[type[models.Model]]:
    """Every model whose rows are TechFlow data (the three apps), M2M tables included."""
    for label in TECHFLOW_APPS:
        for model in apps.get_app_config(label).get_models(include_auto_created=True):
            if model._meta.managed and not model._meta.proxy:
                yield model


def techflow_has_data() -> bool:
    return any(model._base_manager.exists() for model in techflow_models())


def demo_is_loaded() -> bool:
    """The demo's own office truck and technicians, with their logins, are there."""
    office_truck = Truck.objects.filter(pk=OFFICE_TRUCK[0], name=OFFICE_TRUCK[1], is_office_truck=True)
    technicians = Technician.objects.filter(
        name__in=[t.name for t in TECHNICIANS], user__username__in=[t.username for t in TECHNICIANS]
    )
    return office_truck.exists() and technicians.count() == len(TECHNICIANS)


def existing_demo_usernames() -> list[str]:
    return sorted(
        get_user_model().objects.filter(username__in=demo_usernames()).values_list("username", flat=True)
    )


@transaction.atomic
def wipe_techflow_data() -> None:
    """Delete every row of the TechFlow tables and the demo logins; ids start again at 1."""
    live = {model._meta.db_table for model in techflow_models()}
    # The retention archive (techflow/0001) is TechFlow data too.
    archive = {archive_table(model) for model in techflow_models()} & set(
        connection.introspection.table_names()
    )
    tables = sorted(live | archive)
    # Rows inserted earlier in this transaction leave deferred foreign-key checks pending,
    # and PostgreSQL refuses to TRUNCATE a table with pending trigger events.
    connection.check_constraints()
    connection.ops.execute_sql_flush(connection.ops.sql_flush(no_style(), tables, reset_sequences=True))
    get_user_model().objects.filter(username__in=demo_usernames()).delete()


# ---------------------------------------------------------------------------------------
# Building
# ---------------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    today: date
    counts: dict[str, int]
    logins: list[tuple[str, str]]  # (username, role)


@dataclass
class _Visit:
    """One planned work order."""

    offset: int  # days from today
    day: date
    tech: int  # index into TECHNICIANS
    slot: int  # 0 morning, 1 afternoon
    at: datetime  # scheduled_for, aware in the company zone
    customer: int  # index into CUSTOMERS
    job_type: str
    title: str
    brief: str
    summary: str
    minutes: int  # time on site
    arrive_early: int  # minutes between arrival and scheduled start
    created_at: datetime
    order: WorkOrder | None = None
    # The tracked fields as first booked, for the history rows work_order_create would write.
    booked: dict[str, str | None] = field(default_factory=dict)

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.offset, self.tech, self.slot)


@dataclass
class _Build:
    today: date
    now: datetime
    tz: tzinfo
    rng: random.Random
    ids: random.Random
    users: dict[str, AbstractUser] = field(default_factory=dict)
    trucks: dict[int, Truck] = field(default_factory=dict)
    technicians: list[Technician] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    visits: list[_Visit] = field(default_factory=list)
    history: list[WorkOrderHistory] = field(default_factory=list)
    customer_history: list[CustomerHistory] = field(default_factory=list)
    clock_records: list[ClockRecord] = field(default_factory=list)
    travel_logs: list[TravelLog] = field(default_factory=list)
    activities: list[TechnicianActivity] = field(default_factory=list)
    notes: list[WorkOrderNote] = field(default_factory=list)
    notifications: list[Notification] = field(default_factory=list)
    # Travel activities and their log: the log's id goes into the activity's metadata.
    travel_links: list[tuple[TechnicianActivity, TravelLog]] = field(default_factory=list)

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.tz)

    def before_now(self, at: datetime, *, margin: timedelta = timedelta(minutes=1)) -> datetime:
        """`at`, or just before now if `at` has not happened yet: nothing is recorded in the future."""
        return min(at, self.now - margin)

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.ids.getrandbits(128), version=4)

    def office_actor(self) -> Actor:
        return Actor(ActorType.OFFICE, self.users["office"].pk)

    def technician_actor(self, index: int) -> Actor:
        return Actor(ActorType.TECHNICIAN, self.technicians[index].pk)

    def truck_of(self, index: int) -> Truck:
        return self.trucks[TECHNICIANS[index].truck_id]


@transaction.atomic
def load_demo(*, today: date, password: str = DEFAULT_PASSWORD, now: datetime | None = None) -> DemoSummary:
    """Load the demo company into an empty database, relative to `today` in the company zone."""
    now = now or timezone.now()
    build = _Build(
        today=today,
        now=now,
        tz=timezone.get_default_timezone(),
        rng=random.Random(SEED),
        ids=random.Random(SEED + 1),
    )
    _add_users(build, password)
    _add_trucks_and_stock(build)
    _add_technicians_and_customers(build)
    _plan_visits(build)
    _add_work_orders(build)
    for visit in build.visits:
        if visit.offset < 0:
            _record_past_visit(build, visit)
    _add_shifts(build)
    _add_today_so_far(build)
    _add_parts_used(build)
    _add_notes(build)
    _save_field_records(build)
    _add_manual_notifications(build)
    _add_communications(build)
    _add_operational_events(build)
    _add_voice_session(build)
    return DemoSummary(today=today, counts=demo_counts(), logins=demo_logins())


def demo_counts() -> dict[str, int]:
    return {
        "trucks": Truck.objects.count(),
        "technicians": Technician.objects.count(),
        "inventory items": InventoryItem.objects.count(),
        "customers": Customer.objects.count(),
        "work orders": WorkOrder.objects.count(),
    }


def demo_logins() -> list[tuple[str, str]]:
    return [
        ("admin", "superuser: /admin/"),
        ("office", "office staff: /office/"),
        *((t.username, f"technician {t.name}: /tech/") for t in TECHNICIANS),
    ]


def _add_users(build: _Build, password: str) -> None:
    user_model = get_user_model()
    people = [
        ("admin", "Ada", "Admin", True),
        ("office", "Olivia", "Martinez", False),
        *((t.username, *t.name.split(" ", 1), False) for t in TECHNICIANS),
    ]
    users = [
        user_model(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@techflow.example",
            is_staff=superuser,
            is_superuser=superuser,
            password=make_password(password, hasher=demo_hasher()),
            date_joined=build.now - timedelta(days=400),
        )
        for username, first, last, superuser in people
    ]
    user_model.objects.bulk_create(users)
    build.users = {user.username: user for user in users}
    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    technicians, _ = Group.objects.get_or_create(name=TECHNICIAN_GROUP)
    office.user_set.add(build.users["office"])
    technicians.user_set.add(*(build.users[t.username] for t in TECHNICIANS))


def _add_trucks_and_stock(build: _Build) -> None:
    bought = build.now - timedelta(days=730)
    trucks = [Truck(id=OFFICE_TRUCK[0], name=OFFICE_TRUCK[1], is_office_truck=True, created_at=bought)]
    trucks += [
        Truck(id=number, name=f"Service Truck {number}", created_at=bought) for number in SERVICE_TRUCK_IDS
    ]
    Truck.objects.bulk_create(trucks)
    # Explicit ids leave PostgreSQL's sequence at 1; move it past them so the next truck fits.
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Truck]):
            cursor.execute(sql)
    build.trucks = {truck.pk: truck for truck in trucks}

    items = [
        InventoryItem(
            name=name,
            category=category,
            unit=unit,
            description=description,
            standard_quantity=STANDARD_QUANTITY[category],
            minimum_quantity=minimum_quantity_for(category),
            created_at=bought,
        )
        for name, category, unit, description in INVENTORY_ITEMS
    ]
    InventoryItem.objects.bulk_create(items)
    TruckInventory.objects.bulk_create(
        TruckInventory(truck=build.trucks[number], item=item, quantity=STANDARD_QUANTITY[item.category])
        for number in SERVICE_TRUCK_IDS
        for item in items
    )
    # The ledger explains every unit on a truck: the trucks were stocked from the warehouse.
    stocked = build.now - timedelta(days=DAYS_BACK + 1)
    StockMovement.objects.bulk_create(
        StockMovement(
            truck=build.trucks[number],
            item=item,
            kind=MovementKind.RESTOCK,
            quantity_change=STANDARD_QUANTITY[item.category],
            quantity_after=STANDARD_QUANTITY[item.category],
            reason="Stocked to standard",
            created_by_type=Actor.system().type,
            created_at=stocked,
        )
        for number in SERVICE_TRUCK_IDS
        for item in items
    )


# Parts a completed job took from its technician's truck, by the job title's first part:
# (item, fewest, most); a draw of 0 means the job used none of that item.
PARTS_USED = {
    "Install IP dome cameras": (("IP Dome Camera", 2, 4), ("Cat6 Cable", 120, 300), ("RJ45 Connector", 4, 8)),
    "Install PTZ camera": (
        ("PTZ Camera", 1, 1),
        ("Shielded Cat6 Cable", 80, 200),
        ("RJ45 Connector", 2, 2),
        ("PoE Injector", 1, 1),
    ),
    "New camera system": (
        ("Bullet Camera", 2, 4),
        ("Network Video Recorder (NVR)", 1, 1),
        ("Cat6 Cable", 150, 300),
        ("RJ45 Connector", 4, 8),
    ),
    "Replace analog cameras with IP": (
        ("Bullet Camera", 2, 3),
        ("Cat6 Cable", 60, 150),
        ("RJ45 Connector", 4, 6),
        ("BNC Connector", 2, 4),
    ),
    "NVR upgrade": (("Network Video Recorder (NVR)", 1, 1),),
    "PoE switch upgrade": (("PoE Switch", 1, 1), ("RJ45 Connector", 4, 8)),
    "Quarterly maintenance": (("RJ45 Connector", 0, 2),),
    "Annual inspection": (("12V Power Supply", 0, 1),),
    "Camera offline": (("RJ45 Connector", 2, 2), ("Cat6 Cable", 0, 50)),
    "Washed-out night video": (("IP Dome Camera", 1, 1),),
    "Fogged camera after storm": (("Bullet Camera", 1, 1), ("RJ45 Connector", 1, 2)),
}
MORNING_RESTOCK = time(6, 45)


def _add_parts_used(build: _Build) -> None:
    """Parts used on the past completed jobs, and the depot restocks they called for.

    Each past morning a truck's items below their minimum are restocked to standard, as
    "Restock to standard" does; a job takes at most what its truck still holds. The
    movements are written in time order with their running quantity, and the stock rows
    end at the last one, so the ledger explains every truck's stock.
    """
    rng = random.Random(SEED + 2)  # its own draws: the rest of the demo stays as it was
    items = {item.name: item for item in InventoryItem.objects.all()}
    held = {
        (number, item.pk): STANDARD_QUANTITY[item.category]
        for number in SERVICE_TRUCK_IDS
        for item in items.values()
    }
    movements: list[StockMovement] = []

    def move(truck_id: int, item: InventoryItem, change: int, at: datetime, **fields: Any) -> None:
        held[(truck_id, item.pk)] += change
        movements.append(
            StockMovement(
                truck=build.trucks[truck_id],
                item=item,
                quantity_change=change,
                quantity_after=held[(truck_id, item.pk)],
                created_at=at,
                **fields,
            )
        )

    done = sorted(
        (v for v in build.visits if v.offset < 0 and v.key not in CANCELLED and v.key not in NO_ACCESS),
        key=lambda v: (v.at, v.tech),
    )
    for offset in range(-DAYS_BACK, 0):
        day = build.today + timedelta(days=offset)
        for tech, who in enumerate(TECHNICIANS):
            for item in items.values():
                quantity = held[(who.truck_id, item.pk)]
                if item.needs_restock(quantity) and item.standard_quantity > quantity:
                    move(
                        who.truck_id,
                        item,
                        item.standard_quantity - quantity,
                        build.local(day, MORNING_RESTOCK),
                        kind=MovementKind.RESTOCK,
                        reason="Restock to standard",
                        created_by_type=ActorType.OFFICE,
                        created_by_id=build.users["office"].pk,
                    )
            for visit in (v for v in done if v.day == day and v.tech == tech):
                for name, fewest, most in PARTS_USED.get(visit.title.split(":")[0], ()):
                    item = items[name]
                    quantity = min(rng.randint(fewest, most), held[(who.truck_id, item.pk)])
                    if quantity > 0:
                        move(
                            who.truck_id,
                            item,
                            -quantity,
                            _completed_at(visit) - timedelta(minutes=rng.randint(10, 40)),
                            kind=MovementKind.USED_ON_JOB,
                            work_order=visit.order,
                            technician=build.technicians[tech],
                            created_by_type=ActorType.TECHNICIAN,
                            created_by_id=build.technicians[tech].pk,
                        )
    StockMovement.objects.bulk_create(movements)
    rows = list(TruckInventory.objects.filter(truck_id__in=SERVICE_TRUCK_IDS))
    for row in rows:
        row.quantity = held[(row.truck_id, row.item_id)]
    TruckInventory.objects.bulk_update(rows, ["quantity"])


def _add_technicians_and_customers(build: _Build) -> None:
    build.technicians = [
        Technician(
            name=t.name,
            phone=t.phone,
            user=build.users[t.username],
            created_at=build.now - timedelta(days=400),
        )
        for t in TECHNICIANS
    ]
    Technician.objects.bulk_create(build.technicians)
    build.customers = [
        Customer(
            name=c.name,
            address=c.place.address,
            phone=c.phone,
            email=c.email,
            is_new_customer=c.is_new,
            preferred_schedule_start=c.window[0],
            preferred_schedule_end=c.window[1],
            created_at=build.now - timedelta(days=20 if c.is_new else 300 + 40 * index),
        )
        for index, c in enumerate(CUSTOMERS)
    ]
    Customer.objects.bulk_create(build.customers)


def _plan_visits(build: _Build) -> None:
    """Two jobs per technician per day; each goes to the customer with the fewest jobs so far
    among those whose preferred window holds its start, in turn when they tie."""
    rng = build.rng
    turn = 0
    booked = [0] * len(CUSTOMERS)
    for offset in range(-DAYS_BACK, DAYS_AHEAD + 1):
        day = build.today + timedelta(days=offset)
        weekend = day.weekday() >= 5
        for tech in range(len(TECHNICIANS)):
            if weekend:
                slots = WEEKEND_SLOTS
            else:
                slots = (rng.choice(WEEKDAY_FIRST_SLOTS), rng.choice(WEEKDAY_SECOND_SLOTS))
            for slot, start in enumerate(slots):
                customer = min(
                    (index for index, c in enumerate(CUSTOMERS) if c.prefers(start)),
                    key=lambda index: (booked[index], (index - turn) % len(CUSTOMERS)),
                )
                booked[customer] += 1
                turn = customer + 1
                job_type = rng.choices(list(JOB_WEIGHTS), weights=list(JOB_WEIGHTS.values()))[0]
                title, brief, summary = rng.choice(JOB_TEXTS[job_type])
                words = {"area": rng.choice(CUSTOMERS[customer].areas), "n": rng.choice((2, 3, 4))}
                minutes = JOB_MINUTES[job_type] - rng.choice((0, 5, 10, 15))
                if weekend:
                    minutes = min(minutes, WEEKEND_MAX_MINUTES)
                lead_days = rng.randint(2, 10)
                created_at = build.local(day - timedelta(days=lead_days), time(9)) + timedelta(
                    minutes=rng.randrange(0, 8 * 60)
                )
                if created_at >= build.now:
                    created_at = build.now - timedelta(minutes=rng.randrange(30, 3 * 24 * 60))
                build.visits.append(
                    _Visit(
                        offset=offset,
                        day=day,
                        tech=tech,
                        slot=slot,
                        at=build.local(day, start),
                        customer=customer,
                        job_type=job_type,
                        title=title.format(**words),
                        brief=brief.format(**words),
                        summary=summary.format(**words),
                        minutes=minutes,
                        arrive_early=rng.choice((0, 2, 3, 5)),
                        created_at=created_at,
                    )
                )


def _day_text(day: date) -> str:
    return f"{day:%a %b} {day.day}"


def _today_first_started(build: _Build, visit: _Visit) -> bool:
    return visit.offset == 0 and visit.slot == 0 and build.now >= visit.at


def _final_state(build: _Build, visit: _Visit) -> tuple[str, datetime]:
    """The order's status now and when it last changed."""
    if visit.offset < 0:
        if visit.key in CANCELLED:
            return WorkOrderStatus.CANCELLED, _cancelled_at(visit)
        if visit.key in NO_ACCESS:
            return WorkOrderStatus.PENDING, _no_access_left_at(visit)
        return WorkOrderStatus.COMPLETED, _completed_at(visit)
    if visit.offset == 0:
        if _today_first_started(build, visit):
            return WorkOrderStatus.IN_PROGRESS, visit.at
        return WorkOrderStatus.PENDING, visit.created_at
    return WorkOrderStatus.SCHEDULED, visit.created_at


def _cancelled_at(visit: _Visit) -> datetime:
    return visit.at - timedelta(hours=18)


def _completed_at(visit: _Visit) -> datetime:
    return visit.at + timedelta(minutes=visit.minutes)


def _no_access_left_at(visit: _Visit) -> datetime:
    return visit.at + timedelta(minutes=20)


def _add_work_orders(build: _Build) -> None:
    office = build.users["office"]
    updated = []
    for visit in build.visits:
        # Today's orders are "pending" until started (the seed's "in progress/pending");
        # the other days' were booked as "scheduled".
        initial = WorkOrderStatus.PENDING if visit.offset == 0 else WorkOrderStatus.SCHEDULED
        order = WorkOrder(
            customer=build.customers[visit.customer],
            title=visit.title,
            brief_description=visit.brief,
            job_type=visit.job_type,
            status=initial,
            assigned_technician=build.technicians[visit.tech],
            created_by=office,
            created_at=visit.created_at,
            scheduled_for=visit.at,
        )
        visit.order = order
        visit.booked = work_order_snapshot(order)
        status, changed_at = _final_state(build, visit)
        order.status = status
        if status == WorkOrderStatus.COMPLETED:
            order.full_summary = visit.summary
        updated.append(changed_at)
    WorkOrder.objects.bulk_create([v.order for v in build.visits])
    # bulk_create stamps updated_at with now (auto_now); put back when each order last changed.
    for visit, changed_at in zip(build.visits, updated, strict=True):
        visit.order.updated_at = changed_at
    WorkOrder.objects.bulk_update([v.order for v in build.visits], ["updated_at"])

    office_actor = build.office_actor()
    for visit in build.visits:
        order = visit.order
        # The same rows work_order_create writes: one per tracked field that has a value.
        for name, value in visit.booked.items():
            if value is not None:
                _history(build, order, office_actor, name, None, value, visit.created_at)
        if _today_first_started(build, visit):
            _history(
                build,
                order,
                build.technician_actor(visit.tech),
                "status",
                WorkOrderStatus.PENDING,
                WorkOrderStatus.IN_PROGRESS,
                visit.at,
            )


def _history(
    build: _Build, order: WorkOrder, actor: Actor, name: str, old: str | None, new: str | None, at: datetime
) -> None:
    build.history.append(
        WorkOrderHistory(
            work_order=order,
            changed_by_type=actor.type,
            changed_by_id=actor.id,
            field_changed=name,
            old_value=old,
            new_value=new,
            created_at=at,
        )
    )


def _customer_line(build: _Build, visit: _Visit, notes: str, actor: Actor, at: datetime) -> None:
    build.customer_history.append(
        CustomerHistory(
            customer=build.customers[visit.customer],
            work_order=visit.order,
            notes=notes,
            created_by_type=actor.type,
            created_by_id=actor.id,
            created_at=at,
        )
    )


def _activity(
    build: _Build,
    kind: str,
    at: datetime,
    tech: int,
    place: Place,
    *,
    visit: _Visit | None = None,
    notes: str | None = None,
) -> TechnicianActivity:
    rng = build.rng
    activity = TechnicianActivity(
        id=build.uuid(),
        created_at=at,
        technician=build.technicians[tech],
        activity_type=kind,
        work_order=visit.order if visit else None,
        truck=build.truck_of(tech),
        latitude=Decimal(f"{place.latitude + rng.uniform(-0.0004, 0.0004):.6f}"),
        longitude=Decimal(f"{place.longitude + rng.uniform(-0.0004, 0.0004):.6f}"),
        accuracy_meters=rng.randint(4, 25),
        address=place.address,
        notes=notes,
    )
    build.activities.append(activity)
    return activity


def _travel(build: _Build, visit: _Visit, origin: Place, *, arrived: bool) -> TravelLog:
    """Drive to a job: leave 30 minutes before it, arrive a few minutes early."""
    start = visit.at - timedelta(minutes=TRAVEL_MINUTES)
    end = visit.at - timedelta(minutes=visit.arrive_early) if arrived else None
    log = TravelLog(
        work_order=visit.order,
        technician=build.technicians[visit.tech],
        travel_start_time=start,
        travel_end_time=end,
        created_at=start,
    )
    build.travel_logs.append(log)
    departed = _activity(build, ActivityType.TRAVEL_START, start, visit.tech, origin, visit=visit)
    build.travel_links.append((departed, log))
    if arrived:
        site = CUSTOMERS[visit.customer].place
        reached = _activity(build, ActivityType.TRAVEL_END, end, visit.tech, site, visit=visit)
        build.travel_links.append((reached, log))
        _activity(build, ActivityType.ARRIVED_ON_SITE, end, visit.tech, site, visit=visit)
    return log


def _record_past_visit(build: _Build, visit: _Visit) -> None:
    """Travel, activity, history and customer history for a job that has happened."""
    order = visit.order
    tech_actor = build.technician_actor(visit.tech)
    site = CUSTOMERS[visit.customer].place
    tech_name = TECHNICIANS[visit.tech].name
    if visit.key in CANCELLED:
        at = _cancelled_at(visit)
        _history(
            build,
            order,
            build.office_actor(),
            "status",
            WorkOrderStatus.SCHEDULED,
            WorkOrderStatus.CANCELLED,
            at,
        )
        _customer_line(
            build,
            visit,
            f"Customer cancelled “{visit.title}” for {_day_text(visit.day)}; they will call to rebook.",
            build.office_actor(),
            at,
        )
        return
    _travel(build, visit, _origin_for(build, visit), arrived=True)
    if visit.key in NO_ACCESS:
        left = _no_access_left_at(visit)
        _activity(build, ActivityType.LEFT_SITE, left, visit.tech, site, visit=visit, notes="No access")
        _history(build, order, tech_actor, "status", WorkOrderStatus.SCHEDULED, WorkOrderStatus.PENDING, left)
        _customer_line(
            build,
            visit,
            f"No access on {_day_text(visit.day)}: {tech_name} waited 20 minutes. Needs a new date.",
            tech_actor,
            left,
        )
        return
    done = _completed_at(visit)
    _activity(build, ActivityType.WORK_STARTED, visit.at, visit.tech, site, visit=visit)
    _activity(build, ActivityType.WORK_COMPLETED, done, visit.tech, site, visit=visit)
    left = done + timedelta(minutes=build.rng.choice((5, 8, 10)))
    _activity(build, ActivityType.LEFT_SITE, left, visit.tech, site, visit=visit)
    _history(
        build, order, tech_actor, "status", WorkOrderStatus.SCHEDULED, WorkOrderStatus.IN_PROGRESS, visit.at
    )
    _history(build, order, tech_actor, "full_summary", None, visit.summary, done)
    _history(build, order, tech_actor, "status", WorkOrderStatus.IN_PROGRESS, WorkOrderStatus.COMPLETED, done)
    _customer_line(build, visit, f"{visit.title} completed by {tech_name}.", tech_actor, done)


def _origin_for(build: _Build, visit: _Visit) -> Place:
    """Where the technician drives from: the previous job that day they went to, or the depot."""
    if visit.slot == 1:
        earlier = _visit_at(build, visit.offset, visit.tech, 0)
        if earlier.key not in CANCELLED:
            return CUSTOMERS[earlier.customer].place
    return DEPOT


def _visit_at(build: _Build, offset: int, tech: int, slot: int) -> _Visit:
    per_day = len(TECHNICIANS) * ORDERS_PER_TECHNICIAN_PER_DAY
    index = (offset + DAYS_BACK) * per_day + tech * ORDERS_PER_TECHNICIAN_PER_DAY + slot
    visit = build.visits[index]
    assert visit.key == (offset, tech, slot)
    return visit


def _shift(build: _Build, day: date) -> tuple[datetime, datetime]:
    start, end = WEEKEND_SHIFT if day.weekday() >= 5 else WEEKDAY_SHIFT
    return build.local(day, start), build.local(day, end)


def _add_shifts(build: _Build) -> None:
    """A closed clock record per technician per past day, with shift, inspection and lunch activity."""
    for offset in range(-DAYS_BACK, 0):
        day = build.today + timedelta(days=offset)
        clock_in, clock_out = _shift(build, day)
        for tech in range(len(TECHNICIANS)):
            build.clock_records.append(
                ClockRecord(
                    technician=build.technicians[tech],
                    truck=build.truck_of(tech),
                    clock_in_time=clock_in,
                    clock_out_time=clock_out,
                    created_at=clock_in,
                )
            )
            _activity(build, ActivityType.SHIFT_START, clock_in, tech, DEPOT)
            _activity(
                build,
                ActivityType.VEHICLE_INSPECTION,
                clock_in + timedelta(minutes=10),
                tech,
                DEPOT,
                notes="Pre-trip check: tyres, lights, ladder rack and stock OK.",
            )
            first, second = _visit_at(build, offset, tech, 0), _visit_at(build, offset, tech, 1)
            if first.key not in CANCELLED and second.key not in CANCELLED and day.weekday() < 5:
                # Lunch between the jobs when the gap allows it.
                left = _completed_at(first) + timedelta(minutes=15)
                leave_again = second.at - timedelta(minutes=TRAVEL_MINUTES)
                if leave_again - left >= timedelta(minutes=40):
                    site = CUSTOMERS[first.customer].place
                    _activity(build, ActivityType.BREAK_START, left, tech, site)
                    _activity(build, ActivityType.BREAK_END, left + timedelta(minutes=30), tech, site)
            _activity(build, ActivityType.SHIFT_END, clock_out, tech, DEPOT)


def _add_today_so_far(build: _Build) -> None:
    """Today up to now: an open clock record from 7:00, and the morning job under way once due."""
    clock_in, _ = _shift(build, build.today)
    if build.now < clock_in:
        return
    for tech in range(len(TECHNICIANS)):
        build.clock_records.append(
            ClockRecord(
                technician=build.technicians[tech],
                truck=build.truck_of(tech),
                clock_in_time=clock_in,
                clock_out_time=None,
                created_at=clock_in,
            )
        )
        _activity(build, ActivityType.SHIFT_START, clock_in, tech, DEPOT)
        inspected = clock_in + timedelta(minutes=10)
        if build.now >= inspected:
            _activity(
                build,
                ActivityType.VEHICLE_INSPECTION,
                inspected,
                tech,
                DEPOT,
                notes="Pre-trip check: tyres, lights, ladder rack and stock OK.",
            )
        visit = _visit_at(build, 0, tech, 0)
        if build.now < visit.at - timedelta(minutes=TRAVEL_MINUTES):
            continue
        started = _today_first_started(build, visit)
        _travel(build, visit, DEPOT, arrived=started)
        if started:
            site = CUSTOMERS[visit.customer].place
            _activity(build, ActivityType.WORK_STARTED, visit.at, tech, site, visit=visit)
            build.notifications.append(
                Notification(
                    work_order=visit.order,
                    notification_type=Notification.Type.STATUS_CHANGE,
                    message=f"{TECHNICIANS[tech].name} started #{visit.order.pk} “{visit.title}” "
                    f"at {CUSTOMERS[visit.customer].name}.",
                    is_read=False,
                    created_at=visit.at,
                )
            )


def _add_notes(build: _Build) -> None:
    """Technicians' notes on past jobs; the flagged ones raise a notification for the office."""
    completed = [v for v in build.visits if _was_completed(v) and v.key not in ALERT_NOTES]
    plain = build.rng.sample(completed, NORMAL_NOTE_COUNT)
    written = [(v, text, False) for v, text in zip(plain, NOTES, strict=True)]
    written += [(_visit_at(build, *key), text, True) for key, text in ALERT_NOTES.items()]
    for visit, text, alert in sorted(written, key=lambda w: w[0].at):
        if visit.key in NO_ACCESS:
            at = _no_access_left_at(visit) - timedelta(minutes=1)
        else:
            at = _completed_at(visit) - timedelta(minutes=5)
        note = WorkOrderNote(
            work_order=visit.order,
            technician=build.technicians[visit.tech],
            note_text=text,
            alert_office=alert,
            created_at=at,
        )
        note.updated_at = at
        build.notes.append(note)
        if alert:
            build.notifications.append(
                Notification(
                    work_order=visit.order,
                    notification_type=Notification.Type.NOTE_ALERT,
                    message=f"{TECHNICIANS[visit.tech].name} on #{visit.order.pk} "
                    f"({CUSTOMERS[visit.customer].name}): {text}",
                    # The office has seen the older alerts, not the last two days'.
                    is_read=at < build.now - timedelta(days=2),
                    created_at=at,
                )
            )
    for visit in [v for v in build.visits if v.offset > 0][:2]:
        build.notifications.append(
            Notification(
                work_order=visit.order,
                notification_type=Notification.Type.ASSIGNMENT,
                message=f"#{visit.order.pk} “{visit.title}” assigned to {TECHNICIANS[visit.tech].name} "
                f"for {_day_text(visit.day)} at {visit.at:%H:%M}.",
                is_read=True,
                created_at=visit.created_at,
            )
        )


def _save_field_records(build: _Build) -> None:
    ClockRecord.objects.bulk_create(build.clock_records)
    TravelLog.objects.bulk_create(build.travel_logs)
    for activity, log in build.travel_links:
        activity.metadata = {"travel_log_id": log.pk}
    # Each technician's running number follows time, then the order the steps were written.
    numbered: dict[int, int] = {}
    for _, _, activity in sorted((a.created_at, index, a) for index, a in enumerate(build.activities)):
        numbered[activity.technician_id] = numbered.get(activity.technician_id, 0) + 1
        activity.sequence = numbered[activity.technician_id]
    TechnicianActivity.objects.bulk_create(build.activities)
    WorkOrderHistory.objects.bulk_create(build.history)
    CustomerHistory.objects.bulk_create(build.customer_history)
    notes_updated = [note.updated_at for note in build.notes]
    WorkOrderNote.objects.bulk_create(build.notes)
    for note, at in zip(build.notes, notes_updated, strict=True):
        note.updated_at = at
    WorkOrderNote.objects.bulk_update(build.notes, ["updated_at"])
    Notification.objects.bulk_create(build.notifications)

    # Office lines in customer history that are not about one job.
    office = build.office_actor()
    CustomerHistory.objects.bulk_create(
        [
            CustomerHistory(
                customer=build.customers[0],
                notes="Renewed the annual maintenance contract for 12 months (quarterly visits).",
                created_by_type=office.type,
                created_by_id=office.id,
                created_at=build.now - timedelta(days=20),
            ),
            CustomerHistory(
                customer=build.customers[7],
                notes="New customer: signed the quote for cameras at the mail room, front gate and garage.",
                created_by_type=office.type,
                created_by_id=office.id,
                created_at=build.now - timedelta(days=19),
            ),
        ]
    )


def _add_manual_notifications(build: _Build) -> None:
    def first(offset: int, tech: int) -> _Visit:
        return _visit_at(build, offset, tech, 0)

    today_mike, next_sarah, yesterday_mike = first(0, 0), first(1, 1), first(-1, 0)
    morning = build.local(build.today, time(7, 15))
    rows = [
        (
            0,
            today_mike,
            Priority.URGENT,
            f"{CUSTOMERS[today_mike.customer].name} called: use the side entrance today, the main "
            "entrance is closed for a fire drill.",
            False,
            build.before_now(morning),
        ),
        (
            1,
            next_sarah,
            Priority.HIGH,
            f"Bring the 28 ft ladder to {CUSTOMERS[next_sarah.customer].name} on "
            f"{_day_text(next_sarah.day)}: the camera mount is above the loading dock.",
            False,
            build.before_now(morning + timedelta(minutes=20)),
        ),
        (
            0,
            yesterday_mike,
            Priority.NORMAL,
            "The customer asked for a USB export of yesterday's footage. Drop it at the office.",
            False,
            build.before_now(morning - timedelta(hours=14)),
        ),
        (
            2,
            None,
            Priority.NORMAL,
            "Truck 203 is booked for an oil change Friday at 7:00; take the office truck that morning.",
            True,
            build.now - timedelta(days=2, hours=3),
        ),
        (
            3,
            None,
            Priority.NORMAL,
            "Last week's timesheets are approved. Thanks!",
            True,
            build.now - timedelta(days=3, hours=5),
        ),
        (
            2,
            None,
            Priority.URGENT,
            "Storm warning this afternoon: no roof or ladder work above 12 ft until it passes.",
            True,
            build.now - timedelta(days=4, hours=1),
        ),
    ]
    ManualNotification.objects.bulk_create(
        ManualNotification(
            technician=build.technicians[tech],
            work_order=visit.order if visit else None,
            message=message,
            priority=priority,
            is_read=read,
            created_at=at,
        )
        for tech, visit, priority, message, read, at in rows
    )


def _was_completed(visit: _Visit) -> bool:
    return visit.offset < 0 and visit.key not in CANCELLED | NO_ACCESS


def _next_visit(build: _Build, customer: int) -> _Visit | None:
    """The customer's next job from today on."""
    return next((v for v in build.visits if v.customer == customer and v.offset >= 0), None)


def _last_completed_visit(build: _Build, customer: int) -> _Visit | None:
    return next((v for v in reversed(build.visits) if v.customer == customer and _was_completed(v)), None)


def _add_communications(build: _Build) -> None:
    """Calls, texts and emails of the last two days, with the phone calls' details."""
    yesterday = build.today - timedelta(days=1)
    bank, gas, restaurant = _next_visit(build, 0), _next_visit(build, 5), _next_visit(build, 3)
    apartments = _last_completed_visit(build, 7)
    rows: list[dict[str, Any]] = []
    if bank:
        rows.append(
            {
                "channel_type": Channel.PHONE,
                "direction": Direction.INBOUND,
                "customer": 0,
                "visit": bank,
                "subject": f"About “{bank.title}”",
                "body": "Branch manager asked that the technician check in with the guard at the side door.",
                "at": build.local(yesterday, time(10, 12)),
                "call": {
                    "call_type": CallType.INBOUND,
                    "duration_seconds": 245,
                    "wait_time_seconds": 12,
                    "call_outcome": CallOutcome.ANSWERED,
                    "queue_name": "support",
                    "ivr_path": ["main", "existing_customer", "support"],
                    "sentiment_score": Decimal("0.350"),
                    "transcription": "Hi, this is the branch manager at City Bank about your visit "
                    f"on {bank.day:%A}. Please have your technician check in with the guard at the side "
                    "door; the main doors stay locked until we open.",
                },
            }
        )
    rows.append(
        {
            "channel_type": Channel.PHONE,
            "direction": Direction.INBOUND,
            "customer": 3,
            "at": build.local(yesterday, time(15, 48)),
            "call": {
                "call_type": CallType.MISSED,
                "duration_seconds": 0,
                "wait_time_seconds": 41,
                "call_outcome": CallOutcome.NO_ANSWER,
                "queue_name": "support",
                "ivr_path": ["main", "existing_customer", "support"],
            },
        }
    )
    rows.append(
        {
            "channel_type": Channel.PHONE,
            "direction": Direction.OUTBOUND,
            "customer": 3,
            "visit": restaurant,
            "subject": "Returned missed call",
            "body": "Owner wanted to confirm the next visit and asked us to come before the lunch rush.",
            "at": build.local(yesterday, time(16, 5)),
            "call": {
                "call_type": CallType.OUTBOUND,
                "duration_seconds": 130,
                "wait_time_seconds": 0,
                "call_outcome": CallOutcome.ANSWERED,
                "queue_name": "support",
            },
        }
    )
    rows.append(
        {
            "channel_type": Channel.PHONE,
            "direction": Direction.INBOUND,
            "customer": 6,
            "subject": "Voicemail: ambulance bay camera",
            "at": build.local(yesterday, time(18, 5)),
            "read": False,
            "call": {
                "call_type": CallType.VOICEMAIL,
                "duration_seconds": 48,
                "wait_time_seconds": 25,
                "call_outcome": CallOutcome.VOICEMAIL_LEFT,
                "queue_name": "after_hours",
                "ivr_path": ["main", "after_hours"],
                "sentiment_score": Decimal("-0.200"),
                "transcription": "This is security at the Medical Center. The ambulance bay camera keeps "
                "dropping out at night. Please call us back in the morning.",
            },
        }
    )
    if gas:
        rows.append(
            {
                "channel_type": Channel.PHONE,
                "direction": Direction.OUTBOUND,
                "customer": 5,
                "visit": gas,
                "subject": "Appointment confirmation",
                "body": f"Confirmed {_day_text(gas.day)} at {gas.at:%H:%M} with the station manager.",
                "at": build.local(yesterday, time(11, 30)),
                "call": {
                    "call_type": CallType.OUTBOUND,
                    "duration_seconds": 95,
                    "wait_time_seconds": 0,
                    "call_outcome": CallOutcome.ANSWERED,
                    "queue_name": "dispatch",
                },
            }
        )
    if apartments:
        rows.append(
            {
                "channel_type": Channel.SMS,
                "direction": Direction.OUTBOUND,
                "customer": 7,
                "visit": apartments,
                "body": f"TechFlow: your technician {TECHNICIANS[apartments.tech].name.split()[0]} is on the "
                "way and will arrive in about 30 minutes.",
                "at": apartments.at - timedelta(minutes=TRAVEL_MINUTES),
            }
        )
    rows.append(
        {
            "channel_type": Channel.EMAIL,
            "direction": Direction.INBOUND,
            "customer": 2,
            "subject": "Quote request: cameras for the new gym wing",
            "body": "Hello, we open a new gym wing in the spring and would like a quote for cameras "
            "covering both entrances and the bleachers. Thanks, Operations.",
            "at": build.local(yesterday - timedelta(days=1), time(9, 20)),
            "read": False,
        }
    )
    rows.append(
        {
            "channel_type": Channel.IN_APP,
            "direction": Direction.INBOUND,
            "technician": 1,
            "body": "Stuck behind an accident on the BQE, about 15 minutes late to my next job.",
            "at": build.local(yesterday, time(12, 40)),
        }
    )

    messages, details, threads = [], [], {}
    for row in rows:
        at = build.before_now(row["at"])
        customer, tech, visit = row.get("customer"), row.get("technician"), row.get("visit")
        thread = threads.setdefault((customer, tech), build.uuid())
        inbound = row["direction"] == Direction.INBOUND
        message = CommunicationMessage(
            id=build.uuid(),
            channel_type=row["channel_type"],
            direction=row["direction"],
            customer=build.customers[customer] if customer is not None else None,
            technician=build.technicians[tech] if tech is not None else None,
            work_order=visit.order if visit else None,
            thread_id=thread,
            subject=row.get("subject", ""),
            body=row.get("body", ""),
            created_at=at,
            sent_at=at,
            read_at=build.before_now(at + timedelta(minutes=10))
            if inbound and row.get("read", True)
            else None,
        )
        messages.append(message)
        if "call" in row:
            details.append(
                CommunicationCallDetail(id=build.uuid(), communication_message=message, **row["call"])
            )
    CommunicationMessage.objects.bulk_create(messages)
    CommunicationCallDetail.objects.bulk_create(details)


def _add_operational_events(build: _Build) -> None:
    office = build.users["office"]
    yesterday = build.today - timedelta(days=1)
    ring_at = build.before_now(build.local(yesterday, time(10, 12)))
    alarm_at = build.before_now(build.local(yesterday, time(2, 14)))
    OperationalEvent.objects.bulk_create(
        [
            OperationalEvent(
                id=build.uuid(),
                created_at=ring_at,
                event_type="phone_ring",
                event_category=EventCategory.COMMUNICATION,
                severity=Severity.INFO,
                source_system="phone_system",
                title="Incoming call on the support line",
                description=f"Caller ID {CUSTOMERS[0].phone} ({CUSTOMERS[0].name}), answered after 12 s.",
                metadata={"queue": "support", "caller_id": CUSTOMERS[0].phone},
                resolved_at=ring_at + timedelta(seconds=12),
                resolved_by=office,
            ),
            OperationalEvent(
                id=build.uuid(),
                created_at=alarm_at,
                event_type="alarm_triggered",
                event_category=EventCategory.SECURITY,
                severity=Severity.WARNING,
                source_system="alarm_panel",
                title=f"Tamper alarm: pump island camera at {CUSTOMERS[5].name}",
                description="The camera reported a tamper event. Video shows a delivery truck brushing "
                "the pole; no damage.",
                metadata={"camera": "cam-06", "customer": CUSTOMERS[5].name},
                resolved_at=build.before_now(alarm_at + timedelta(hours=6)),
                resolved_by=office,
            ),
            OperationalEvent(
                id=build.uuid(),
                created_at=build.now - timedelta(hours=2),
                event_type="system_alert",
                event_category=EventCategory.OPERATIONAL,
                severity=Severity.ERROR,
                source_system="vms_monitor",
                title=f"Camera offline at {CUSTOMERS[6].name}: ambulance bay",
                description="The monitoring feed has not heard from the ambulance bay camera for two hours.",
                metadata={"camera": "cam-07", "customer": CUSTOMERS[6].name},
            ),
        ]
    )


def _add_voice_session(build: _Build) -> None:
    """Mike asked the voice agent to close yesterday's first job (if he completed it)."""
    visit = _visit_at(build, -1, 0, 0)
    if not _was_completed(visit):
        return
    done = _completed_at(visit)
    session = VoiceAgentSession.objects.create(
        technician=build.technicians[0],
        work_order=visit.order,
        session_start=done - timedelta(minutes=2),
        session_end=done + timedelta(minutes=1),
        is_active=False,
    )
    lines = [
        (VoiceAgentInteraction.Type.TECHNICIAN_SPEECH, f"Close out work order {visit.order.pk}, all done."),
        (
            VoiceAgentInteraction.Type.AGENT_RESPONSE,
            f"Marking #{visit.order.pk} “{visit.title}” completed. Anything for the summary?",
        ),
        (VoiceAgentInteraction.Type.TECHNICIAN_SPEECH, visit.summary),
        (VoiceAgentInteraction.Type.ACTION, f"work_order_update(#{visit.order.pk}, status=completed)"),
    ]
    VoiceAgentInteraction.objects.bulk_create(
        VoiceAgentInteraction(
            session=session,
            interaction_type=kind,
            content=text,
            created_at=session.session_start + timedelta(seconds=20 * step),
        )
        for step, (kind, text) in enumerate(lines)
    )
