"""The admin's changelists at 1366 px: every column on screen, the key ones included."""

import pytest
from playwright.sync_api import expect

from conftest import PASSWORD
from dispatch.tests.factories import (
    CustomerFactory,
    NotificationFactory,
    TechnicianFactory,
    WorkOrderFactory,
    WorkOrderHistoryFactory,
)
from fieldops.tests.factories import ClockRecordFactory, TechnicianActivityFactory
from inventory.tests.factories import (
    InventoryItemFactory,
    StockMovementFactory,
    TruckFactory,
    TruckInventoryFactory,
)
from techflow.tests.browser import DESKTOP, new_context, shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# changelist: the columns an admin must see without scrolling sideways.
CHANGELISTS = {
    "dispatch/workorder": ["Title", "Customer", "Status", "Assigned technician", "Scheduled for"],
    "inventory/stockmovement": ["Created at", "Truck", "Item", "Kind", "Quantity change", "Quantity after"],
    "dispatch/workorderhistory": ["Work order", "Field changed", "Old value", "New value"],
    "inventory/truckinventory": ["Truck", "Item", "Quantity"],
    "dispatch/notification": ["Created at", "Work order", "Is read"],
    "fieldops/technicianactivity": ["Created at", "Technician", "Activity type", "Work order"],
    "fieldops/clockrecord": ["Technician", "Truck", "Clock in time", "Clock out time"],
}


def test_admin_changelists_fit_1366_px_with_their_key_columns(browser, live_server, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.com", PASSWORD)
    # Names as long as a real company's, which is what pushed columns off the page.
    order = WorkOrderFactory(
        title="Replace the analog cameras at the north parking garage with IP domes",
        customer=CustomerFactory(name="Springfield Unified School District Transportation Depot"),
        assigned_technician=TechnicianFactory(name="Alexandra Rodriguez-Whitfield"),
    )
    WorkOrderHistoryFactory(work_order=order, old_value="pending", new_value="scheduled")
    NotificationFactory(work_order=order)
    truck = TruckFactory(name="Service Truck 204 (Ford Transit 350 High Roof)")
    item = InventoryItemFactory(name="Network Video Recorder (NVR) 16-channel with 8 TB surveillance drive")
    StockMovementFactory(truck=truck, item=item, reason="Restocked from the warehouse before the week")
    TruckInventoryFactory(truck=truck, item=item)
    TechnicianActivityFactory(work_order=order, technician=order.assigned_technician)
    ClockRecordFactory(technician=order.assigned_technician)
    context = new_context(browser, viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{live_server.url}/admin/login/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    for changelist, columns in CHANGELISTS.items():
        page.goto(f"{live_server.url}/admin/{changelist}/")
        table = page.locator("#result_list")
        expect(table).to_be_visible()
        shot(page, f"admin-{changelist.replace('/', '-')}", full_page=False)
        for column in columns:
            header = table.locator("thead th", has_text=column).first
            box = header.bounding_box()
            assert box is not None, f"{changelist}: no column {column!r}"
            assert box["x"] >= 0 and box["x"] + box["width"] <= DESKTOP["width"], (
                f"{changelist}: {column!r} is cut off at 1366 px"
            )
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{changelist} is {overflow} px wider than the window"
        # Nor cut by the results box: no column hidden to the right of it.
        hidden = table.evaluate("t => t.parentElement.scrollWidth - t.parentElement.clientWidth")
        assert hidden <= 1, f"{changelist}: {hidden} px of columns hidden to the right at 1366 px"
    context.close()
