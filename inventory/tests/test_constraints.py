"""The database refuses impossible trucks and stock, on PostgreSQL and SQLite alike."""

import pytest

from dispatch.tests.factories import WorkOrderFactory
from dispatch.tests.test_constraints import assert_every_constraint_is_tested, violates
from inventory.models import InventoryItem, MovementKind, StockMovement, Truck, TruckInventory
from inventory.tests.factories import (
    InventoryItemFactory,
    StockMovementFactory,
    TruckFactory,
    TruckInventoryFactory,
)

pytestmark = pytest.mark.django_db


def test_every_inventory_constraint_has_a_test_here():
    assert_every_constraint_is_tested("inventory", __file__)


def test_truck_id_zero_is_refused_and_id_one_accepted():
    with violates("trucks_id_gte_1"):
        TruckFactory(id=0)
    TruckFactory(id=1, name="Office Truck", is_office_truck=True)
    assert Truck.objects.get(id=1).is_office_truck


def test_a_second_office_truck_is_refused():
    TruckFactory(is_office_truck=True)
    with violates("trucks_one_office_truck"):
        TruckFactory(is_office_truck=True)
    assert Truck.objects.filter(is_office_truck=True).count() == 1


def test_a_service_truck_cannot_be_updated_into_a_second_office_truck():
    TruckFactory(is_office_truck=True)
    service = TruckFactory()
    with violates("trucks_one_office_truck"):
        Truck.objects.filter(pk=service.pk).update(is_office_truck=True)
    service.refresh_from_db()
    assert not service.is_office_truck


def test_one_office_truck_beside_many_service_trucks_is_accepted():
    TruckFactory(is_office_truck=True)
    TruckFactory.create_batch(4)
    assert Truck.objects.filter(is_office_truck=False).count() == 4


def test_a_second_stock_row_for_the_same_truck_and_item_is_refused():
    row = TruckInventoryFactory()
    with violates("truck_inventory_one_row_per_item"):
        TruckInventoryFactory(truck=row.truck, item=row.item, quantity=1)
    assert TruckInventory.objects.get(truck=row.truck, item=row.item).quantity == 5


def test_the_same_item_on_two_trucks_and_two_items_on_one_truck_are_accepted():
    truck, other_truck = TruckFactory.create_batch(2)
    camera, cable = InventoryItemFactory.create_batch(2)
    TruckInventoryFactory(truck=truck, item=camera)
    TruckInventoryFactory(truck=truck, item=cable)
    TruckInventoryFactory(truck=other_truck, item=camera)
    assert TruckInventory.objects.count() == 3


def test_negative_stock_is_refused():
    with violates("truck_inventory_quantity_non_negative"):
        TruckInventoryFactory(quantity=-1)


def test_stock_cannot_be_updated_below_zero():
    row = TruckInventoryFactory(quantity=2)
    with violates("truck_inventory_quantity_non_negative"):
        TruckInventory.objects.filter(pk=row.pk).update(quantity=-1)
    row.refresh_from_db()
    assert row.quantity == 2


def test_zero_stock_is_accepted():
    row = TruckInventoryFactory(quantity=0)
    row.refresh_from_db()
    assert row.quantity == 0


# Item levels


def test_negative_standard_or_minimum_quantity_is_refused():
    with violates("inventory_items_levels_non_negative"):
        InventoryItemFactory(standard_quantity=-1, minimum_quantity=0)
    with violates("inventory_items_levels_non_negative"):
        InventoryItemFactory(standard_quantity=5, minimum_quantity=-1)
    assert not InventoryItem.objects.exists()


def test_a_minimum_above_the_standard_quantity_is_refused():
    item = InventoryItemFactory(standard_quantity=5, minimum_quantity=1)
    with violates("inventory_items_minimum_within_standard"):
        InventoryItem.objects.filter(pk=item.pk).update(minimum_quantity=6)
    item.refresh_from_db()
    assert item.minimum_quantity == 1


def test_a_minimum_equal_to_the_standard_and_zero_levels_are_accepted():
    InventoryItemFactory(standard_quantity=5, minimum_quantity=5)
    InventoryItemFactory(standard_quantity=0, minimum_quantity=0)
    assert InventoryItem.objects.count() == 2


# The stock ledger


def test_an_unknown_movement_kind_is_refused():
    with violates("stock_movements_kind_valid"):
        StockMovementFactory(kind="stolen")


def test_a_movement_that_changes_nothing_is_refused():
    with violates("stock_movements_change_not_zero"):
        StockMovementFactory(kind=MovementKind.ADJUSTMENT, reason="recount", quantity_change=0)


def test_a_movement_leaving_negative_stock_is_refused():
    with violates("stock_movements_after_non_negative"):
        StockMovementFactory(quantity_after=-1)


def test_parts_used_or_returned_without_a_work_order_are_refused():
    with violates("stock_movements_job_kinds_name_the_job"):
        StockMovementFactory(kind=MovementKind.USED_ON_JOB, quantity_change=-1, quantity_after=4)
    with violates("stock_movements_job_kinds_name_the_job"):
        StockMovementFactory(kind=MovementKind.RETURNED_FROM_JOB, quantity_change=1)


def test_parts_used_on_a_named_work_order_are_accepted():
    movement = StockMovementFactory(
        kind=MovementKind.USED_ON_JOB, quantity_change=-1, quantity_after=4, work_order=WorkOrderFactory()
    )
    assert StockMovement.objects.get(pk=movement.pk).work_order_id is not None


def test_an_adjustment_without_a_reason_is_refused():
    with violates("stock_movements_adjustment_has_reason"):
        StockMovementFactory(kind=MovementKind.ADJUSTMENT, quantity_change=-2, reason="")
    StockMovementFactory(kind=MovementKind.ADJUSTMENT, quantity_change=-2, reason="Dropped from the ladder")
    assert StockMovement.objects.filter(kind=MovementKind.ADJUSTMENT).count() == 1


def test_a_transfer_without_the_other_truck_is_refused():
    with violates("stock_movements_transfer_names_other_truck"):
        StockMovementFactory(kind=MovementKind.TRANSFER_IN)
    with violates("stock_movements_transfer_names_other_truck"):
        StockMovementFactory(kind=MovementKind.TRANSFER_OUT, quantity_change=-1)


def test_a_transfer_from_a_truck_to_itself_is_refused():
    truck = TruckFactory()
    with violates("stock_movements_other_truck_differs"):
        StockMovementFactory(kind=MovementKind.TRANSFER_IN, truck=truck, other_truck=truck)
    StockMovementFactory(kind=MovementKind.TRANSFER_IN, truck=truck, other_truck=TruckFactory())
    assert StockMovement.objects.count() == 1


def test_a_movement_whose_sign_contradicts_its_kind_is_refused():
    other = TruckFactory()
    work_order = WorkOrderFactory()
    with violates("stock_movements_sign_matches_kind"):
        StockMovementFactory(kind=MovementKind.RESTOCK, quantity_change=-1)
    with violates("stock_movements_sign_matches_kind"):
        StockMovementFactory(kind=MovementKind.TRANSFER_IN, quantity_change=-1, other_truck=other)
    with violates("stock_movements_sign_matches_kind"):
        StockMovementFactory(kind=MovementKind.TRANSFER_OUT, quantity_change=1, other_truck=other)
    with violates("stock_movements_sign_matches_kind"):
        StockMovementFactory(kind=MovementKind.USED_ON_JOB, quantity_change=1, work_order=work_order)
    with violates("stock_movements_sign_matches_kind"):
        StockMovementFactory(kind=MovementKind.RETURNED_FROM_JOB, quantity_change=-1, work_order=work_order)
    assert not StockMovement.objects.exists()


def test_adjustments_may_go_either_way():
    StockMovementFactory(
        kind=MovementKind.ADJUSTMENT, quantity_change=3, quantity_after=8, reason="Found a box"
    )
    StockMovementFactory(kind=MovementKind.ADJUSTMENT, quantity_change=-3, quantity_after=5, reason="Recount")
    assert StockMovement.objects.count() == 2
