"""The movements ledger page: every change with who, when and why; filters; fixed queries."""

import pytest
from django.urls import reverse

from dispatch.models import ActorType
from dispatch.services import Actor
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from inventory.services import truck_stock_consume, truck_stock_transfer
from inventory.tests.factories import InventoryItemFactory, TruckFactory
from inventory.tests.helpers import count_queries, fill, stock

pytestmark = pytest.mark.django_db
URL = reverse("inventory:movement_list")


@pytest.fixture
def camera():
    return InventoryItemFactory(name="IP Dome Camera")


def test_ledger_shows_each_movement_with_who_and_why(office_client, camera):
    truck = TruckFactory(name="Service Truck 201")
    technician = TechnicianFactory(name="Mike Johnson")
    work_order = WorkOrderFactory(title="Install cameras at the bank")
    stock(truck, camera, 5)
    truck_stock_consume(
        truck=truck,
        item=camera,
        quantity=2,
        work_order=work_order,
        technician=technician,
        actor=Actor(ActorType.TECHNICIAN, technician.pk),
    )
    page = office_client.get(URL).content.decode()
    assert "Used on a job" in page and f"WO #{work_order.pk} Install cameras at the bank" in page
    assert "Mike Johnson" in page and "-2" in page


def test_ledger_filters_by_truck_and_kind(office_client, camera):
    truck, other = TruckFactory(), TruckFactory()
    stock(truck, camera, 5)
    stock(other, camera, 5)
    truck_stock_transfer(from_truck=truck, to_truck=other, item=camera, quantity=1, actor=Actor.system())
    table = office_client.get(URL, {"truck": truck.pk}).context["table"]
    assert {row.record.truck_id for row in table.rows} == {truck.pk}
    assert len(table.rows) == 2
    table = office_client.get(URL, {"kind": "transfer_in"}).context["table"]
    assert [(row.record.truck_id, row.record.quantity_change) for row in table.rows] == [(other.pk, 1)]


def test_a_bad_filter_value_is_a_400_with_a_message(office_client):
    response = office_client.get(URL, {"truck": "nonsense", "since": "yesterday"})
    assert response.status_code == 400
    assert "Enter a valid date" in response.content.decode()


def test_ledger_htmx_request_gets_the_results_fragment(office_client, camera):
    stock(TruckFactory(), camera, 5)
    body = office_client.get(URL, {"page": "1"}, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in body and body.lstrip().startswith('<div id="results"')
    assert "Restock from warehouse" in body


def _traffic(items, trucks, office, technician) -> None:
    """Each item restocked, transferred by an office user and used on a job by a technician."""
    for item in items:
        stock(trucks[0], item, 3)
        truck_stock_transfer(
            from_truck=trucks[0],
            to_truck=trucks[1],
            item=item,
            quantity=1,
            actor=Actor(ActorType.OFFICE, office.pk),
        )
        truck_stock_consume(
            truck=trucks[0],
            item=item,
            quantity=1,
            work_order=WorkOrderFactory(),
            technician=technician,
            actor=Actor(ActorType.TECHNICIAN, technician.pk),
        )


def test_ledger_runs_the_same_queries_at_two_sizes(office_client, office_user):
    technician = TechnicianFactory()
    trucks, items = fill(2, 2, quantity=0)
    _traffic(items, trucks, office_user, technician)
    small = count_queries(office_client, URL)
    more_trucks, more_items = fill(3, 40, quantity=0)
    _traffic(more_items, more_trucks, office_user, TechnicianFactory())
    assert count_queries(office_client, URL) == small
