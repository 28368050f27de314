"""Minimal valid objects for inventory's models."""

import factory

from inventory import models


class TruckFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Truck

    name = factory.Sequence(lambda n: f"Service Truck {300 + n}")


class InventoryItemFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.InventoryItem

    name = factory.Sequence(lambda n: f"IP Dome Camera model {n}")
    category = models.InventoryItem.Category.CAMERAS
    unit = "unit"
    standard_quantity = 5
    minimum_quantity = 1


class TruckInventoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.TruckInventory

    truck = factory.SubFactory(TruckFactory)
    item = factory.SubFactory(InventoryItemFactory)
    quantity = 5


class StockMovementFactory(factory.django.DjangoModelFactory):
    """A restock from the warehouse: the simplest valid ledger row."""

    class Meta:
        model = models.StockMovement

    truck = factory.SubFactory(TruckFactory)
    item = factory.SubFactory(InventoryItemFactory)
    kind = models.MovementKind.RESTOCK
    quantity_change = 5
    quantity_after = 5
    created_by_type = "system"
