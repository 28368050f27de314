"""The stock service: every change is a movement, stock never goes below zero, bad input is refused."""

import pytest
from django.core.exceptions import ValidationError

from dispatch.models import ActorType
from dispatch.services import Actor
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from inventory.models import MovementKind, StockMovement, TruckInventory
from inventory.services import (
    MAX_QUANTITY,
    minimum_quantity_for,
    standard_quantity_for,
    truck_stock_adjust,
    truck_stock_consume,
    truck_stock_restock,
    truck_stock_restock_to_standard,
    truck_stock_return,
    truck_stock_transfer,
)
from inventory.tests.factories import InventoryItemFactory, TruckFactory
from inventory.tests.helpers import OFFICE, ledger, on_truck, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def truck():
    return TruckFactory()


@pytest.fixture
def camera():
    return InventoryItemFactory(name="IP Dome Camera", standard_quantity=5, minimum_quantity=2)


# Restock


def test_restock_adds_stock_and_records_who_and_why(truck, camera):
    actor = Actor(ActorType.OFFICE, 7)
    movement = truck_stock_restock(truck=truck, item=camera, quantity=3, actor=actor, reason="PO 1123")

    assert on_truck(truck, camera) == 3
    assert (movement.kind, movement.quantity_change, movement.quantity_after) == (MovementKind.RESTOCK, 3, 3)
    assert (movement.created_by_type, movement.created_by_id, movement.reason) == ("office", 7, "PO 1123")


@pytest.mark.parametrize("quantity", [0, -1, MAX_QUANTITY + 1, 2.5, "3", True])
def test_restock_refuses_a_quantity_that_is_not_a_sensible_whole_number(truck, camera, quantity):
    with pytest.raises(ValidationError):
        truck_stock_restock(truck=truck, item=camera, quantity=quantity, actor=OFFICE)
    assert not StockMovement.objects.exists()
    assert on_truck(truck, camera) == 0


def test_the_office_truck_carries_no_inventory(camera):
    office = TruckFactory(is_office_truck=True)
    with pytest.raises(ValidationError, match="office truck"):
        truck_stock_restock(truck=office, item=camera, quantity=1, actor=OFFICE)
    assert not TruckInventory.objects.filter(truck=office).exists()


def test_a_truck_out_of_service_is_refused(camera):
    parked = TruckFactory(active=False)
    with pytest.raises(ValidationError, match="not in service"):
        truck_stock_restock(truck=parked, item=camera, quantity=1, actor=OFFICE)
    assert on_truck(parked, camera) == 0


def test_a_retired_item_cannot_be_restocked(truck):
    retired = InventoryItemFactory(active=False)
    with pytest.raises(ValidationError, match="no longer carried"):
        truck_stock_restock(truck=truck, item=retired, quantity=1, actor=OFFICE)
    assert on_truck(truck, retired) == 0


# Restock to standard


def test_restock_to_standard_fills_only_items_below_their_minimum(truck, camera):
    cable = InventoryItemFactory(name="Cat6", standard_quantity=500, minimum_quantity=100)
    untouched = InventoryItemFactory(name="Crimpers", standard_quantity=2, minimum_quantity=1)
    stock(truck, camera, 1)  # below the minimum of 2
    stock(truck, cable, 150)  # above the minimum of 100: left alone
    stock(truck, untouched, 1)  # at the minimum: left alone

    movements = truck_stock_restock_to_standard(truck=truck, actor=OFFICE)

    assert [(m.item, m.quantity_change) for m in movements] == [(camera, 4)]
    assert (on_truck(truck, camera), on_truck(truck, cable), on_truck(truck, untouched)) == (5, 150, 1)


def test_restock_to_standard_stocks_items_the_truck_never_carried(truck, camera):
    movements = truck_stock_restock_to_standard(truck=truck, actor=OFFICE)
    assert [(m.item, m.quantity_after) for m in movements] == [(camera, 5)]


def test_restock_to_standard_leaves_retired_items_alone(truck, camera):
    InventoryItemFactory(active=False, standard_quantity=10, minimum_quantity=2)
    movements = truck_stock_restock_to_standard(truck=truck, actor=OFFICE)
    assert [m.item for m in movements] == [camera]


def test_restock_to_standard_twice_adds_nothing_the_second_time(truck, camera):
    truck_stock_restock_to_standard(truck=truck, actor=OFFICE)
    assert truck_stock_restock_to_standard(truck=truck, actor=OFFICE) == []
    assert StockMovement.objects.count() == 1


# Adjust


def test_adjust_sets_the_counted_quantity_with_its_reason(truck, camera):
    stock(truck, camera, 5)
    movement = truck_stock_adjust(truck=truck, item=camera, counted=3, reason="Two damaged", actor=OFFICE)
    assert (movement.kind, movement.quantity_change, movement.reason) == (
        MovementKind.ADJUSTMENT,
        -2,
        "Two damaged",
    )
    assert on_truck(truck, camera) == 3


@pytest.mark.parametrize("reason", ["", "   "])
def test_adjust_without_a_reason_is_refused(truck, camera, reason):
    stock(truck, camera, 5)
    with pytest.raises(ValidationError, match="why"):
        truck_stock_adjust(truck=truck, item=camera, counted=3, reason=reason, actor=OFFICE)
    assert on_truck(truck, camera) == 5


@pytest.mark.parametrize("counted", [-1, MAX_QUANTITY + 1])
def test_adjust_to_an_impossible_count_is_refused(truck, camera, counted):
    with pytest.raises(ValidationError):
        truck_stock_adjust(truck=truck, item=camera, counted=counted, reason="count", actor=OFFICE)
    assert not StockMovement.objects.exists()


def test_adjust_to_the_same_quantity_records_nothing(truck, camera):
    stock(truck, camera, 4)
    assert truck_stock_adjust(truck=truck, item=camera, counted=4, reason="count", actor=OFFICE) is None
    assert StockMovement.objects.count() == 1


# Transfer


def test_transfer_moves_stock_and_records_both_sides(truck, camera):
    other = TruckFactory()
    stock(truck, camera, 5)

    out, into = truck_stock_transfer(from_truck=truck, to_truck=other, item=camera, quantity=2, actor=OFFICE)

    assert (on_truck(truck, camera), on_truck(other, camera)) == (3, 2)
    assert (out.kind, out.quantity_change, out.other_truck) == (MovementKind.TRANSFER_OUT, -2, other)
    assert (into.kind, into.quantity_change, into.other_truck) == (MovementKind.TRANSFER_IN, 2, truck)


def test_transfer_of_more_than_the_truck_holds_changes_nothing(truck, camera):
    other = TruckFactory()
    stock(truck, camera, 1)
    with pytest.raises(ValidationError, match="Not enough"):
        truck_stock_transfer(from_truck=truck, to_truck=other, item=camera, quantity=2, actor=OFFICE)
    assert (on_truck(truck, camera), on_truck(other, camera)) == (1, 0)
    assert StockMovement.objects.count() == 1


def test_transfer_to_the_same_truck_is_refused(truck, camera):
    stock(truck, camera, 5)
    with pytest.raises(ValidationError, match="two different trucks"):
        truck_stock_transfer(from_truck=truck, to_truck=truck, item=camera, quantity=1, actor=OFFICE)
    assert on_truck(truck, camera) == 5


def test_transfer_to_the_office_truck_is_refused(truck, camera):
    stock(truck, camera, 5)
    office = TruckFactory(is_office_truck=True)
    with pytest.raises(ValidationError, match="office truck"):
        truck_stock_transfer(from_truck=truck, to_truck=office, item=camera, quantity=1, actor=OFFICE)
    assert on_truck(truck, camera) == 5


# Parts used on a job, and returned


def test_parts_used_on_a_job_leave_the_truck_linked_to_the_work_order(truck, camera):
    stock(truck, camera, 5)
    work_order, technician = WorkOrderFactory(), TechnicianFactory()
    movement = truck_stock_consume(
        truck=truck,
        item=camera,
        quantity=2,
        work_order=work_order,
        technician=technician,
        actor=Actor(ActorType.TECHNICIAN, technician.pk),
    )
    assert on_truck(truck, camera) == 3
    assert (movement.kind, movement.work_order, movement.technician) == (
        MovementKind.USED_ON_JOB,
        work_order,
        technician,
    )
    assert list(work_order.stock_movements.all()) == [movement]


def test_using_more_than_the_truck_holds_is_refused_clearly(truck, camera):
    stock(truck, camera, 1)
    with pytest.raises(ValidationError, match="Not enough IP Dome Camera.*: 1 left, 2 needed"):
        truck_stock_consume(truck=truck, item=camera, quantity=2, work_order=WorkOrderFactory(), actor=OFFICE)
    assert on_truck(truck, camera) == 1


def test_parts_return_to_the_truck_up_to_what_the_job_used(truck, camera):
    stock(truck, camera, 5)
    work_order = WorkOrderFactory()
    truck_stock_consume(truck=truck, item=camera, quantity=2, work_order=work_order, actor=OFFICE)

    truck_stock_return(truck=truck, item=camera, quantity=1, work_order=work_order, actor=OFFICE)
    with pytest.raises(ValidationError, match="Only 1"):
        truck_stock_return(truck=truck, item=camera, quantity=2, work_order=work_order, actor=OFFICE)

    assert on_truck(truck, camera) == 4


# The ledger invariant


def test_after_every_kind_of_movement_each_trucks_stock_is_the_sum_of_its_movements(truck, camera):
    other = TruckFactory()
    work_order = WorkOrderFactory()
    stock(truck, camera, 5)
    truck_stock_transfer(from_truck=truck, to_truck=other, item=camera, quantity=2, actor=OFFICE)
    truck_stock_consume(truck=truck, item=camera, quantity=1, work_order=work_order, actor=OFFICE)
    truck_stock_return(truck=truck, item=camera, quantity=1, work_order=work_order, actor=OFFICE)
    truck_stock_adjust(truck=other, item=camera, counted=1, reason="Lost one", actor=OFFICE)
    truck_stock_restock_to_standard(truck=other, actor=OFFICE)

    for each in (truck, other):
        assert on_truck(each, camera) == ledger(each, camera)
    assert (on_truck(truck, camera), on_truck(other, camera)) == (3, 5)


def test_each_movement_records_the_quantity_after_it(truck, camera):
    stock(truck, camera, 4)
    truck_stock_consume(truck=truck, item=camera, quantity=3, work_order=WorkOrderFactory(), actor=OFFICE)
    stock(truck, camera, 2)
    assert list(StockMovement.objects.order_by("id").values_list("quantity_after", flat=True)) == [4, 1, 3]


# Defaults per category


def test_standard_quantities_follow_the_seed_per_category():
    assert [
        standard_quantity_for(c) for c in ("Cameras", "Cables", "Connectors", "Tools", "Power Supplies")
    ] == [
        5,
        500,
        100,
        2,
        10,
    ]
    assert standard_quantity_for(None) == 0
    assert (minimum_quantity_for("Cables"), minimum_quantity_for("Tools"), minimum_quantity_for(None)) == (
        100,
        1,
        0,
    )
