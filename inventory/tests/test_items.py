"""The items page: list with filters, create and edit with the seed's standard quantities as defaults."""

import pytest
from django.urls import reverse

from inventory.models import InventoryItem
from inventory.tests.factories import InventoryItemFactory, TruckFactory
from inventory.tests.helpers import count_queries, fill, stock

pytestmark = pytest.mark.django_db
LIST = reverse("inventory:item_list")
NEW = reverse("inventory:item_create")


def _data(**overrides) -> dict:
    data = {"name": "Bullet Camera", "category": "Cameras", "unit": "unit", "description": "", "active": "on"}
    data.update(overrides)
    return data


def test_item_list_shows_levels_and_how_many_are_on_trucks(office_client):
    camera = InventoryItemFactory(name="PTZ Camera", standard_quantity=5, minimum_quantity=2)
    stock(TruckFactory(), camera, 3)
    stock(TruckFactory(), camera, 4)
    response = office_client.get(LIST)
    rows = {row.record.name: row.record for row in response.context["table"].rows}
    assert rows["PTZ Camera"].on_trucks == 7
    assert "PTZ Camera" in response.content.decode()


def test_item_list_filters_by_category(office_client):
    InventoryItemFactory(name="PTZ Camera", category="Cameras")
    InventoryItemFactory(name="Cat6 Cable", category="Cables")
    page = office_client.get(LIST, {"category": "Cables"}).content.decode()
    assert "Cat6 Cable" in page and "PTZ Camera" not in page


def test_item_list_filters_by_status_and_search(office_client):
    InventoryItemFactory(name="Analog DVR", active=False)
    InventoryItemFactory(name="PTZ Camera")
    assert [r.record.name for r in office_client.get(LIST, {"active": "no"}).context["table"].rows] == [
        "Analog DVR"
    ]
    assert [r.record.name for r in office_client.get(LIST, {"q": "ptz"}).context["table"].rows] == [
        "PTZ Camera"
    ]


def test_an_unknown_category_filter_is_a_400_with_a_message(office_client):
    InventoryItemFactory(name="PTZ Camera")
    response = office_client.get(LIST, {"category": "Snacks"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_item_list_htmx_request_gets_the_results_fragment(office_client):
    InventoryItemFactory(name="PTZ Camera")
    body = office_client.get(LIST, {"sort": "name"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in body and body.lstrip().startswith('<div id="results"')
    assert "PTZ Camera" in body and 'hx-get="?sort=-name"' in body


def test_item_list_runs_the_same_queries_at_two_sizes(office_client):
    fill(2, 5)
    small = count_queries(office_client, LIST)
    fill(3, 120)
    assert count_queries(office_client, LIST) == small


def test_new_item_takes_the_categorys_standard_quantity_and_a_fifth_as_minimum_when_left_blank(office_client):
    response = office_client.post(NEW, _data(name="Cat6 Cable", category="Cables", unit="ft"))
    assert response.status_code == 302
    item = InventoryItem.objects.get(name="Cat6 Cable")
    assert (item.standard_quantity, item.minimum_quantity, item.unit, item.active) == (500, 100, "ft", True)


def test_new_item_keeps_the_levels_given(office_client):
    office_client.post(NEW, _data(standard_quantity="8", minimum_quantity="3"))
    item = InventoryItem.objects.get(name="Bullet Camera")
    assert (item.standard_quantity, item.minimum_quantity) == (8, 3)


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"minimum_quantity": "9", "standard_quantity": "5"}, "minimum_quantity", "can&#x27;t be above"),
        ({"standard_quantity": "-1"}, "standard_quantity", "at least 0"),
        ({"standard_quantity": "999999999"}, "standard_quantity", "at most 10,000"),
        ({"minimum_quantity": "two"}, "minimum_quantity", "whole number"),
        ({"category": "Snacks"}, "category", "valid choice"),
        ({"name": ""}, "name", "required"),
    ],
)
def test_bad_item_input_is_refused_with_a_message_on_the_field(office_client, overrides, field, message):
    response = office_client.post(NEW, _data(**overrides))
    assert response.status_code == 422
    assert field in response.context["form"].errors
    assert message in response.content.decode()
    assert not InventoryItem.objects.exists()


def test_a_second_item_with_the_same_name_is_refused_clearly(office_client):
    InventoryItemFactory(name="Bullet Camera")
    response = office_client.post(NEW, _data())
    assert response.status_code == 422
    assert "already exists" in response.content.decode()
    assert InventoryItem.objects.count() == 1


def test_editing_an_item_changes_its_levels_and_can_retire_it(office_client):
    item = InventoryItemFactory(name="Crimpers", category="Tools", standard_quantity=2, minimum_quantity=1)
    url = reverse("inventory:item_edit", args=[item.pk])
    assert office_client.get(url).context["form"].initial["standard_quantity"] == 2

    response = office_client.post(
        url, _data(name="Crimpers", category="Tools", standard_quantity="3", minimum_quantity="2", active="")
    )

    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.standard_quantity, item.minimum_quantity, item.active) == (3, 2, False)


def test_editing_an_unknown_item_is_404(office_client):
    assert office_client.get(reverse("inventory:item_edit", args=[424242])).status_code == 404
