"""Trucks, the items they carry and how many of each."""

from django.db import models
from django.db.models import Q
from django.db.models.functions import Now

from dispatch.db import ClockDateTimeField, UpdatedAtModel, choices_check, created_at_field
from dispatch.models import ActorType, Technician, WorkOrder


class TruckQuerySet(models.QuerySet):
    def service(self) -> "TruckQuerySet":
        """Trucks in service that carry stock: every active truck but the office truck."""
        return self.filter(active=True, is_office_truck=False)


class Truck(models.Model):
    name = models.CharField(max_length=255)
    is_office_truck = models.BooleanField(default=False, db_default=False)
    active = models.BooleanField(default=True, db_default=True)
    # One truck, one driver: a second technician clocks in with it only when the office allows a crew.
    crew_allowed = models.BooleanField(
        "crew may share it",
        default=False,
        db_default=False,
        help_text="More than one technician may be clocked in with this truck at a time (a crew).",
    )
    created_at = created_at_field()

    objects = TruckQuerySet.as_manager()

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


class ItemCategory(models.TextChoices):
    CAMERAS = "Cameras", "Cameras"
    CABLES = "Cables", "Cables"
    CONNECTORS = "Connectors", "Connectors"
    TOOLS = "Tools", "Tools"
    POWER_SUPPLIES = "Power Supplies", "Power Supplies"


# The seed's standard quantities per category: what a service truck carries when full.
STANDARD_QUANTITY_BY_CATEGORY = {
    ItemCategory.CAMERAS: 5,
    ItemCategory.CABLES: 500,
    ItemCategory.CONNECTORS: 100,
    ItemCategory.TOOLS: 2,
    ItemCategory.POWER_SUPPLIES: 10,
}


# Units that only count things: "4 × RJ45 Connector", never "4 units".
COUNT_UNITS = {"unit", "units", "each", "ea", "pc", "pcs", "piece", "pieces"}
# Units written as symbols, never pluralised: "542 ft", not "542 fts".
SYMBOL_UNITS = {"ft", "m", "cm", "mm", "in", "yd", "kg", "g", "lb", "lbs", "oz", "l", "ml", "gal"}


def amount_text(quantity: int, unit: str | None) -> str:
    """A quantity as it is said: '542 ft', '2 boxes', '1 roll', and a bare '4' for counted things."""
    unit = (unit or "").strip()
    if not unit or unit.lower() in COUNT_UNITS:
        return str(quantity)
    if unit.lower() in SYMBOL_UNITS or quantity == 1:
        return f"{quantity} {unit}"
    plural = unit + ("es" if unit.endswith(("s", "x", "ch", "sh")) else "s")
    return f"{quantity} {plural}"


class InventoryItemQuerySet(models.QuerySet):
    def active(self) -> "InventoryItemQuerySet":
        return self.filter(active=True)


class InventoryItem(UpdatedAtModel):
    Category = ItemCategory

    name = models.CharField(max_length=255, unique=True)
    description = models.TextField(null=True, blank=True)
    category = models.CharField(max_length=100, choices=ItemCategory, null=True, blank=True)
    unit = models.CharField(max_length=50, null=True, blank=True)
    standard_quantity = models.IntegerField(
        default=0, db_default=0, help_text="What a full service truck carries."
    )
    minimum_quantity = models.IntegerField(
        default=0, db_default=0, help_text="Below this a truck needs restocking."
    )
    active = models.BooleanField(default=True, db_default=True)
    # Not in the seed: what one unit costs the company, for the reports' parts cost per job type.
    unit_cost = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, help_text="What one unit costs (optional)."
    )
    created_at = created_at_field()

    objects = InventoryItemQuerySet.as_manager()

    class Meta:
        db_table = "inventory_items"
        ordering = ["category", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(standard_quantity__gte=0, minimum_quantity__gte=0),
                name="inventory_items_levels_non_negative",
            ),
            models.CheckConstraint(
                condition=Q(minimum_quantity__lte=models.F("standard_quantity")),
                name="inventory_items_minimum_within_standard",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def amount(self, quantity: int) -> str:
        """`quantity` of this item in its unit, as it is said ('542 ft', '4')."""
        return amount_text(quantity, self.unit)

    def amount_of(self, quantity: int) -> str:
        """'4 × RJ45 Connector', '20 ft of Cat6 Cable'."""
        if not self.unit or self.unit.strip().lower() in COUNT_UNITS:
            return f"{quantity} × {self.name}"
        return f"{self.amount(quantity)} of {self.name}"

    def needs_restock(self, quantity: int) -> bool:
        """A truck holding `quantity` of this item is below its minimum (or out of something it carries)."""
        return (
            self.active and self.standard_quantity > 0 and (quantity < self.minimum_quantity or quantity == 0)
        )

    def restock_quantity(self, quantity: int) -> int:
        """How many to add to a truck holding `quantity` to reach the standard, when it needs restocking."""
        return max(0, self.standard_quantity - quantity) if self.needs_restock(quantity) else 0


class TruckInventory(models.Model):
    truck = models.ForeignKey(Truck, on_delete=models.PROTECT, related_name="stock")
    item = models.ForeignKey(InventoryItem, on_delete=models.PROTECT, related_name="truck_stock")
    quantity = models.IntegerField()
    last_updated = ClockDateTimeField(auto_now=True, db_default=Now())

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

    @property
    def is_low(self) -> bool:
        """Below the item's minimum, by the one rule (InventoryItem.needs_restock)."""
        return self.item.needs_restock(self.quantity)


class MovementKind(models.TextChoices):
    RESTOCK = "restock", "Restock from warehouse"
    TRANSFER_IN = "transfer_in", "Transfer in"
    TRANSFER_OUT = "transfer_out", "Transfer out"
    ADJUSTMENT = "adjustment", "Adjustment"
    USED_ON_JOB = "used_on_job", "Used on a job"
    RETURNED_FROM_JOB = "returned_from_job", "Returned from a job"


class StockMovement(models.Model):
    """One change to a truck's stock. A truck's movements add up to its truck_inventory rows."""

    Kind = MovementKind

    truck = models.ForeignKey(Truck, on_delete=models.PROTECT, related_name="movements")
    item = models.ForeignKey(InventoryItem, on_delete=models.PROTECT, related_name="movements")
    kind = models.CharField(max_length=20, choices=MovementKind)
    quantity_change = models.IntegerField(help_text="Positive into the truck, negative out of it.")
    quantity_after = models.IntegerField(help_text="The truck's quantity of the item after this movement.")
    work_order = models.ForeignKey(
        WorkOrder, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movements"
    )
    technician = models.ForeignKey(
        Technician, null=True, blank=True, on_delete=models.PROTECT, related_name="stock_movements"
    )
    # The other side of a transfer.
    other_truck = models.ForeignKey(Truck, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(blank=True, default="")
    created_by_type = models.CharField(max_length=50, choices=ActorType)
    created_by_id = models.IntegerField(null=True, blank=True)
    created_at = created_at_field()

    class Meta:
        db_table = "stock_movements"
        ordering = ["-created_at", "-id"]
        constraints = [
            choices_check("kind", MovementKind, "stock_movements_kind_valid"),
            models.CheckConstraint(condition=~Q(quantity_change=0), name="stock_movements_change_not_zero"),
            models.CheckConstraint(
                condition=Q(quantity_after__gte=0), name="stock_movements_after_non_negative"
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB])
                | Q(work_order__isnull=False),
                name="stock_movements_job_kinds_name_the_job",
            ),
            models.CheckConstraint(
                condition=~Q(kind=MovementKind.ADJUSTMENT) | ~Q(reason=""),
                name="stock_movements_adjustment_has_reason",
            ),
            models.CheckConstraint(
                condition=~Q(kind__in=[MovementKind.TRANSFER_IN, MovementKind.TRANSFER_OUT])
                | Q(other_truck__isnull=False),
                name="stock_movements_transfer_names_other_truck",
            ),
            models.CheckConstraint(
                condition=Q(other_truck__isnull=True) | ~Q(other_truck=models.F("truck")),
                name="stock_movements_other_truck_differs",
            ),
            models.CheckConstraint(
                condition=(
                    Q(
                        kind__in=[
                            MovementKind.RESTOCK,
                            MovementKind.TRANSFER_IN,
                            MovementKind.RETURNED_FROM_JOB,
                        ]
                    )
                    & Q(quantity_change__gt=0)
                )
                | (
                    Q(kind__in=[MovementKind.TRANSFER_OUT, MovementKind.USED_ON_JOB])
                    & Q(quantity_change__lt=0)
                )
                | Q(kind=MovementKind.ADJUSTMENT),
                name="stock_movements_sign_matches_kind",
            ),
        ]
        indexes = [
            models.Index(fields=["truck", "-created_at"], name="idx_stock_movements_truck"),
            models.Index(fields=["item", "-created_at"], name="idx_stock_movements_item"),
            models.Index(fields=["-created_at"], name="idx_stock_movements_created"),
            # The usage report (parts used on jobs over a range of days) reads only this index: its
            # rows are the job movements, its columns everything the report groups and sums.
            models.Index(
                fields=["created_at", "item", "truck", "work_order", "quantity_change"],
                condition=Q(kind__in=[MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB]),
                name="idx_stock_movements_job_use",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.quantity_change:+d} {self.item} on {self.truck}"
