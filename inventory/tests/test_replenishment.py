"""Per-truck replenishment list (printable) and Restock to standard in one step."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from inventory.models import MovementKind, StockMovement
from inventory.tests.factories import InventoryItemFactory, TruckFactory
from inventory.tests.helpers import count_queries, fill, on_truck, stock

pytestmark = pytest.mark.django_db


@pytest.fixture
def truck():
    return TruckFactory(name="Service Truck 203")


def test_list_shows_items_below_minimum_with_the_quantity_to_reach_standard(office_client, truck):
    camera = InventoryItemFactory(name="Bullet Camera", standard_quantity=5, minimum_quantity=2)
    cable = InventoryItemFactory(name="Cat6 Cable", standard_quantity=500, minimum_quantity=100)
    stock(truck, camera, 1)
    stock(truck, cable, 300)
    response = office_client.get(reverse("inventory:truck_replenishment", args=[truck.pk]))
    assert [(line.item.name, line.quantity, line.to_add) for line in response.context["lines"]] == [
        ("Bullet Camera", 1, 4)
    ]
    assert "Cat6 Cable" not in response.content.decode()


def test_the_list_is_printable(office_client, truck):
    InventoryItemFactory()
    page = office_client.get(reverse("inventory:truck_replenishment", args=[truck.pk])).content.decode()
    # The Print button has no inline handler (the CSP forbids them): static JS prints on data-print.
    assert "css/inventory.css" in page and "data-print" in page and "window.print()" not in page
    script = Path(settings.BASE_DIR, "static/js/htmx-config.js").read_text()
    assert "data-print" in script and "window.print()" in script
    css = Path(settings.BASE_DIR, "static/css/inventory.css").read_text()
    assert "@media print" in css and ".navbar" in css.split("@media print")[1]


def test_restock_to_standard_applies_the_whole_list_as_movements(office_client, truck):
    camera = InventoryItemFactory(name="Bullet Camera", standard_quantity=5, minimum_quantity=2)
    tester = InventoryItemFactory(name="Cable Tester", standard_quantity=2, minimum_quantity=1)
    stock(truck, camera, 1)

    response = office_client.post(
        reverse("inventory:truck_restock_to_standard", args=[truck.pk]), follow=True
    )

    assert "2 items, 6 units" in response.content.decode()
    assert (on_truck(truck, camera), on_truck(truck, tester)) == (5, 2)
    assert StockMovement.objects.filter(kind=MovementKind.RESTOCK, reason="Restock to standard").count() == 2
    assert response.context["lines"] == []
    assert "needs nothing" in response.content.decode()


def test_restock_to_standard_on_a_truck_out_of_service_is_refused_with_a_message(office_client):
    parked = TruckFactory(active=False)
    InventoryItemFactory()
    response = office_client.post(reverse("inventory:truck_restock_to_standard", args=[parked.pk]))
    assert response.status_code == 422
    assert "not in service" in response.content.decode()
    assert not StockMovement.objects.exists()


def test_list_runs_the_same_queries_at_two_sizes(office_client):
    trucks, _ = fill(2, 10, quantity=0)
    url = reverse("inventory:truck_replenishment", args=[trucks[0].pk])
    small = count_queries(office_client, url)
    fill(5, 200, quantity=0)
    assert count_queries(office_client, url) == small
