"""The seed's roles, usable: the application connected as tech_app runs the technician pages, and
connected as office_admin runs everything. Each test provisions its own roles and drops them."""

import datetime as dt
import uuid
from contextlib import contextmanager
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import ProgrammingError, connection
from django.test import Client

from conftest import PASSWORD
from dispatch.models import ManualNotification, WorkOrder, WorkOrderStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops.models import ClockRecord, ProcessedAction
from inventory.models import StockMovement, TruckInventory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

ZONE = ZoneInfo("America/New_York")
NOW = dt.datetime(2025, 11, 5, 9, 0, tzinfo=ZONE)


@pytest.fixture
def roles():
    suffix = uuid.uuid4().hex[:8]
    office, tech = f"tf_test_office_{suffix}", f"tf_test_tech_{suffix}"
    call_command(
        "provision_db_roles",
        "--office-role",
        office,
        "--tech-role",
        tech,
        office_password="office-pass-1",
        tech_password="tech-pass-2",
        stdout=StringIO(),
    )
    yield {"office": (office, "office-pass-1"), "tech": (tech, "tech-pass-2")}
    connection.close()
    with connection.cursor() as cursor:
        for role in (office, tech):
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")


@contextmanager
def connected_as(role: str, password: str):
    """The application's connection logs in as this role until the block ends."""
    saved = {key: connection.settings_dict.get(key) for key in ("USER", "PASSWORD")}
    connection.close()
    connection.settings_dict.update(USER=role, PASSWORD=password)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == role
        yield
    finally:
        connection.close()
        connection.settings_dict.update(saved)


def _post(client: Client, url: str, data: dict | None = None):
    return client.post(url, {"idempotency_key": str(uuid.uuid4()), **(data or {})})


@pytest.fixture
def day(django_user_model):
    user = django_user_model.objects.create_user("terry", password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    technician = TechnicianFactory(user=user, name="Terry Tech")
    truck = TruckFactory(name="Truck 201")
    item = InventoryItemFactory(name="RJ45 Connector")
    TruckInventoryFactory(truck=truck, item=item, quantity=10)
    order = WorkOrderFactory(
        assigned_technician=technician,
        customer=CustomerFactory(name="City Bank"),
        status=WorkOrderStatus.SCHEDULED,
        scheduled_for=NOW.replace(hour=10),
    )
    message = ManualNotification.objects.create(technician=technician, message="Gate code 4321")
    return {"technician": technician, "truck": truck, "item": item, "order": order, "message": message}


def test_connected_as_tech_app_a_technician_works_a_whole_day(roles, day):
    order, truck, item = day["order"], day["truck"], day["item"]
    base = f"/tech/jobs/{order.pk}"
    with time_machine.travel(NOW, tick=True), connected_as(*roles["tech"]):
        client = Client()
        response = client.post("/login/", {"username": "terry", "password": PASSWORD})
        assert response.status_code == 302
        assert client.get("/tech/").status_code == 200
        assert _post(client, "/tech/clock-in/", {"truck": truck.pk}).status_code == 302
        assert client.get(f"{base}/").status_code == 200
        for step in ("travel-start", "arrive", "work-start", "pause", "resume"):
            assert _post(client, f"{base}/{step}/").status_code == 302, step
        assert (
            _post(client, f"{base}/notes/", {"text": "Longer cable", "alert_office": "on"}).status_code == 302
        )
        assert _post(client, f"{base}/parts/", {"item": item.pk, "quantity": 3}).status_code == 302
        assert _post(client, f"{base}/complete/", {"note": "All cameras up"}).status_code == 302
        assert _post(client, f"{base}/leave/").status_code == 302
        assert _post(client, "/tech/events/fuel-stop/").status_code == 302
        assert _post(client, f"/tech/messages/{day['message'].pk}/read/").status_code == 302
        assert client.get("/tech/agent/").status_code == 200
        assert _post(client, "/tech/clock-out/").status_code == 302
        assert client.post("/logout/").status_code == 302
        # What the phone app's role must never do.
        with pytest.raises(ProgrammingError, match="permission denied"), connection.cursor() as cursor:
            cursor.execute("DELETE FROM work_orders")
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.COMPLETED
    assert TruckInventory.objects.get(truck=truck, item=item).quantity == 7
    assert StockMovement.objects.filter(work_order=order, quantity_change=-3).exists()
    assert not ClockRecord.objects.get(technician=day["technician"]).is_open
    assert ProcessedAction.objects.count() >= 10


def test_connected_as_office_admin_the_office_and_admin_surfaces_work(roles, day, django_user_model):
    office = django_user_model.objects.create_user("olivia", password=PASSWORD)
    office.groups.add(Group.objects.get_or_create(name="Office")[0])
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    order = day["order"]
    with time_machine.travel(NOW, tick=True), connected_as(*roles["office"]):
        client = Client()
        assert client.post("/login/", {"username": "olivia", "password": PASSWORD}).status_code == 302
        for url in (
            "/office/",
            "/office/work-orders/",
            f"/office/work-orders/{order.pk}/",
            "/office/board/",
            "/office/customers/",
            "/office/technicians/",
            "/office/notifications/",
            "/office/inventory/",
            "/office/field/",
            "/office/field/timesheets/",
        ):
            assert client.get(url).status_code == 200, url
        response = client.post(
            f"/office/work-orders/{order.pk}/status/",
            {"status": WorkOrderStatus.IN_PROGRESS, "reason": "", "version": order.version},
        )
        assert response.status_code in (200, 302)
        admin = Client()
        assert admin.post("/login/", {"username": "root", "password": PASSWORD}).status_code == 302
        for url in ("/admin/", "/admin/dispatch/workorder/", "/admin/system/", "/admin/techflow/backuprun/"):
            assert admin.get(url).status_code == 200, url
    assert WorkOrder.objects.get(pk=order.pk).status == WorkOrderStatus.IN_PROGRESS
