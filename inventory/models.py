"""Trucks, the items they carry and how many of each."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from dispatch.db import UpdatedAtModel, created_at_field


class Truck(models.Model):
    name = models.CharField(max_length=255)
    is_office_truck = models.BooleanField(default=False, db_default=False)
    active = models.BooleanField(default=True, db_default=True)
    created_at = created_at_field()

    # The seed fixes the office truck's id; it carries no stock.
    OFFICE_TRUCK_ID = 1

    class Meta:
        db_table = "trucks"
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(condition=Q(id__gte=1), name="trucks_id_gte_1"),
            models.UniqueConstraint(
                fields=["is_office_truck"], condition=Q(is_office_truck=True), name="trucks_one_office_truck"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class InventoryItem(UpdatedAtModel):
    class Category(models.TextChoices):
        CAMERAS = "Cameras", "Cameras"
        CABLES = "Cables", "Cables"
        CONNECTORS = "Connectors", "Connectors"
        TOOLS = "Tools", "Tools"
        POWER_SUPPLIES = "Power Supplies", "Power Supplies"

    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(null=True, blank=True)
    category = models.CharField(max_length=100, choices=Category, null=True, blank=True)
    unit = models.CharField(max_length=50, null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "inventory_items"
        ordering = ["category", "name"]

    def __str__(self) -> str:
        return self.name


class TruckInventory(models.Model):
    truck = models.ForeignKey(Truck, on_delete=models.PROTECT, related_name="stock")
    item = models.ForeignKey(InventoryItem, on_delete=models.PROTECT, related_name="truck_stock")
    quantity = models.IntegerField()
    last_updated = models.DateTimeField(auto_now=True, db_default=Now())

    class Meta:
        db_table = "truck_inventory"
        ordering = ["truck", "item__category", "item__name"]
        verbose_name = "truck stock"
        verbose_name_plural = "truck stock"
        constraints = [
            models.UniqueConstraint(fields=["truck", "item"], name="truck_inventory_one_row_per_item"),
            models.CheckConstraint(
                condition=Q(quantity__gte=0), name="truck_inventory_quantity_non_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.truck}: {self.quantity} × {self.item}"
