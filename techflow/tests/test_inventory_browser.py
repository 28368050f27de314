"""Office staff restock a truck, move stock between trucks and see the matrix change, in a real Chromium."""

import re

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.services import Actor
from inventory.models import Truck
from inventory.selectors import replenishment_lines
from inventory.services import truck_stock_restock
from inventory.tests.factories import InventoryItemFactory, TruckFactory
from techflow.demo import DEFAULT_PASSWORD, load_demo
from techflow.tests.browser import DESKTOP, new_context, shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_office_user_restocks_a_truck_transfers_stock_and_sees_the_matrix_change(
    browser, live_server, django_user_model
):
    user = django_user_model.objects.create_user("olivia", password=PASSWORD, first_name="Olivia")
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    TruckFactory(name="Office Truck", is_office_truck=True)
    t201, t202 = TruckFactory(name="Service Truck 201"), TruckFactory(name="Service Truck 202")
    dome = InventoryItemFactory(
        name="IP Dome Camera", category="Cameras", standard_quantity=5, minimum_quantity=1
    )
    cable = InventoryItemFactory(
        name="Cat6 Cable", category="Cables", unit="ft", standard_quantity=500, minimum_quantity=100
    )
    for truck in (t201, t202):
        truck_stock_restock(truck=truck, item=cable, quantity=400, actor=Actor.system())
    truck_stock_restock(truck=t202, item=dome, quantity=4, actor=Actor.system())

    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "olivia", then="/office/")

    # The matrix: truck 201 has no dome cameras, so its cell is below the minimum.
    page.get_by_role("link", name="Inventory").first.click()
    page.wait_for_url(f"{live_server.url}/office/inventory/")
    cell_201 = page.locator(f"#cell-{t201.pk}-{dome.pk}")
    cell_202 = page.locator(f"#cell-{t202.pk}-{dome.pk}")
    expect(cell_201).to_have_class(re.compile("table-danger"))
    expect(cell_202).to_have_text("4")
    shot(page, "inventory-matrix")

    # Restock truck 201 with 3 dome cameras, through htmx.
    page.get_by_role("link", name="Service Truck 201").click()
    page.wait_for_url(f"{live_server.url}/office/inventory/trucks/{t201.pk}/")
    shot(page, "inventory-truck")
    assert page.evaluate("typeof window.htmx") == "object"
    # A full page load would clear this marker; htmx swaps keep it.
    page.evaluate("window.stillThisPage = true")
    restock = page.locator("#restock-card")
    restock.get_by_label("Item").select_option(label="IP Dome Camera (unit)")
    restock.get_by_label("Quantity").fill("3")
    restock.get_by_role("button", name="Restock").click()
    expect(page.get_by_text("Restocked 3 × IP Dome Camera: Service Truck 201 now has 3.")).to_be_visible()
    assert page.url == f"{live_server.url}/office/inventory/trucks/{t201.pk}/"
    assert page.evaluate("window.stillThisPage") is True  # swapped in place by htmx

    # A transfer of more than the truck holds is refused on the form, and nothing moves.
    page.locator("#transfer-card summary").click()
    transfer = page.locator("#transfer-card")
    transfer.get_by_label("To truck").select_option(label="Service Truck 202")
    transfer.get_by_label("Item").select_option(label="IP Dome Camera (unit)")
    transfer.get_by_label("Quantity").fill("9")
    transfer.get_by_role("button", name="Transfer").click()
    expect(page.get_by_text("Not enough IP Dome Camera on Service Truck 201")).to_be_visible()
    shot(page, "inventory-transfer-refused")

    # Then 2 of the 3 go to truck 202.
    transfer = page.locator("#transfer-card")
    transfer.get_by_label("Quantity").fill("2")
    transfer.get_by_role("button", name="Transfer").click()
    expect(
        page.get_by_text("Moved 2 × IP Dome Camera to Service Truck 202: 1 left here, 6 there.")
    ).to_be_visible()
    expect(page.locator("#truck-movements")).to_contain_text("Transfer out")
    assert page.evaluate("window.stillThisPage") is True
    shot(page, "inventory-truck-after")

    # The matrix shows both changes.
    page.get_by_role("link", name="Truck stock").first.click()
    page.wait_for_url(f"{live_server.url}/office/inventory/")
    expect(cell_201).to_have_text("1")
    expect(cell_201).not_to_have_class(re.compile("table-danger"))
    expect(cell_202).to_have_text("6")

    # The category filter swaps the matrix in place and keeps the URL shareable.
    page.get_by_label("Category").select_option("Cables")
    expect(page).to_have_url(re.compile(r"category=Cables"))
    expect(page.locator("#matrix")).not_to_contain_text("IP Dome Camera")
    expect(page.locator("#matrix")).to_contain_text("Cat6 Cable")

    # The other pages, for the screenshots.
    for name, path in [
        ("inventory-items", "/office/inventory/items/"),
        ("inventory-item-new", "/office/inventory/items/new/"),
        ("inventory-replenishment", f"/office/inventory/trucks/{t201.pk}/replenishment/"),
        ("inventory-movements", "/office/inventory/movements/"),
        ("inventory-usage", "/office/inventory/usage/"),
    ]:
        page.goto(f"{live_server.url}{path}")
        expect(page.locator("h1")).to_be_visible()
        shot(page, name)
    page.emulate_media(media="print")
    page.goto(f"{live_server.url}/office/inventory/trucks/{t201.pk}/replenishment/")
    assert not page.locator("nav.navbar").is_visible()
    shot(page, "inventory-replenishment-print")
    context.close()


@pytest.mark.demo
def test_office_user_works_through_the_demo_companys_restocking(browser, live_server, now):
    load_demo(today=timezone.localdate(now), now=now)
    truck = Truck.objects.get(pk=201)
    needed = {line.item.name: line.to_add for line in replenishment_lines(truck)}
    assert needed, "the demo leaves truck 201 with something to restock"

    context = new_context(browser, viewport=DESKTOP, accept_downloads=True)
    page = context.new_page()
    sign_in(page, live_server.url, "office", password=DEFAULT_PASSWORD, then="/office/")

    page.goto(f"{live_server.url}/office/inventory/")
    expect(page.locator("#matrix tbody tr:not(.category-row)")).to_have_count(17)
    shot(page, "demo-matrix")
    page.goto(f"{live_server.url}/office/inventory/trucks/201/")
    shot(page, "demo-truck")

    page.goto(f"{live_server.url}/office/inventory/trucks/201/replenishment/")
    rows = page.locator("#replenishment tbody tr")
    expect(rows).to_have_count(len(needed))
    shot(page, "demo-replenishment")
    page.get_by_role("button", name="Restock to standard").click()
    expect(page.get_by_text("needs nothing")).to_be_visible()
    expect(page.get_by_text(f"Service Truck 201 restocked to standard: {len(needed)} item")).to_be_visible()
    shot(page, "demo-replenishment-done")

    page.goto(f"{live_server.url}/office/inventory/usage/")
    expect(page.locator("#usage-by-truck tbody tr")).to_have_count(4)
    shot(page, "demo-usage")
    with page.expect_download() as download:
        page.locator("#report").get_by_role("link", name="CSV").first.click()
    assert download.value.suggested_filename.startswith("usage-by-item-")

    page.goto(f"{live_server.url}/office/inventory/movements/?kind=used_on_job")
    expect(page.locator("#results tbody tr").first).to_contain_text("Used on a job")
    shot(page, "demo-movements")
    page.goto(f"{live_server.url}/office/inventory/items/")
    shot(page, "demo-items")
    context.close()


def test_office_lets_a_crew_share_a_truck_from_its_page(browser, live_server, django_user_model):
    user = django_user_model.objects.create_user("olivia", password=PASSWORD, first_name="Olivia")
    user.groups.add(Group.objects.get_or_create(name="Office")[0])
    truck = TruckFactory(name="Service Truck 201")
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    sign_in(page, live_server.url, "olivia", then="/office/")
    page.goto(f"{live_server.url}/office/inventory/trucks/{truck.pk}/")
    page.get_by_text("Drivers: one at a time").click()
    page.get_by_label("A crew may share this truck").check()
    page.locator("#crew-card").get_by_role("button", name="Save").click()
    expect(page.locator("#truck-body .alert-success")).to_contain_text(
        "A crew may now share Service Truck 201"
    )
    expect(page.locator("#crew-card summary")).to_contain_text("a crew may share it")
    assert Truck.objects.get(pk=truck.pk).crew_allowed is True
    shot(page, "inventory-truck-crew", full_page=False)
    context.close()
