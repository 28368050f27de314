"""Usage report: parts used on jobs by item and by truck over a date range, with CSV export."""

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from dispatch.services import Actor
from dispatch.tests.factories import WorkOrderFactory
from inventory.services import truck_stock_consume, truck_stock_return
from inventory.tests.factories import InventoryItemFactory, TruckFactory
from inventory.tests.helpers import count_queries, fill, stock

pytestmark = pytest.mark.django_db
URL = reverse("inventory:usage_report")
EXPORT = reverse("inventory:usage_export")


def _use(truck, item, quantity, *, days_ago=0, work_order=None):
    at = timezone.now() - dt.timedelta(days=days_ago)
    with time_machine.travel(at, tick=False):
        return truck_stock_consume(
            truck=truck,
            item=item,
            quantity=quantity,
            work_order=work_order or WorkOrderFactory(),
            actor=Actor.system(),
        )


@pytest.fixture
def usage():
    """Truck 201 used 3 cameras (1 came back) and 50 ft of cable; truck 202 used 2 cameras; all this week."""
    t201, t202 = TruckFactory(name="Service Truck 201"), TruckFactory(name="Service Truck 202")
    camera = InventoryItemFactory(name="IP Dome Camera", category="Cameras")
    cable = InventoryItemFactory(name="Cat6 Cable", category="Cables", unit="ft", standard_quantity=500)
    for truck in (t201, t202):
        stock(truck, camera, 5)
        stock(truck, cable, 500)
    job = WorkOrderFactory()
    _use(t201, camera, 3, days_ago=2, work_order=job)
    truck_stock_return(truck=t201, item=camera, quantity=1, work_order=job, actor=Actor.system())
    _use(t201, cable, 50, days_ago=1, work_order=job)
    _use(t202, camera, 2, days_ago=3)
    _use(t202, camera, 1, days_ago=45)  # outside the default 30 days
    return t201, t202, camera, cable


def test_report_defaults_to_the_last_30_days_by_item_and_by_truck(office_client, usage):
    response = office_client.get(URL)
    context = response.context
    assert (context["start"], context["end"]) == (
        timezone.localdate() - dt.timedelta(days=29),
        timezone.localdate(),
    )
    assert [(r["item__name"], r["used"], r["jobs"]) for r in context["by_item"]] == [
        ("Cat6 Cable", 50, 1),
        ("IP Dome Camera", 4, 2),
    ]
    # Feet of cable and cameras are never added together: a total per unit.
    assert [(r["truck__name"], r["used"], r["items"]) for r in context["by_truck"]] == [
        ("Service Truck 201", [(50, "ft"), (2, "unit")], 2),
        ("Service Truck 202", [(2, "unit")], 1),
    ]
    assert context["totals"] == [(50, "ft"), (4, "unit")]
    page = response.content.decode()
    totals = page.split('id="usage-totals">')[1].split("</span>.")[0]
    assert "50</span> ft" in totals and "4</span> unit" in totals
    # No quantity on the page reads 54 (the two units added together); tokens and ids may hold "54".
    assert not re.search(r'class="[^"]*quantity[^"]*">\s*54\s*<', page)


def test_report_covers_the_dates_chosen(office_client, usage):
    since = timezone.localdate() - dt.timedelta(days=60)
    until = timezone.localdate() - dt.timedelta(days=40)
    context = office_client.get(URL, {"start": since.isoformat(), "end": until.isoformat()}).context
    assert [(r["item__name"], r["used"]) for r in context["by_item"]] == [("IP Dome Camera", 1)]


def test_report_with_nothing_used_says_so(office_client):
    page = office_client.get(URL).content.decode()
    assert "No parts were used on jobs in these dates." in page


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-05-10", "end": "2026-05-01"}, "on or before the end date"),
        ({"start": "yesterday"}, "Enter a valid date"),
        ({"start": "2010-01-01", "end": "2026-01-01"}, "at most five years"),
        ({"start": "1900-01-01", "end": "2026-01-01"}, "between 2000 and 2099"),
    ],
)
def test_bad_dates_are_a_400_with_a_message(office_client, params, message):
    response = office_client.get(URL, params)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert office_client.get(EXPORT, {"by": "item", **params}).status_code == 400


def test_report_htmx_request_gets_the_report_fragment(office_client, usage):
    body = office_client.get(URL, headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in body and body.lstrip().startswith('<div id="report">')


def test_csv_export_by_item_has_a_row_per_item(office_client, usage):
    response = office_client.get(EXPORT, {"by": "item"})
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:5] == ["item", "category", "unit", "used", "jobs"]
    assert [row[:5] for row in rows[1:]] == [
        ["Cat6 Cable", "Cables", "ft", "50", "1"],
        ["IP Dome Camera", "Cameras", "unit", "4", "2"],
    ]


def test_csv_export_by_truck_has_a_row_per_truck_and_unit(office_client, usage):
    rows = list(csv.reader(io.StringIO(office_client.get(EXPORT, {"by": "truck"}).content.decode())))
    assert [row[:5] for row in rows] == [
        ["truck", "unit", "used", "jobs", "items"],
        ["Service Truck 201", "ft", "50", "1", "2"],
        ["Service Truck 201", "unit", "2", "1", "2"],
        ["Service Truck 202", "unit", "2", "1", "1"],
    ]


def test_csv_export_defuses_names_a_spreadsheet_would_run_as_formulas(office_client):
    truck = TruckFactory(name="=HYPERLINK(1)")
    item = InventoryItemFactory(name="+Camera")
    stock(truck, item, 2)
    _use(truck, item, 1)
    rows = list(csv.reader(io.StringIO(office_client.get(EXPORT, {"by": "truck"}).content.decode())))
    assert rows[1][0] == "'=HYPERLINK(1)"


def test_csv_export_refuses_an_unknown_grouping(office_client):
    assert office_client.get(EXPORT, {"by": "colour"}).status_code == 400


def test_report_runs_the_same_queries_at_two_sizes(office_client):
    trucks, items = fill(2, 3)
    for item in items:
        _use(trucks[0], item, 1)
    small = count_queries(office_client, URL)
    trucks, items = fill(6, 60)
    for truck in trucks:
        for item in items[:10]:
            _use(truck, item, 1)
    assert count_queries(office_client, URL) == small


def test_the_by_truck_table_shows_a_page_of_trucks_and_the_next_page_swaps_in(office_client):
    """30 trucks used parts: the table shows 25 with a pager, the second page the other 5 (the
    headline still counts all 30, and the CSV has every one)."""
    from inventory import views

    cable = InventoryItemFactory(name="Cat6 Cable", unit="ft", standard_quantity=500)
    trucks = [TruckFactory(name=f"Van {n:02}") for n in range(views.USAGE_TRUCKS_PER_PAGE + 5)]
    for truck in trucks:
        stock(truck, cable, 100)
        _use(truck, cable, 10, days_ago=1)
    first = office_client.get(URL).content.decode()
    assert "used on jobs by 30 trucks" in first
    assert "Van 24" in first and "Van 25" not in first
    assert "1–25 of 30 trucks" in first and "page=2" in first
    second = office_client.get(URL, {"page": 2}, HTTP_HX_REQUEST="true")
    html = second.content.decode()
    assert second.status_code == 200 and html.lstrip().startswith('<div id="report">')
    assert "Van 25" in html and "Van 29" in html and "Van 24" not in html
    export = office_client.get(EXPORT, {"by": "truck"}).content.decode()
    assert all(truck.name in export for truck in trucks)
