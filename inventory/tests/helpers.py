"""Test set-up through the stock service itself, so the ledger always explains the stock."""

from django.db import connection
from django.db.models import Sum
from django.test.utils import CaptureQueriesContext

from dispatch.models import ActorType
from dispatch.services import Actor
from inventory.models import InventoryItem, StockMovement, Truck, TruckInventory
from inventory.services import truck_stock_restock

OFFICE = Actor(ActorType.OFFICE, None)


def stock(truck: Truck, item: InventoryItem, quantity: int) -> None:
    """Restock `truck` with `quantity` of `item` from the warehouse."""
    truck_stock_restock(truck=truck, item=item, quantity=quantity, actor=OFFICE)


def on_truck(truck: Truck, item: InventoryItem) -> int:
    row = TruckInventory.objects.filter(truck=truck, item=item).first()
    return row.quantity if row else 0


def ledger(truck: Truck, item: InventoryItem) -> int:
    return (
        StockMovement.objects.filter(truck=truck, item=item).aggregate(total=Sum("quantity_change"))["total"]
        or 0
    )


def count_queries(client, url: str, **kwargs) -> int:
    """How many SQL queries one GET of `url` runs (it must answer 200)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **kwargs)
    assert response.status_code == 200, (url, response.status_code)
    return len(queries.captured_queries)


def fill(trucks: int, items: int, *, quantity: int = 3) -> tuple[list[Truck], list[InventoryItem]]:
    """`trucks` service trucks x `items` items, every cell stocked, written in bulk for size tests."""
    start_truck = Truck.objects.count()
    start_item = InventoryItem.objects.count()
    new_trucks = Truck.objects.bulk_create(Truck(name=f"Truck {start_truck + n:03d}") for n in range(trucks))
    new_items = InventoryItem.objects.bulk_create(
        InventoryItem(
            name=f"Part {start_item + n:04d}",
            category=InventoryItem.Category.values[n % 5],
            unit="unit",
            standard_quantity=10,
            minimum_quantity=4,
        )
        for n in range(items)
    )
    all_trucks = list(Truck.objects.service())
    all_items = list(InventoryItem.objects.all())
    existing = set(TruckInventory.objects.values_list("truck_id", "item_id"))
    TruckInventory.objects.bulk_create(
        TruckInventory(truck=t, item=i, quantity=quantity)
        for t in all_trucks
        for i in all_items
        if (t.pk, i.pk) not in existing
    )
    return new_trucks, new_items
