"""The stock matrix: service trucks x items, low cells highlighted, a fixed number of queries."""

import pytest
from django.urls import reverse

from inventory.tests.factories import InventoryItemFactory, TruckFactory
from inventory.tests.helpers import count_queries, fill, stock
from inventory.views import TRUCKS_SHOWN

pytestmark = pytest.mark.django_db

URL = reverse("inventory:stock_matrix")


def test_matrix_shows_each_service_trucks_quantity_and_highlights_cells_below_minimum(office_client):
    truck_a, truck_b = TruckFactory(name="Service Truck 201"), TruckFactory(name="Service Truck 202")
    office = TruckFactory(name="Office Truck", is_office_truck=True)
    camera = InventoryItemFactory(name="IP Dome Camera", standard_quantity=5, minimum_quantity=2)
    stock(truck_a, camera, 5)
    stock(truck_b, camera, 1)

    page = office_client.get(URL).content.decode()

    assert "Service Truck 201" in page and "Service Truck 202" in page
    assert "Office Truck" not in page
    assert f'id="cell-{truck_a.pk}-{camera.pk}" class="text-end">5<' in page
    assert f'id="cell-{truck_b.pk}-{camera.pk}" class="text-end table-danger fw-semibold"' in page
    assert "1 below minimum" in page
    assert f'id="cell-{office.pk}-' not in page


def test_matrix_links_each_truck_with_low_items_to_its_replenishment_list(office_client):
    full, short = TruckFactory(), TruckFactory()
    camera = InventoryItemFactory(standard_quantity=5, minimum_quantity=2)
    cable = InventoryItemFactory(standard_quantity=500, minimum_quantity=100)
    stock(full, camera, 5)
    stock(full, cable, 500)
    stock(short, camera, 1)
    page = office_client.get(URL).content.decode()
    low_row = page.split('class="low-row"')[1].split("</tr>")[0]
    assert f'href="/office/inventory/trucks/{short.pk}/replenishment/"' in low_row
    assert "2 to restock" in low_row
    assert f"/office/inventory/trucks/{full.pk}/replenishment/" not in low_row


def test_a_truck_that_never_carried_an_item_shows_a_dash_and_counts_as_low(office_client):
    truck = TruckFactory()
    camera = InventoryItemFactory(minimum_quantity=1)
    page = office_client.get(URL).content.decode()
    cell = page.split(f'id="cell-{truck.pk}-{camera.pk}"')[1].split("</td>")[0]
    assert "table-danger" in cell and "—" in cell


def test_category_filter_shows_only_that_categorys_items(office_client):
    TruckFactory()
    InventoryItemFactory(name="Bullet Camera", category="Cameras")
    InventoryItemFactory(name="Cat6 Cable", category="Cables", standard_quantity=500, minimum_quantity=100)
    page = office_client.get(URL, {"category": "Cables"}).content.decode()
    assert "Cat6 Cable" in page and "Bullet Camera" not in page


def test_an_unknown_category_shows_every_item(office_client):
    TruckFactory()
    InventoryItemFactory(name="Bullet Camera")
    assert "Bullet Camera" in office_client.get(URL, {"category": "Nonsense"}).content.decode()


def test_low_only_filter_hides_items_every_truck_has_enough_of(office_client):
    truck = TruckFactory()
    full = InventoryItemFactory(name="Crimpers", standard_quantity=2, minimum_quantity=1)
    short = InventoryItemFactory(name="Fish Tape", standard_quantity=2, minimum_quantity=1)
    stock(truck, full, 2)
    page = office_client.get(URL, {"low": "1"}).content.decode()
    assert short.name in page and full.name not in page


def test_retired_items_are_not_in_the_matrix(office_client):
    TruckFactory()
    InventoryItemFactory(name="Analog DVR", active=False)
    assert "Analog DVR" not in office_client.get(URL).content.decode()


def test_htmx_request_gets_only_the_matrix_fragment(office_client):
    TruckFactory()
    InventoryItemFactory(name="PTZ Camera")
    response = office_client.get(URL, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body and body.lstrip().startswith('<div id="matrix">')
    assert "PTZ Camera" in body


def test_boosted_htmx_request_gets_the_whole_page(office_client):
    response = office_client.get(URL, headers={"HX-Request": "true", "HX-Boosted": "true"})
    assert "<html" in response.content.decode()


def test_empty_states_say_what_is_missing(office_client):
    assert "No service trucks in use" in office_client.get(URL).content.decode()
    TruckFactory()
    assert "No active items" in office_client.get(URL).content.decode()


def test_matrix_runs_the_same_queries_at_3x5_and_at_50_trucks_x_500_items(office_client):
    fill(3, 5)
    small = count_queries(office_client, URL)
    fill(47, 495)
    large = count_queries(office_client, URL)
    page = office_client.get(URL).content.decode()
    assert page.count('id="cell-') == TRUCKS_SHOWN * 500  # a page of trucks, every item
    assert "Trucks 1–20 of 50" in page
    assert small == large
    assert count_queries(office_client, f"{URL}?page=3") == large
    last = office_client.get(f"{URL}?page=3").content.decode()
    assert last.count('id="cell-') == 10 * 500 and "Trucks 41–50 of 50" in last
