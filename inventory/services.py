"""Every change to truck stock, each written to the stock_movements ledger in the same transaction.

Rows of truck_inventory are locked in (truck id, item id) order, so two operations that
touch the same rows (a transfer each way between two trucks) cannot deadlock.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from dispatch.models import ActorType, Technician, WorkOrder
from dispatch.services import Actor
from inventory.models import (
    STANDARD_QUANTITY_BY_CATEGORY,
    InventoryItem,
    MovementKind,
    StockMovement,
    Truck,
    TruckInventory,
)

# Larger than any real truck load: a typo, not a delivery.
MAX_QUANTITY = 10_000


def _check_quantity(quantity: int) -> None:
    if not isinstance(quantity, int) or isinstance(quantity, bool):
        raise ValidationError("The quantity must be a whole number.")
    if quantity <= 0:
        raise ValidationError("The quantity must be at least 1.")
    if quantity > MAX_QUANTITY:
        raise ValidationError(f"The quantity must be at most {MAX_QUANTITY:,}.")


def _check_truck(truck: Truck) -> None:
    if truck.is_office_truck:
        raise ValidationError(f"{truck} is the office truck: it carries no inventory.")
    if not truck.active:
        raise ValidationError(f"{truck} is not in service.")


def _locked_rows(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], TruckInventory]:
    """The stock rows for (truck id, item id) pairs, created at 0 where missing, locked in a fixed order."""
    rows: dict[tuple[int, int], TruckInventory] = {}
    for truck_id, item_id in sorted(set(pairs)):
        TruckInventory.objects.get_or_create(truck_id=truck_id, item_id=item_id, defaults={"quantity": 0})
        rows[(truck_id, item_id)] = TruckInventory.objects.select_for_update().get(
            truck_id=truck_id, item_id=item_id
        )
    return rows


def _move(
    row: TruckInventory,
    *,
    change: int,
    kind: str,
    actor: Actor,
    item: InventoryItem,
    truck: Truck,
    work_order: WorkOrder | None = None,
    technician: Technician | None = None,
    other_truck: Truck | None = None,
    reason: str = "",
) -> StockMovement:
    if row.quantity + change < 0:
        raise ValidationError(
            f"Not enough {item.name} on {truck}: {item.amount(row.quantity)} left, "
            f"{item.amount(-change)} needed."
        )
    row.quantity += change
    row.save(update_fields=["quantity", "last_updated"])
    return StockMovement.objects.create(
        truck=truck,
        item=item,
        kind=kind,
        quantity_change=change,
        quantity_after=row.quantity,
        work_order=work_order,
        technician=technician,
        other_truck=other_truck,
        reason=reason,
        created_by_type=actor.type,
        created_by_id=actor.id,
    )


@transaction.atomic
def truck_stock_restock(
    *, truck: Truck, item: InventoryItem, quantity: int, actor: Actor, reason: str = ""
) -> StockMovement:
    """Add stock from the warehouse to a service truck."""
    _check_truck(truck)
    _check_quantity(quantity)
    if not item.active:
        raise ValidationError(f"{item} is no longer carried: make it active again before restocking it.")
    row = _locked_rows([(truck.pk, item.pk)])[(truck.pk, item.pk)]
    return _move(
        row, change=quantity, kind=MovementKind.RESTOCK, actor=actor, item=item, truck=truck, reason=reason
    )


@transaction.atomic
def truck_stock_restock_to_standard(*, truck: Truck, actor: Actor) -> list[StockMovement]:
    """Bring every active item below its minimum back up to its standard quantity, in one step."""
    _check_truck(truck)
    items = list(InventoryItem.objects.active().filter(standard_quantity__gt=0).order_by("pk"))
    rows = _locked_rows([(truck.pk, item.pk) for item in items])
    movements = []
    for item in items:
        row = rows[(truck.pk, item.pk)]
        missing = item.restock_quantity(row.quantity)
        if missing > 0:
            movements.append(
                _move(
                    row,
                    change=missing,
                    kind=MovementKind.RESTOCK,
                    actor=actor,
                    item=item,
                    truck=truck,
                    reason="Restock to standard",
                )
            )
    return movements


@transaction.atomic
def truck_stock_adjust(
    *, truck: Truck, item: InventoryItem, counted: int, reason: str, actor: Actor
) -> StockMovement | None:
    """Set a truck's quantity to what was counted; the difference is an adjustment with its reason."""
    _check_truck(truck)
    if not reason or not reason.strip():
        raise ValidationError("Say why the stock is adjusted.")
    if not isinstance(counted, int) or counted < 0 or counted > MAX_QUANTITY:
        raise ValidationError(f"The counted quantity must be a whole number from 0 to {MAX_QUANTITY:,}.")
    row = _locked_rows([(truck.pk, item.pk)])[(truck.pk, item.pk)]
    change = counted - row.quantity
    if change == 0:
        return None
    return _move(
        row,
        change=change,
        kind=MovementKind.ADJUSTMENT,
        actor=actor,
        item=item,
        truck=truck,
        reason=reason.strip(),
    )


@transaction.atomic
def truck_stock_transfer(
    *, from_truck: Truck, to_truck: Truck, item: InventoryItem, quantity: int, actor: Actor, reason: str = ""
) -> tuple[StockMovement, StockMovement]:
    """Move stock from one service truck to another: two movements, or none."""
    if from_truck.pk == to_truck.pk:
        raise ValidationError("A transfer needs two different trucks.")
    _check_truck(from_truck)
    _check_truck(to_truck)
    _check_quantity(quantity)
    rows = _locked_rows([(from_truck.pk, item.pk), (to_truck.pk, item.pk)])
    out = _move(
        rows[(from_truck.pk, item.pk)],
        change=-quantity,
        kind=MovementKind.TRANSFER_OUT,
        actor=actor,
        item=item,
        truck=from_truck,
        other_truck=to_truck,
        reason=reason,
    )
    into = _move(
        rows[(to_truck.pk, item.pk)],
        change=quantity,
        kind=MovementKind.TRANSFER_IN,
        actor=actor,
        item=item,
        truck=to_truck,
        other_truck=from_truck,
        reason=reason,
    )
    return out, into


@transaction.atomic
def truck_stock_consume(
    *,
    truck: Truck,
    item: InventoryItem,
    quantity: int,
    work_order: WorkOrder,
    actor: Actor,
    technician: Technician | None = None,
) -> StockMovement:
    """Record parts used on a job: the truck's stock goes down, never below zero."""
    _check_truck(truck)
    _check_quantity(quantity)
    row = _locked_rows([(truck.pk, item.pk)])[(truck.pk, item.pk)]
    return _move(
        row,
        change=-quantity,
        kind=MovementKind.USED_ON_JOB,
        actor=actor,
        item=item,
        truck=truck,
        work_order=work_order,
        technician=technician,
    )


@transaction.atomic
def truck_stock_return(
    *,
    truck: Truck,
    item: InventoryItem,
    quantity: int,
    work_order: WorkOrder,
    actor: Actor,
    technician: Technician | None = None,
    reason: str = "",
) -> StockMovement:
    """Put parts back on the truck that a job did not use after all (`reason` says why, in the ledger)."""
    _check_truck(truck)
    _check_quantity(quantity)
    # Lock the stock row first: two returns for the same job then see each other's movement.
    row = _locked_rows([(truck.pk, item.pk)])[(truck.pk, item.pk)]
    used = -sum(
        StockMovement.objects.filter(
            truck=truck,
            item=item,
            work_order=work_order,
            kind__in=[MovementKind.USED_ON_JOB, MovementKind.RETURNED_FROM_JOB],
        ).values_list("quantity_change", flat=True)
    )
    if quantity > used:
        raise ValidationError(
            f"Only {used} {item.name} were used on this job from {truck}; {quantity} can't come back."
        )
    return _move(
        row,
        change=quantity,
        kind=MovementKind.RETURNED_FROM_JOB,
        actor=actor,
        item=item,
        truck=truck,
        work_order=work_order,
        technician=technician,
        reason=reason,
    )


def standard_quantity_for(category: str | None) -> int:
    """The seed's standard quantity for an item category (0 for none)."""
    return STANDARD_QUANTITY_BY_CATEGORY.get(category, 0)


def minimum_quantity_for(category: str | None) -> int:
    """A fifth of the standard quantity, at least 1 for anything a truck carries."""
    standard = standard_quantity_for(category)
    return max(1, standard // 5) if standard else 0


@transaction.atomic
def truck_crew_allowed_set(*, truck: Truck, allowed: bool, user) -> bool:
    """The office lets a crew share a truck (or makes it one truck, one driver again).

    Office staff only; the change is a row of admin_changes with who, when and old → new, the
    same record an admin's edit of the truck writes. Technicians already clocked in keep their
    shift; the rule applies from the next clock-in (fieldops/state.py). False when nothing changed.
    """
    from django.contrib.contenttypes.models import ContentType

    from techflow.models import AdminChange

    if Actor.for_user(user).type not in (ActorType.OFFICE, ActorType.ADMIN):
        raise PermissionDenied("Only the office decides who may share a truck.")
    locked = Truck.objects.select_for_update().get(pk=truck.pk)
    if locked.is_office_truck:
        raise ValidationError(f"{locked} is the office truck: nobody drives it on a shift.")
    if locked.crew_allowed == allowed:
        return False
    before = locked.crew_allowed
    locked.crew_allowed = allowed
    locked.save(update_fields=["crew_allowed"])
    truck.crew_allowed = allowed
    AdminChange.objects.create(
        user=user,
        action=AdminChange.Action.CHANGE,
        content_type=ContentType.objects.get_for_model(Truck),
        object_id=str(locked.pk),
        object_repr=str(locked)[:200],
        changes={"crew_allowed": [str(before), str(allowed)]},
        reason="Set on the office truck page.",
    )
    return True
