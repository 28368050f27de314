"""Every office page of the demo company passes axe-core's WCAG AA contrast rule, at 1366 and 820 px.

The demo is what a new office user sees first and it holds a row of every kind a page renders
(calls and missed calls, customer messages and their templates, operational events, checklists,
a voice transcript, stock below minimum); the test adds what the demo leaves out (a registered
device, a finished "Plan the week" run). The pages are found from the URL configuration, so a
new office page that renders on a GET is checked without this list being edited.
"""

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from dispatch import services
from dispatch.models import Customer, Technician, WorkOrder, WorkOrderStatus
from fieldops.models import ChecklistTemplate
from fieldops.tests.factories import EquipmentFactory
from inventory.models import InventoryItem, Truck
from techflow.demo import DEFAULT_PASSWORD, load_demo
from techflow.tests.browser import contrast_violations, new_context, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.demo, pytest.mark.django_db(transaction=True)]

WIDTHS = [1366, 820]

# Office routes that are not pages: files, posts and htmx fragments (each answered elsewhere).
NOT_PAGES = {
    "work_order_export",
    "work_order_customer_options",
    "work_order_availability",
    "work_order_schedule",
    "work_order_status",
    "work_order_note",
    "work_order_visit_add",
    "work_order_visit_remove",
    "work_order_helper_add",
    "work_order_helper_remove",
    "work_order_reopen",
    "work_order_summary",
    "board_move",
    "board_resize",
    "board_fix",
    "board_fix_apply",
    "board_plan",
    "board_plan_apply",
    "customer_geocode",
    "customer_note_add",
    "call_export",
    "call_called_back",
    "message_retry",
    "notification_badge",
    "notifications_mark_all_read",
    "notification_send",
    "notification_set_read",
    "timesheets_csv",
    "report_csv",
    "event_resolve",
    "incident_banner",
    "incident_resolve",
    "attachment_file",
    "attachment_thumb",
    "signature_image",
    "service_report",
    "equipment_reveal",
    "usage_export",
    "checklist_item_remove",
    "incident_acknowledge",
    "truck_adjust",
    "truck_crew",
    "truck_restock",
    "truck_restock_to_standard",
    "truck_transfer",
    "work_order_technician_options",
}


def _office_routes() -> dict[str, str]:
    """Route name -> its pattern, for every named route under /office/."""
    found: dict[str, str] = {}

    def walk(patterns, prefix: str) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns, prefix + str(entry.pattern))
            elif isinstance(entry, URLPattern) and entry.name:
                pattern = prefix + str(entry.pattern)
                if pattern.startswith("/office/"):  # a phone route may share an office route's name
                    found[entry.name] = pattern

    walk(get_resolver().url_patterns, "/")
    return found


def _pages(plan_run_id) -> list[str]:
    """Every office page, its ids filled from the demo's rows (a job of each state it holds)."""
    technician = Technician.objects.order_by("pk").first()
    customer = Customer.objects.filter(work_orders__isnull=False).order_by("pk").first()
    truck = Truck.objects.service().order_by("pk").first()
    by_pk = WorkOrder.objects.order_by("pk")
    orders = {state: by_pk.filter(status=state).first() for state in WorkOrderStatus.values}
    order = orders[WorkOrderStatus.IN_PROGRESS] or by_pk.first()
    ids = {
        "technician_detail": technician.pk,
        "technician_edit": technician.pk,
        "customer_detail": customer.pk,
        "customer_edit": customer.pk,
        "work_order_detail": order.pk,
        "work_order_edit": order.pk,
        "work_order_suggestions": (orders[WorkOrderStatus.PENDING] or order).pk,
        "item_edit": InventoryItem.objects.order_by("pk").first().pk,
        "checklist_detail": ChecklistTemplate.objects.order_by("pk").first().pk,
        "board_plan_status": plan_run_id,
        "truck_detail": truck.pk,
        "truck_replenishment": truck.pk,
    }
    pages = []
    for name, pattern in sorted(_office_routes().items()):
        if name in NOT_PAGES:
            continue
        if "<" not in pattern:
            pages.append(pattern)
        else:
            assert name in ids, f"an office page with an id this test does not fill: {name} ({pattern})"
            pages.append(pattern.split("<", 1)[0] + str(ids[name]) + pattern.split(">", 1)[1])
    # The other states' detail pages (buttons and badges differ) and the week view of the board.
    pages += [f"/office/work-orders/{other.pk}/" for other in orders.values() if other and other != order]
    pages.append("/office/board/?view=week")
    return pages


def test_every_office_page_of_the_demo_passes_the_contrast_check(browser, live_server, now):
    load_demo(today=timezone.localdate(now), now=now)
    office = get_user_model().objects.get(username="office")
    EquipmentFactory(customer=Customer.objects.order_by("pk").first(), ip_address="10.0.0.21")
    run = services.plan_run_start(day=timezone.localdate(now), user=office)
    pages = _pages(run.pk)
    checked: set[str] = set()
    for width in WIDTHS:
        context = new_context(browser, viewport={"width": width, "height": 900})
        page = context.new_page()
        sign_in(page, live_server.url, "office", password=DEFAULT_PASSWORD, then="/office/")
        found, statuses = {}, {}
        for path in pages:
            status = page.request.get(f"{live_server.url}{path}", max_redirects=0).status
            if status == 405:
                continue  # a form's action (POST only), answered with the page it belongs to
            if status != 200:
                statuses[path] = status
                continue
            checked.add(path)
            page.goto(f"{live_server.url}{path}")
            # The nav's unread badge arrives by htmx after the page: check it too, once it is there.
            page.locator("#unread-badge:not(.badge)").wait_for(state="detached")
            violations = contrast_violations(page)
            if violations:
                found[path] = violations
        context.close()
        assert statuses == {}, f"office pages that did not open at {width} px: {statuses}"
        assert found == {}, f"contrast below WCAG AA at {width} px: {found}"
    assert len(checked) >= 35 and "/office/calls/missed/" in checked, sorted(checked)
