"""Equipment at each site: registered from the job, searched by the office, credentials encrypted."""

import uuid

import pytest
from django.db import connection
from django.test import Client

from dispatch.models import WorkOrderHistory
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops.models import Equipment, EquipmentCredentialReveal
from inventory.tests.factories import InventoryItemFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(technician):
    customer = CustomerFactory(name="Riverside Dental")
    return WorkOrderFactory(assigned_technician=technician, customer=customer, status="in_progress")


def _register(client, order, **fields):
    data = {"idempotency_key": str(uuid.uuid4()), "eq-kind": "camera", "eq-status": "active"}
    data.update({f"eq-{name}": value for name, value in fields.items()})
    return client.post(f"/tech/jobs/{order.pk}/equipment/", data)


def test_a_technician_registers_a_camera_with_history_and_an_encrypted_password(
    tech_client, technician, order
):
    response = _register(
        tech_client,
        order,
        make="Axis",
        model="P3265-LVE",
        serial_number="ACCC8E123456",
        mac_address="ac-cc-8e-12-34-56",
        ip_address="192.168.1.21",
        mount_location="Lobby, north wall",
        warranty_end="2029-12-01",
        username="admin",
        password="s3cret-Pass",
    )
    assert response.status_code == 302
    camera = Equipment.objects.get()
    assert camera.customer == order.customer and camera.installed_work_order_id == order.pk
    assert camera.mac_address == "AC:CC:8E:12:34:56" and camera.ip_address == "192.168.1.21"
    assert camera.password_encrypted and "s3cret" not in camera.password_encrypted
    with connection.cursor() as cursor:
        cursor.execute("SELECT password_encrypted FROM site_equipment")
        assert b"s3cret" not in cursor.fetchone()[0].encode()
    history = WorkOrderHistory.objects.get(work_order=order, field_changed="equipment")
    assert history.changed_by_type == "technician"
    assert "ACCC8E123456" in history.new_value and "(password set)" in history.new_value
    assert "s3cret" not in history.new_value


def test_a_part_used_prefills_the_model(tech_client, order):
    item = InventoryItemFactory(name="4MP Dome Camera")
    _register(tech_client, order, item=str(item.pk), serial_number="D1")
    assert Equipment.objects.get().model == "4MP Dome Camera"


def test_a_bad_mac_or_ip_is_refused_with_a_message(tech_client, order):
    response = _register(tech_client, order, mac_address="zz:11", ip_address="300.1.1.1")
    assert response.status_code == 400
    assert not Equipment.objects.exists()


def test_an_update_records_old_and_new(tech_client, order):
    _register(tech_client, order, serial_number="S1", ip_address="10.0.0.5")
    camera = Equipment.objects.get()
    response = tech_client.post(
        f"/tech/jobs/{order.pk}/equipment/{camera.pk}/",
        {
            "idempotency_key": str(uuid.uuid4()),
            f"eq{camera.pk}-kind": "camera",
            f"eq{camera.pk}-serial_number": "S1",
            f"eq{camera.pk}-ip_address": "10.0.0.6",
            f"eq{camera.pk}-status": "replaced",
        },
    )
    assert response.status_code == 302
    camera.refresh_from_db()
    assert (camera.ip_address, camera.status) == ("10.0.0.6", "replaced")
    row = WorkOrderHistory.objects.filter(field_changed="equipment").last()
    assert "IP 10.0.0.5" in row.old_value and "IP 10.0.0.6" in row.new_value and "replaced" in row.new_value


def test_the_office_sees_the_register_and_searches_by_serial_or_mac(tech_client, office_user, order):
    _register(tech_client, order, serial_number="NVR-7788", mac_address="001A2B3C4D5E", kind="nvr")
    office = Client()
    office.force_login(office_user)
    page = office.get(f"/office/customers/{order.customer_id}/").content.decode()
    assert "NVR-7788" in page and "00:1A:2B:3C:4D:5E" in page
    for query in ["7788", "00-1a-2b", "3C4D5E"]:
        found = office.get("/office/field/equipment/", {"q": query}).content.decode()
        assert "NVR-7788" in found, query
    assert "NVR-7788" not in office.get("/office/field/equipment/", {"q": "nothing"}).content.decode()


def test_credentials_are_revealed_to_the_office_and_the_assigned_technician_each_time_recorded(
    tech_client, technician, office_user, order, django_user_model
):
    _register(tech_client, order, serial_number="C1", username="admin", password="pw-123")
    camera = Equipment.objects.get()
    assert "pw-123" not in tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    response = tech_client.post(f"/tech/jobs/{order.pk}/equipment/{camera.pk}/reveal/")
    assert response.status_code == 200 and "pw-123" in response.content.decode()
    office = Client()
    office.force_login(office_user)
    assert "pw-123" in office.post(f"/office/field/equipment/{camera.pk}/reveal/").content.decode()
    reveals = list(
        EquipmentCredentialReveal.objects.order_by("created_at").values_list("revealed_by_type", flat=True)
    )
    assert reveals == ["technician", "office"]
    # Another technician, even with a job of their own elsewhere, gets nothing.
    other = TechnicianFactory(user=django_user_model.objects.create_user("other3"))
    elsewhere = WorkOrderFactory(assigned_technician=other)
    client = Client()
    client.force_login(other.user)
    assert client.post(f"/tech/jobs/{order.pk}/equipment/{camera.pk}/reveal/").status_code == 404
    assert client.post(f"/tech/jobs/{elsewhere.pk}/equipment/{camera.pk}/reveal/").status_code == 404
    assert client.post(f"/office/field/equipment/{camera.pk}/reveal/").status_code == 403
    assert client.get(f"/tech/jobs/{order.pk}/").status_code == 404
    assert EquipmentCredentialReveal.objects.count() == 2
    # A reveal is a POST: a link or prefetch never reveals.
    assert tech_client.get(f"/tech/jobs/{order.pk}/equipment/{camera.pk}/reveal/").status_code == 405


def _queries(client, url) -> int:
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_job_and_office_pages_read_the_record_in_a_fixed_number_of_queries(
    tech_client, technician, office_user, order
):
    from fieldops import record_services
    from fieldops.tests.record_helpers import jpeg

    def add(n: int) -> None:
        for i in range(n):
            record_services.equipment_save(
                technician=technician, work_order=order, kind="camera", serial_number=f"S{i}", status="active"
            )
            record_services.job_attachment_add(
                technician=technician, work_order=order, upload=jpeg(width=40, height=30)
            )

    office = Client()
    office.force_login(office_user)
    add(1)
    small = (
        _queries(tech_client, f"/tech/jobs/{order.pk}/"),
        _queries(office, f"/office/work-orders/{order.pk}/"),
    )
    add(4)
    large = (
        _queries(tech_client, f"/tech/jobs/{order.pk}/"),
        _queries(office, f"/office/work-orders/{order.pk}/"),
    )
    assert small == large
    customer = _queries(office, f"/office/customers/{order.customer_id}/")
    add(2)
    assert _queries(office, f"/office/customers/{order.customer_id}/") == customer
