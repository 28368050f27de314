"""One truck's page: its stock, recent movements, who is clocked in on it, and the three stock actions."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dispatch.models import ActorType
from dispatch.services import Actor
from dispatch.tests.factories import TechnicianFactory
from inventory.models import MovementKind, StockMovement
from inventory.services import truck_stock_transfer
from inventory.tests.factories import InventoryItemFactory, TruckFactory
from inventory.tests.helpers import count_queries, fill, ledger, on_truck, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def truck():
    return TruckFactory(name="Service Truck 201")


@pytest.fixture
def camera():
    return InventoryItemFactory(name="IP Dome Camera", standard_quantity=5, minimum_quantity=2)


def _url(name: str, truck) -> str:
    return reverse(f"inventory:{name}", args=[truck.pk])


# The page


def test_truck_page_shows_stock_with_low_items_marked(office_client, truck, camera):
    cable = InventoryItemFactory(name="Cat6 Cable", standard_quantity=500, minimum_quantity=100)
    stock(truck, camera, 1)
    stock(truck, cable, 400)
    response = office_client.get(_url("truck_detail", truck))
    lines = {line.item.name: line for line in response.context["lines"]}
    assert (lines["IP Dome Camera"].quantity, lines["IP Dome Camera"].low) == (1, True)
    assert (lines["Cat6 Cable"].quantity, lines["Cat6 Cable"].low) == (400, False)
    assert "1 below minimum" in response.content.decode()


def test_truck_page_shows_recent_movements_with_who_made_them(office_client, office_user, truck, camera):
    other = TruckFactory(name="Service Truck 202")
    stock(other, camera, 3)
    truck_stock_transfer(
        from_truck=other,
        to_truck=truck,
        item=camera,
        quantity=2,
        actor=Actor(ActorType.OFFICE, office_user.pk),
    )
    page = office_client.get(_url("truck_detail", truck)).content.decode()
    movements = page.split('id="truck-movements"')[1]
    assert "Transfer in" in movements and "from Service Truck 202" in movements
    assert "Olivia" in movements


def test_truck_page_names_the_technician_clocked_in_on_it(office_client, truck):
    mike = TechnicianFactory(name="Mike Johnson")
    truck.clock_records.create(technician=mike, clock_in_time=timezone.now() - dt.timedelta(hours=2))
    # Someone who clocked out earlier is not on the truck any more.
    truck.clock_records.create(
        technician=TechnicianFactory(name="Sarah Williams"),
        clock_in_time=timezone.now() - dt.timedelta(days=1, hours=9),
        clock_out_time=timezone.now() - dt.timedelta(days=1),
    )
    page = office_client.get(_url("truck_detail", truck)).content.decode()
    assert "Mike Johnson</strong> is clocked in on this truck" in page
    assert "Sarah Williams" not in page


def test_truck_page_says_when_nobody_is_clocked_in(office_client, truck):
    truck.clock_records.create(
        technician=TechnicianFactory(),
        clock_in_time=timezone.now() - dt.timedelta(hours=9),
        clock_out_time=timezone.now() - dt.timedelta(hours=1),
    )
    assert (
        "Nobody is clocked in on this truck"
        in office_client.get(_url("truck_detail", truck)).content.decode()
    )


def test_truck_page_runs_the_same_queries_at_two_sizes(office_client):
    trucks, items = fill(3, 10)
    truck = trucks[0]
    for item in items[:5]:
        stock(truck, item, 1)
    truck.clock_records.create(technician=TechnicianFactory(), clock_in_time=timezone.now())
    small = count_queries(office_client, _url("truck_detail", truck))
    more_trucks, more_items = fill(10, 100)
    for item in more_items[:40]:
        stock(truck, item, 2)
        truck_stock_transfer(
            from_truck=truck, to_truck=more_trucks[0], item=item, quantity=1, actor=Actor.system()
        )
    assert count_queries(office_client, _url("truck_detail", truck)) == small


# Restock


def test_restock_without_javascript_redirects_to_the_truck_with_a_message(office_client, truck, camera):
    response = office_client.post(
        _url("truck_restock", truck), {"restock-item": camera.pk, "restock-quantity": "3"}, follow=True
    )
    assert response.redirect_chain == [(_url("truck_detail", truck), 302)]
    assert "Restocked 3 × IP Dome Camera: Service Truck 201 now has 3." in response.content.decode()
    assert on_truck(truck, camera) == 3


def test_restock_with_htmx_re_renders_the_truck_region(office_client, truck, camera):
    response = office_client.post(
        _url("truck_restock", truck),
        {"restock-item": camera.pk, "restock-quantity": "4", "restock-reason": "PO 77"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and body.lstrip().startswith('<div id="truck-body">')
    assert "now has 4" in body and "PO 77" in body
    assert StockMovement.objects.get().reason == "PO 77"


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        ("0", "at least 1"),
        ("-5", "at least 1"),
        ("10001", "at most 10,000"),
        ("lots", "whole number"),
        ("", "required"),
    ],
)
def test_restock_with_a_bad_quantity_is_refused_with_a_message(
    office_client, truck, camera, quantity, message
):
    response = office_client.post(
        _url("truck_restock", truck),
        {"restock-item": camera.pk, "restock-quantity": quantity},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert not StockMovement.objects.exists()


def test_restock_of_an_unknown_item_is_refused_with_a_message(office_client, truck):
    response = office_client.post(
        _url("truck_restock", truck), {"restock-item": "99999", "restock-quantity": "1"}
    )
    assert response.status_code == 422
    assert "unknown or retired" in response.content.decode()
    assert "<html" in response.content.decode()  # without htmx: the whole page, with the form's errors


# Transfer


def test_transfer_moves_stock_to_the_other_truck(office_client, truck, camera):
    other = TruckFactory(name="Service Truck 202")
    stock(truck, camera, 5)
    response = office_client.post(
        _url("truck_transfer", truck),
        {"transfer-to_truck": other.pk, "transfer-item": camera.pk, "transfer-quantity": "2"},
    )
    assert response.status_code == 302
    assert (on_truck(truck, camera), on_truck(other, camera)) == (3, 2)


def test_transfer_to_the_same_truck_is_refused_with_a_message(office_client, truck, camera):
    TruckFactory()
    stock(truck, camera, 5)
    response = office_client.post(
        _url("truck_transfer", truck),
        {"transfer-to_truck": truck.pk, "transfer-item": camera.pk, "transfer-quantity": "1"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "two different trucks" in response.content.decode()
    assert on_truck(truck, camera) == 5


def test_transfer_to_the_office_truck_is_refused_with_a_message(office_client, truck, camera):
    office = TruckFactory(is_office_truck=True)
    stock(truck, camera, 5)
    response = office_client.post(
        _url("truck_transfer", truck),
        {"transfer-to_truck": office.pk, "transfer-item": camera.pk, "transfer-quantity": "1"},
    )
    assert response.status_code == 422
    assert "office truck carries no stock" in response.content.decode()
    assert on_truck(truck, camera) == 5


def test_the_transfer_form_offers_neither_the_truck_itself_nor_the_office_truck(office_client, truck):
    other = TruckFactory(name="Service Truck 202")
    TruckFactory(name="Office Truck", is_office_truck=True)
    form = office_client.get(_url("truck_detail", truck)).context["transfer_form"]
    assert [str(label) for value, label in form.fields["to_truck"].widget.choices if value] == [other.name]


def test_transfer_of_more_than_the_truck_holds_is_refused_and_nothing_moves(office_client, truck, camera):
    other = TruckFactory()
    stock(truck, camera, 1)
    response = office_client.post(
        _url("truck_transfer", truck),
        {"transfer-to_truck": other.pk, "transfer-item": camera.pk, "transfer-quantity": "3"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 422
    assert "Not enough IP Dome Camera on Service Truck 201" in response.content.decode()
    assert (on_truck(truck, camera), on_truck(other, camera)) == (1, 0)


# Adjust


def test_adjust_records_the_difference_with_its_reason(office_client, truck, camera):
    stock(truck, camera, 5)
    response = office_client.post(
        _url("truck_adjust", truck),
        {"adjust-item": camera.pk, "adjust-counted": "3", "adjust-reason": "Two cracked domes"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert "by -2 to 3" in response.content.decode()
    movement = StockMovement.objects.get(kind=MovementKind.ADJUSTMENT)
    assert (movement.quantity_change, movement.reason) == (-2, "Two cracked domes")
    assert on_truck(truck, camera) == ledger(truck, camera) == 3


@pytest.mark.parametrize("reason", ["", "   "])
def test_adjust_without_a_reason_is_refused_with_a_message(office_client, truck, camera, reason):
    stock(truck, camera, 5)
    response = office_client.post(
        _url("truck_adjust", truck),
        {"adjust-item": camera.pk, "adjust-counted": "3", "adjust-reason": reason},
    )
    assert response.status_code == 422
    assert "Say why the stock is adjusted" in response.content.decode()
    assert on_truck(truck, camera) == 5


def test_adjust_to_a_negative_count_is_refused(office_client, truck, camera):
    response = office_client.post(
        _url("truck_adjust", truck),
        {"adjust-item": camera.pk, "adjust-counted": "-1", "adjust-reason": "count"},
    )
    assert response.status_code == 422
    assert "at least 0" in response.content.decode()
