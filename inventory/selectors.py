"""Reads that the inventory pages and the check_stock command share. Each runs a fixed number of queries."""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import Count, Model, Q, QuerySet, Sum

from dispatch import scheduling
from dispatch.db import archive_table
from dispatch.models import ActorType, Technician
from inventory.models import InventoryItem, MovementKind, StockMovement, Truck, TruckInventory

JOB_KINDS = [MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB]


@dataclass(frozen=True)
class MatrixCell:
    truck: Truck
    quantity: int | None  # None: the truck has never carried the item
    low: bool


@dataclass
class MatrixRow:
    item: InventoryItem
    cells: list[MatrixCell]

    @property
    def total(self) -> int:
        return sum(cell.quantity or 0 for cell in self.cells)

    @property
    def low_count(self) -> int:
        return sum(cell.low for cell in self.cells)


@dataclass
class StockMatrix:
    trucks: list[Truck]
    page: Page | None = None
    rows: list[MatrixRow] = field(default_factory=list)

    @property
    def low_count(self) -> int:
        return sum(row.low_count for row in self.rows)

    @property
    def low_by_truck(self) -> list[tuple[Truck, int]]:
        """Each truck with how many of the shown items it is below the minimum of."""
        return [(truck, sum(row.cells[i].low for row in self.rows)) for i, truck in enumerate(self.trucks)]


def stock_matrix(
    *, category: str = "", low_only: bool = False, page_number: str | None = None, trucks_shown: int = 0
) -> StockMatrix:
    """A page of service trucks (all with trucks_shown=0) x active items with each cell's quantity
    and whether it is below the minimum; low_only keeps the items low on a truck of the page."""
    trucks_query = Truck.objects.service().order_by("name", "pk")
    page = Paginator(trucks_query, trucks_shown).get_page(page_number) if trucks_shown else None
    trucks = list(page) if page is not None else list(trucks_query)
    items = InventoryItem.objects.active().order_by("category", "name")
    if category:
        items = items.filter(category=category)
    items = list(items)
    stock_rows = TruckInventory.objects.filter(truck__in=[truck.pk for truck in trucks], item__active=True)
    if category:
        stock_rows = stock_rows.filter(item__category=category)
    quantities = {
        (truck_id, item_id): quantity
        for truck_id, item_id, quantity in stock_rows.values_list("truck_id", "item_id", "quantity")
    }
    matrix = StockMatrix(trucks=trucks, page=page)
    for item in items:
        cells = []
        for truck in trucks:
            quantity = quantities.get((truck.pk, item.pk))
            cells.append(MatrixCell(truck=truck, quantity=quantity, low=item.needs_restock(quantity or 0)))
        row = MatrixRow(item=item, cells=cells)
        if not low_only or row.low_count:
            matrix.rows.append(row)
    return matrix


@dataclass(frozen=True)
class StockLine:
    item: InventoryItem
    quantity: int

    @property
    def low(self) -> bool:
        return self.item.needs_restock(self.quantity)

    @property
    def to_add(self) -> int:
        return self.item.restock_quantity(self.quantity)


def truck_stock_lines(truck: Truck) -> list[StockLine]:
    """Every active item with the truck's quantity, plus retired items the truck still holds."""
    quantities = dict(truck.stock.values_list("item_id", "quantity"))
    held = [item_id for item_id, quantity in quantities.items() if quantity > 0]
    items = InventoryItem.objects.filter(Q(active=True) | Q(pk__in=held)).order_by("category", "name")
    return [StockLine(item=item, quantity=quantities.get(item.pk, 0)) for item in items]


def replenishment_lines(truck: Truck) -> list[StockLine]:
    """What Restock to standard would add to the truck, item by item."""
    return [line for line in truck_stock_lines(truck) if line.to_add > 0]


def open_clock_record(truck: Truck) -> Model | None:
    """The open clock record on this truck (its technician selected), if anyone is clocked in on it.

    Read through the reverse relation: inventory does not import fieldops.
    """
    return (
        truck.clock_records.filter(clock_out_time__isnull=True)
        .select_related("technician")
        .order_by("-clock_in_time")
        .first()
    )


def movements_with_people(movements: QuerySet[StockMovement] | list[StockMovement]) -> list[StockMovement]:
    """The movements with `actor_name` set: who made each change, in two queries whatever the count."""
    movements = list(movements)
    user_ids = {
        m.created_by_id for m in movements if m.created_by_type in (ActorType.OFFICE, ActorType.ADMIN)
    }
    tech_ids = {m.created_by_id for m in movements if m.created_by_type == ActorType.TECHNICIAN}
    users = {}
    if user_ids:
        users = {
            u.pk: u.get_full_name() or u.username for u in get_user_model().objects.filter(pk__in=user_ids)
        }
    technicians = {}
    if tech_ids:
        technicians = dict(Technician.objects.filter(pk__in=tech_ids).values_list("pk", "name"))
    for movement in movements:
        if movement.created_by_type == ActorType.TECHNICIAN:
            name = technicians.get(movement.created_by_id)
        elif movement.created_by_type in (ActorType.OFFICE, ActorType.ADMIN):
            name = users.get(movement.created_by_id)
        else:
            name = None
        movement.actor_name = name or movement.get_created_by_type_display()
    return movements


def recent_movements(truck: Truck, *, limit: int = 15) -> list[StockMovement]:
    movements = truck.movements.select_related("item", "other_truck", "work_order").order_by(
        "-created_at", "-id"
    )
    return movements_with_people(movements[:limit])


def day_range(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """From the start of `start` to the end of `end`, in the company's time zone."""
    return scheduling.days_bounds(start, end + dt.timedelta(days=1))


def _job_movements(start: dt.date, end: dt.date) -> QuerySet[StockMovement]:
    since, until = day_range(start, end)
    return StockMovement.objects.filter(kind__in=JOB_KINDS, created_at__gte=since, created_at__lt=until)


def usage_by_item(start: dt.date, end: dt.date) -> list[dict]:
    """Net quantity used on jobs per item (returns subtracted), most used first."""
    return list(
        _job_movements(start, end)
        .values("item_id", "item__name", "item__category", "item__unit")
        .annotate(used=-Sum("quantity_change"), jobs=Count("work_order", distinct=True))
        .filter(used__gt=0)
        .order_by("-used", "item__name")
    )


def usage_by_truck(start: dt.date, end: dt.date, trucks: list[int] | None = None) -> list[dict]:
    """Net quantity used on jobs per truck, per unit (feet and pieces are never added together),
    with how many jobs and different items it took, by truck name: two queries. `trucks` keeps
    only those trucks (a page of the report), each read through its own index range."""
    movements = _job_movements(start, end)
    if trucks is not None:
        movements = movements.filter(truck_id__in=trucks)
    per_unit = (
        movements.values("truck_id", "item__unit")
        .annotate(used=-Sum("quantity_change"))
        .filter(used__gt=0)
        .order_by("truck_id", "item__unit")
    )
    used: dict[int, list[tuple[int, str]]] = {}
    for row in per_unit:
        used.setdefault(row["truck_id"], []).append((row["used"], row["item__unit"] or ""))
    rows = list(
        movements.values("truck_id", "truck__name")
        .annotate(jobs=Count("work_order", distinct=True), items=Count("item", distinct=True))
        .order_by("truck__name")
    )
    return [{**row, "used": used[row["truck_id"]]} for row in rows if row["truck_id"] in used]


def usage_trucks_page(start: dt.date, end: dt.date, page_number: str | None, per_page: int) -> Page:
    """A page of the trucks that used parts on jobs from `start` to `end` (net of returns), by name,
    each row as `usage_by_truck` gives it: one query lists the trucks (the job-movements index
    only), then the page's 25 are aggregated, not all 500."""
    used = (
        _job_movements(start, end)
        .values("truck_id", "truck__name", "item__unit")
        .annotate(used=-Sum("quantity_change"))
        .filter(used__gt=0)  # as usage_by_truck: a truck is listed if it used some unit net
        .order_by("truck__name", "truck_id")
        .values_list("truck_id", flat=True)
    )
    trucks = list(dict.fromkeys(used))
    page = Paginator(trucks, per_page).get_page(page_number)
    page.object_list = usage_by_truck(start, end, trucks=list(page.object_list))
    return page


def usage_totals(by_item: list[dict]) -> list[tuple[int, str]]:
    """What the report's items add up to, one total per unit ('1,200 ft', '35 pcs')."""
    totals: dict[str, int] = {}
    for row in by_item:
        unit = row["item__unit"] or ""
        totals[unit] = totals.get(unit, 0) + row["used"]
    return sorted(((quantity, unit) for unit, quantity in totals.items()), key=lambda t: t[1])


@dataclass(frozen=True)
class Discrepancy:
    truck: str
    item: str
    stock: int
    ledger: int


def _archived_ledger() -> dict[tuple[int, int], int]:
    """Movements archive_work_orders moved out with their work orders still explain today's stock."""
    table = archive_table(StockMovement)
    if table not in connection.introspection.table_names():
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT truck_id, item_id, SUM(quantity_change) FROM {connection.ops.quote_name(table)} "
            "GROUP BY truck_id, item_id"
        )
        return {(truck, item): total for truck, item, total in cursor.fetchall()}


def stock_discrepancies() -> tuple[int, list[Discrepancy]]:
    """How many (truck, item) pairs were checked, and those whose stock is not the sum of their movements."""
    ledger = {
        (row["truck_id"], row["item_id"]): row["total"]
        for row in StockMovement.objects.values("truck_id", "item_id")
        .annotate(total=Sum("quantity_change"))
        .order_by()
    }
    for pair, total in _archived_ledger().items():
        ledger[pair] = ledger.get(pair, 0) + total
    stock = {(t, i): q for t, i, q in TruckInventory.objects.values_list("truck_id", "item_id", "quantity")}
    pairs = sorted(set(ledger) | set(stock))
    wrong = [pair for pair in pairs if ledger.get(pair, 0) != stock.get(pair, 0)]
    trucks = dict(Truck.objects.filter(pk__in={t for t, _ in wrong}).values_list("pk", "name"))
    items = dict(InventoryItem.objects.filter(pk__in={i for _, i in wrong}).values_list("pk", "name"))
    return len(pairs), [
        Discrepancy(
            truck=f"{trucks.get(t, '?')} (#{t})",
            item=f"{items.get(i, '?')} (#{i})",
            stock=stock.get((t, i), 0),
            ledger=ledger.get((t, i), 0),
        )
        for t, i in wrong
    ]
