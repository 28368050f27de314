"""The database refuses impossible trucks and stock, on PostgreSQL and SQLite alike."""

import pytest

from dispatch.tests.test_constraints import assert_every_constraint_is_tested, violates
from inventory.models import Truck, TruckInventory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory

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
