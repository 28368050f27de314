"""load_demo: the demo company replayed through the product's own services.

The builder first plans the fortnight (who goes where, when, for how long: all drawn from
seeded random generators, so the same day gives the same plan), then turns the plan into
steps, each a call of the service the app calls (work_order_open, clock_in, job_arrive,
job_complete, truck_stock_restock_to_standard, ...) at a moment. The steps run in time
order with the clock frozen at each one's moment (dispatch.clock.frozen), and only those
that have happened by `now`: "today so far" is the plan cut at the moment of loading. So
history, activity, travel and ledger rows are by construction the rows the app writes.
"""

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from decimal import Decimal

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import AbstractUser, Group
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.utils import timezone

from dispatch import clock
from dispatch.access import OFFICE_GROUP, TECHNICIAN_GROUP
from dispatch.db import archive_table
from dispatch.models import (
    ActorType,
    Customer,
    JobTypeDuration,
    JobTypeSkill,
    ServiceZone,
    Skill,
    Technician,
    WorkOrder,
)
from dispatch.services import Actor, customer_history_add, customer_save, work_order_open
from fieldops.models import ChecklistItem, ChecklistKind, ChecklistTemplate
from fieldops.selectors import State
from fieldops.services import Location
from inventory.models import InventoryItem, Truck
from inventory.services import minimum_quantity_for
from techflow.demo.catalogue import (
    ADDRESS_ZONES,
    CHECKLISTS,
    CUSTOMERS,
    DAYS_AHEAD,
    DAYS_BACK,
    DEFAULT_PASSWORD,
    INVENTORY_ITEMS,
    JOB_MINUTES,
    JOB_TEXTS,
    JOB_TYPE_SKILLS,
    JOB_WEIGHTS,
    OFFICE_TRUCK,
    ORDERS_PER_TECHNICIAN_PER_DAY,
    SEED,
    SERVICE_TRUCK_IDS,
    SKILLS,
    STANDARD_QUANTITY,
    TECHFLOW_APPS,
    TECHNICIAN_HOMES,
    TECHNICIAN_SKILLS,
    TECHNICIANS,
    WEEKDAY_FIRST_SLOTS,
    WEEKDAY_SECOND_SLOTS,
    WEEKDAY_SHIFT,
    WEEKEND_MAX_MINUTES,
    WEEKEND_ROTA,
    WEEKEND_SHIFT,
    WEEKEND_SLOTS,
    ZONES,
    Place,
)
from techflow.hashers import demo_hasher

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
    # The job types' lengths are configuration a migration seeds, not data the demo would mix into.
    return any(model._base_manager.exists() for model in techflow_models() if model is not JobTypeDuration)


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


# ---------------------------------------------------------------------------------------
# The plan and the steps
# ---------------------------------------------------------------------------------------


@dataclass
class DemoSummary:
    today: date
    counts: dict[str, int]
    logins: list[tuple[str, str]]  # (username, role)
    # What the demo meant each technician to be doing at `now`, by username:
    # (fieldops.selectors.State value, work order id or None).
    states: dict[str, tuple[str, int | None]] = field(default_factory=dict)
    weekend_rota: str = WEEKEND_ROTA


@dataclass
class Visit:
    """One planned work order and how its visit goes."""

    offset: int  # days from today
    day: date
    tech: int  # index into TECHNICIANS
    slot: int  # 0 morning, 1 afternoon
    at: datetime  # scheduled_for, aware in the company zone
    customer: int  # index into CUSTOMERS
    job_type: str
    title: str
    brief: str
    summary: str  # the technician's completion note
    minutes: int  # time the work takes
    planned: int  # the length the job is booked for (its estimate)
    arrive_early: int  # minutes between arrival and scheduled start
    leave_after: int  # minutes between completion and leaving the site
    created_at: datetime
    parts: list[tuple[str, int, int]] = field(default_factory=list)  # (item, quantity, minutes before done)
    order: WorkOrder | None = None

    @property
    def key(self) -> tuple[int, int, int]:
        return (self.offset, self.tech, self.slot)


@dataclass
class Step:
    at: datetime
    index: int
    run: Callable[[], object]
    tech: int | None  # whose step it is, when a technician's
    # The state the step leaves its technician in: (State, visit or None); None: unchanged.
    leaves: tuple[str, Visit | None] | None


@dataclass
class Build:
    today: date
    now: datetime
    tz: tzinfo
    rng: random.Random
    places: random.Random
    users: dict[str, AbstractUser] = field(default_factory=dict)
    trucks: dict[int, Truck] = field(default_factory=dict)
    items: dict[str, InventoryItem] = field(default_factory=dict)
    technicians: list[Technician] = field(default_factory=list)
    customers: list[Customer] = field(default_factory=list)
    zones: dict = field(default_factory=dict)
    visits: list[Visit] = field(default_factory=list)
    steps: list[Step] = field(default_factory=list)
    taken: set[tuple[int, datetime]] = field(default_factory=set)

    def local(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, tzinfo=self.tz)

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def office_actor(self) -> Actor:
        return Actor(ActorType.OFFICE, self.users["office"].pk)

    def truck_of(self, tech: int) -> Truck:
        return self.trucks[TECHNICIANS[tech].truck_id]

    def at(self, place: Place) -> Location:
        """Where the phone says the technician is: near the place, a few metres off."""
        rng = self.places
        return Location(
            latitude=Decimal(f"{place.latitude + rng.uniform(-0.0004, 0.0004):.6f}"),
            longitude=Decimal(f"{place.longitude + rng.uniform(-0.0004, 0.0004):.6f}"),
            accuracy_meters=rng.randint(4, 25),
        )

    def add(
        self,
        at: datetime,
        run: Callable[[], object],
        *,
        tech: int | None = None,
        leaves: tuple[str, Visit | None] | None = None,
    ) -> datetime:
        """Plan a step; a technician's steps never share an instant (their order is never a tie)."""
        if tech is not None:
            while (tech, at) in self.taken:
                at += timedelta(seconds=1)
            self.taken.add((tech, at))
        self.steps.append(Step(at, len(self.steps), run, tech, leaves))
        return at

    def visit(self, offset: int, tech: int, slot: int) -> Visit:
        per_day = len(TECHNICIANS) * ORDERS_PER_TECHNICIAN_PER_DAY
        found = self.visits[(offset + DAYS_BACK) * per_day + tech * ORDERS_PER_TECHNICIAN_PER_DAY + slot]
        assert found.key == (offset, tech, slot)
        return found

    def shift(self, day: date) -> tuple[datetime, datetime]:
        start, end = WEEKEND_SHIFT if day.weekday() >= 5 else WEEKDAY_SHIFT
        return self.local(day, start), self.local(day, end)


def day_text(day: date) -> str:
    return f"{day:%a %b} {day.day}"


@transaction.atomic
def load_demo(*, today: date, password: str = DEFAULT_PASSWORD, now: datetime | None = None) -> DemoSummary:
    """Load the demo company into an empty database: the fortnight around `today`, as it stands at `now`."""
    from fieldops.report import reports_on_download_only
    from techflow.demo import communications, stock
    from techflow.demo import field as field_steps

    now = now or clock.now()
    build = Build(
        today=today,
        now=now,
        tz=timezone.get_default_timezone(),
        rng=random.Random(SEED),
        places=random.Random(SEED + 3),
    )
    _add_users(build, password)
    _add_trucks_items_technicians(build)
    _add_checklists()
    _plan_visits(build)
    stock.plan_parts(build)
    _plan_customers(build)
    _plan_work_orders(build)
    stock.plan_stock(build)
    field_steps.plan_days(build)
    communications.plan_messages(build)
    # A fortnight's completed jobs: their reports are made when someone downloads one, not all
    # at once now (sixty PDFs would hold the load up, or the worker's queue, for minutes).
    with reports_on_download_only():
        states = _run(build)
    communications.add_records(build)
    return DemoSummary(
        today=today,
        counts=demo_counts(),
        logins=demo_logins(),
        states={
            TECHNICIANS[tech].username: (state, visit.order.pk if visit else None)
            for tech, (state, visit) in states.items()
        },
    )


def _run(build: Build) -> dict[int, tuple[str, Visit | None]]:
    """Run every step that has happened by `now`, in time order, at its moment; the states they leave."""
    states: dict[int, tuple[str, Visit | None]] = dict.fromkeys(range(len(TECHNICIANS)), (State.OFF, None))
    for step in sorted(build.steps, key=lambda s: (s.at, s.index)):
        if step.at > build.now:
            break
        with clock.frozen(step.at):
            step.run()
        if step.tech is not None and step.leaves is not None:
            states[step.tech] = step.leaves
    return states


# ---------------------------------------------------------------------------------------
# Users, trucks, items, technicians: catalogue rows with no history
# ---------------------------------------------------------------------------------------


def _password_hash(password: str) -> str:
    """The one place the demo hashes its logins' password (every login shares it)."""
    return make_password(password, hasher=demo_hasher())


def _add_users(build: Build, password: str) -> None:
    user_model = get_user_model()
    people = [
        ("admin", "Ada", "Admin", True),
        ("office", "Olivia", "Martinez", False),
        *((t.username, *t.name.split(" ", 1), False) for t in TECHNICIANS),
    ]
    hashed = _password_hash(password)
    joined = build.local(build.day(-400), time(9))
    users = [
        user_model(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@techflow.example",
            is_staff=superuser,
            is_superuser=superuser,
            password=hashed,
            date_joined=joined,
        )
        for username, first, last, superuser in people
    ]
    user_model.objects.bulk_create(users)
    build.users = {user.username: user for user in users}
    office, _ = Group.objects.get_or_create(name=OFFICE_GROUP)
    technicians, _ = Group.objects.get_or_create(name=TECHNICIAN_GROUP)
    office.user_set.add(build.users["office"])
    technicians.user_set.add(*(build.users[t.username] for t in TECHNICIANS))


def _add_checklists() -> None:
    """The office's checklists for installations and maintenance (catalogue rows, no history)."""
    for job_type, (name, labels) in CHECKLISTS.items():
        template = ChecklistTemplate.objects.create(name=name, job_type=job_type)
        ChecklistItem.objects.bulk_create(
            ChecklistItem(template=template, position=position, label=label, kind=ChecklistKind.YES_NO)
            for position, label in enumerate(labels, start=1)
        )


def _add_trucks_items_technicians(build: Build) -> None:
    bought = build.local(build.day(-730), time(9))
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
    build.items = {item.name: item for item in items}
    zones = {name: ServiceZone.objects.create(name=name) for name in ZONES}
    build.zones = zones
    skills = {name: Skill.objects.create(name=name) for name in SKILLS}
    JobTypeSkill.objects.bulk_create(
        JobTypeSkill(job_type=job_type, skill=skills[name])
        for job_type, names in JOB_TYPE_SKILLS.items()
        for name in names
    )
    build.technicians = [
        Technician(
            name=t.name,
            phone=t.phone,
            user=build.users[t.username],
            # The seed's clock hours: 7 AM to 4 PM on weekdays, 7 AM to 1 PM at weekends.
            work_start=WEEKDAY_SHIFT[0],
            work_end=WEEKDAY_SHIFT[1],
            weekend_start=WEEKEND_SHIFT[0],
            weekend_end=WEEKEND_SHIFT[1],
            created_at=build.local(build.day(-400), time(9, 30)),
            home_zone=zones[TECHNICIAN_HOMES[t.username][0]],
            home_latitude=Decimal(f"{TECHNICIAN_HOMES[t.username][1]:.6f}"),
            home_longitude=Decimal(f"{TECHNICIAN_HOMES[t.username][2]:.6f}"),
        )
        for t in TECHNICIANS
    ]
    Technician.objects.bulk_create(build.technicians)
    # The demo's job types take the lengths its jobs are planned for.
    for job_type, minutes in JOB_MINUTES.items():
        JobTypeDuration.objects.update_or_create(job_type=job_type, defaults={"minutes": minutes})
    for t, technician in zip(TECHNICIANS, build.technicians, strict=True):
        technician.skills.set([skills[name] for name in TECHNICIAN_SKILLS[t.username]])


def demo_zone(address: str) -> str:
    return next(zone for word, zone in ADDRESS_ZONES if word in address)


# ---------------------------------------------------------------------------------------
# Customers and work orders, through dispatch.services
# ---------------------------------------------------------------------------------------


def _plan_customers(build: Build) -> None:
    office = build.office_actor()
    for index, c in enumerate(CUSTOMERS):
        customer = Customer(
            name=c.name,
            address=c.place.address,
            phone=c.phone,
            email=c.email,
            is_new_customer=c.is_new,
            preferred_schedule_start=c.window[0],
            preferred_schedule_end=c.window[1],
            zone=build.zones[demo_zone(c.place.address)],
            latitude=None if c.is_new else Decimal(f"{c.place.latitude:.6f}"),
            longitude=None if c.is_new else Decimal(f"{c.place.longitude:.6f}"),
        )
        build.customers.append(customer)
        signed = build.local(build.day(-20 if c.is_new else -(300 + 40 * index)), time(10, 5))

        def save(customer: Customer = customer) -> None:
            customer_save(customer=customer, actor=office)

        build.add(signed, save)
    # Office lines in customer history that are not about one job.
    bank, apartments = build.customers[0], build.customers[7]
    build.add(
        build.local(build.day(-20), time(11, 40)),
        lambda: customer_history_add(
            customer_id=bank.pk,
            notes="Renewed the annual maintenance contract for 12 months (quarterly visits).",
            actor=office,
        ),
    )
    build.add(
        build.local(build.day(-19), time(15, 10)),
        lambda: customer_history_add(
            customer_id=apartments.pk,
            notes="New customer: signed the quote for cameras at the mail room, front gate and garage.",
            actor=office,
        ),
    )


def _plan_visits(build: Build) -> None:
    """Two jobs per technician per day; each goes to the customer with the fewest jobs so far
    among those whose preferred window holds its start, in turn when they tie. A new
    customer's first job is today, and it has one job a day from then on."""
    rng = build.rng
    turn = 0
    booked = [0] * len(CUSTOMERS)
    for offset in range(-DAYS_BACK, DAYS_AHEAD + 1):
        day = build.day(offset)
        weekend = day.weekday() >= 5
        new_booked_today = False
        for tech in range(len(TECHNICIANS)):
            if weekend:
                slots = WEEKEND_SLOTS
            else:
                slots = (rng.choice(WEEKDAY_FIRST_SLOTS), rng.choice(WEEKDAY_SECOND_SLOTS))
            for slot, start in enumerate(slots):
                customer = min(
                    (
                        index
                        for index, c in enumerate(CUSTOMERS)
                        if c.prefers(start) and not (c.is_new and (offset < 0 or new_booked_today))
                    ),
                    key=lambda index: (booked[index], (index - turn) % len(CUSTOMERS)),
                )
                booked[customer] += 1
                new_booked_today = new_booked_today or CUSTOMERS[customer].is_new
                turn = customer + 1
                job_type = rng.choices(list(JOB_WEIGHTS), weights=list(JOB_WEIGHTS.values()))[0]
                title, brief, summary = rng.choice(JOB_TEXTS[job_type])
                words = {"area": rng.choice(CUSTOMERS[customer].areas), "n": rng.choice((2, 3, 4))}
                minutes = JOB_MINUTES[job_type] - rng.choice((0, 5, 10, 15))
                planned = JOB_MINUTES[job_type]
                if weekend:
                    minutes = min(minutes, WEEKEND_MAX_MINUTES)
                    planned = min(planned, WEEKEND_MAX_MINUTES)
                lead_days = rng.randint(2, 10)
                created_at = build.local(day - timedelta(days=lead_days), time(9)) + timedelta(
                    minutes=rng.randrange(0, 8 * 60)
                )
                # Booked before it could have been: a future job booked "later" was booked recently.
                recently = build.now - timedelta(minutes=rng.randrange(30, 3 * 24 * 60))
                build.visits.append(
                    Visit(
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
                        planned=planned,
                        arrive_early=rng.choice((2, 3, 5, 7)),
                        leave_after=rng.choice((5, 8, 10)),
                        created_at=min(created_at, recently),
                    )
                )


def _plan_work_orders(build: Build) -> None:
    office, office_user = build.office_actor(), build.users["office"]
    for visit in build.visits:

        def book(visit: Visit = visit) -> None:
            visit.order = work_order_open(
                actor=office,
                created_by=office_user,
                customer=build.customers[visit.customer],
                title=visit.title,
                brief_description=visit.brief,
                job_type=visit.job_type,
                # A weekend job is planned shorter than its type's usual length.
                estimated_minutes=visit.planned if visit.planned != JOB_MINUTES[visit.job_type] else None,
                technician=build.technicians[visit.tech],
                scheduled_for=visit.at,
            )

        build.add(visit.created_at, book)
