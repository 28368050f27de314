"""Every inventory URL: office staff and superusers only; wrong methods are 405."""

import pytest
from django.urls import reverse

from inventory.tests.factories import InventoryItemFactory, TruckFactory

pytestmark = pytest.mark.django_db

PAGES = [
    ("inventory:stock_matrix", False),
    ("inventory:item_list", False),
    ("inventory:item_create", False),
    ("inventory:item_edit", "item"),
    ("inventory:truck_detail", "truck"),
    ("inventory:truck_replenishment", "truck"),
    ("inventory:movement_list", False),
    ("inventory:usage_report", False),
    ("inventory:usage_export", False),
]
ACTIONS = [
    "inventory:truck_restock",
    "inventory:truck_transfer",
    "inventory:truck_adjust",
    "inventory:truck_crew",
    "inventory:truck_restock_to_standard",
]


@pytest.fixture
def urls():
    truck, item = TruckFactory(), InventoryItemFactory()
    args = {"item": [item.pk], "truck": [truck.pk], False: []}
    return {name: reverse(name, args=args[arg]) for name, arg in PAGES} | {
        name: reverse(name, args=[truck.pk]) for name in ACTIONS
    }


def test_anonymous_visitors_are_sent_to_the_login_page_from_every_url(client, urls):
    for name, url in urls.items():
        response = client.post(url) if name in ACTIONS else client.get(url)
        assert response.status_code == 302, name
        assert response.url.startswith(reverse("login")), name


def test_a_technician_gets_403_on_every_url(tech_client, urls):
    for name, url in urls.items():
        response = tech_client.post(url) if name in ACTIONS else tech_client.get(url)
        assert response.status_code == 403, name


def test_office_staff_open_every_page(office_client, urls):
    for name, _ in PAGES:
        assert office_client.get(urls[name]).status_code == 200, name


def test_a_superuser_opens_every_page(admin_client, urls):
    for name, _ in PAGES:
        assert admin_client.get(urls[name]).status_code == 200, name


def test_actions_refuse_get_and_pages_refuse_post(office_client, urls):
    for name in ACTIONS:
        assert office_client.get(urls[name]).status_code == 405, name
    for name in (
        "inventory:stock_matrix",
        "inventory:item_list",
        "inventory:truck_detail",
        "inventory:usage_report",
    ):
        assert office_client.post(urls[name]).status_code == 405, name


def test_the_office_truck_and_unknown_trucks_have_no_inventory_pages(office_client):
    office = TruckFactory(is_office_truck=True)
    for name in ("inventory:truck_detail", "inventory:truck_replenishment"):
        assert office_client.get(reverse(name, args=[office.pk])).status_code == 404
        assert office_client.get(reverse(name, args=[99999])).status_code == 404
    for name in ACTIONS:
        assert office_client.post(reverse(name, args=[office.pk])).status_code == 404


def test_ids_too_large_for_the_database_are_4xx_not_500(office_client):
    truck = TruckFactory()
    TruckFactory()
    InventoryItemFactory()
    huge = "9" * 25
    assert office_client.get(f"/office/inventory/trucks/{huge}/").status_code == 404
    assert office_client.get(f"/office/inventory/items/{huge}/edit/").status_code == 404
    restock = {"restock-item": huge, "restock-quantity": "1"}
    assert office_client.post(reverse("inventory:truck_restock", args=[truck.pk]), restock).status_code == 422
    transfer = {"transfer-to_truck": huge, "transfer-item": huge, "transfer-quantity": huge}
    assert (
        office_client.post(reverse("inventory:truck_transfer", args=[truck.pk]), transfer).status_code == 422
    )
    movements = {"truck": huge, "item": huge}
    assert office_client.get(reverse("inventory:movement_list"), movements).status_code == 400
