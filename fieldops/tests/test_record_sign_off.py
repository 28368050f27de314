"""The customer's sign-off and the service report PDF."""

import base64
import io
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from PIL import Image, ImageDraw
from pypdf import PdfReader

from dispatch.models import WorkOrderHistory
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops import record_services, services
from fieldops.models import ChecklistItem, ChecklistTemplate, CustomerSignature, Equipment
from fieldops.services import Location
from fieldops.tests.record_helpers import jpeg
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory

pytestmark = pytest.mark.django_db


def signature_data_url(blank: bool = False) -> str:
    image = Image.new("RGBA", (600, 200), (0, 0, 0, 0))
    if not blank:
        ImageDraw.Draw(image).line(
            [(20, 150), (200, 40), (380, 160), (560, 60)], fill=(0, 0, 0, 255), width=6
        )
    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode()


@pytest.fixture
def done(technician):
    """An installation job, worked and completed, with a checklist, a part, a photo and a camera."""
    template = ChecklistTemplate.objects.create(name="QA", job_type="installation")
    mounting = ChecklistItem.objects.create(template=template, label="Mounting secure", kind="yes_no")
    truck = TruckFactory()
    item = InventoryItemFactory(name="4MP Dome Camera")
    TruckInventoryFactory(truck=truck, item=item, quantity=5)
    customer = CustomerFactory(name="Riverside Dental", address="12 River Rd")
    order = WorkOrderFactory(
        assigned_technician=technician, customer=customer, job_type="installation", title="Install cameras"
    )
    services.clock_in(technician=technician, truck=truck)
    services.job_travel_start(technician=technician, work_order=order)
    services.job_arrive(technician=technician, work_order=order)
    services.job_work_start(technician=technician, work_order=order)
    services.job_part_use(technician=technician, work_order=order, item=item, quantity=2)
    record_services.checklist_answer_save(technician=technician, work_order=order, item=mounting, value="yes")
    record_services.job_attachment_add(technician=technician, work_order=order, upload=jpeg(), step="after")
    record_services.equipment_save(
        technician=technician,
        work_order=order,
        kind="camera",
        make="Axis",
        model="P3265",
        serial_number="SN-CAM-1",
        ip_address="192.168.1.21",
        status="active",
    )
    services.job_complete(
        technician=technician, work_order=order, note="Two dome cameras installed and aimed"
    )
    order.refresh_from_db()
    return order


def test_the_customer_signs_and_the_signature_keeps_the_visit_as_it_was(tech_client, technician, done):
    page = tech_client.get(f"/tech/jobs/{done.pk}/sign-off/").content.decode()
    assert "Two dome cameras installed and aimed" in page and "SN-CAM-1" in page and "Mounting secure" in page
    response = tech_client.post(
        f"/tech/jobs/{done.pk}/sign-off/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "signer_name": "  Dana   Smith ",
            "signature": signature_data_url(),
            "latitude": "40.7",
            "longitude": "-74.0",
        },
    )
    assert response.status_code == 302
    signed = CustomerSignature.objects.get()
    assert signed.signer_name == "Dana Smith" and str(signed.latitude) == "40.700000"
    assert signed.summary["work_done"] == "Two dome cameras installed and aimed"
    assert signed.summary["parts"] == [{"item": "4MP Dome Camera", "quantity": 2}]
    assert signed.summary["equipment"][0]["serial"] == "SN-CAM-1"
    assert signed.image.read()[:8] == b"\x89PNG\r\n\x1a\n"
    history = WorkOrderHistory.objects.get(work_order=done, field_changed="signature")
    assert (history.new_value, history.changed_by_type) == ("Signed by Dana Smith", "technician")
    # Never changed afterwards.
    signed.signer_name = "Someone else"
    with pytest.raises(ValidationError):
        signed.save()


def test_a_new_signature_supersedes_and_both_are_kept(technician, done):
    first = record_services.job_sign_off(
        technician=technician, work_order=done, signer_name="Dana", signature=signature_data_url()
    )
    second = record_services.job_sign_off(
        technician=technician,
        work_order=done,
        signer_name="Lee",
        signature=signature_data_url(),
        location=Location(),
    )
    assert list(CustomerSignature.objects.filter(work_order=done)) == [second, first]
    row = WorkOrderHistory.objects.filter(field_changed="signature").last()
    assert (row.old_value, row.new_value) == ("Signed by Dana", "Signed by Lee")


@pytest.mark.parametrize(
    ("signature", "message"),
    [("", "sign in the box"), ("data:image/png;base64,@@@", "did not arrive whole"), (None, "box is empty")],
)
def test_an_empty_or_broken_signature_is_refused(tech_client, done, signature, message):
    response = tech_client.post(
        f"/tech/jobs/{done.pk}/sign-off/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "signer_name": "Dana",
            "signature": signature if signature is not None else signature_data_url(blank=True),
        },
        headers={"X-Replay": "1"},
    )
    assert response.status_code in (400, 409) and message in response.json()["message"]
    assert not CustomerSignature.objects.exists()


def test_another_technician_cannot_sign_or_see_the_signature(done, technician, django_user_model):
    signed = record_services.job_sign_off(
        technician=technician, work_order=done, signer_name="Dana", signature=signature_data_url()
    )
    other = TechnicianFactory(user=django_user_model.objects.create_user("other4"))
    client = Client()
    client.force_login(other.user)
    assert client.get(f"/tech/jobs/{done.pk}/sign-off/").status_code == 404
    assert client.get(f"/tech/signatures/{signed.pk}/").status_code == 404
    assert client.get(f"/tech/jobs/{done.pk}/report.pdf").status_code == 404


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_the_service_report_prints_what_was_true_when_signed(
    tech_client, office_user, technician, done, django_capture_on_commit_callbacks
):
    # Signing a completed job asks the worker for its report (here the immediate backend, on commit).
    with django_capture_on_commit_callbacks(execute=True):
        record_services.job_sign_off(
            technician=technician, work_order=done, signer_name="Dana Smith", signature=signature_data_url()
        )
    # Changed after the signature: the report still shows what the customer signed.
    Equipment.objects.filter(serial_number="SN-CAM-1").update(serial_number="CHANGED-LATER")
    response = tech_client.get(f"/tech/jobs/{done.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _pdf_text(response.getvalue())
    for expected in [
        "Service report",
        "Riverside Dental",
        "Terry Tech",
        "Two dome cameras installed and aimed",
        "4MP Dome Camera",
        "SN-CAM-1",
        "192.168.1.21",
        "Mounting secure",
        "Dana Smith",
    ]:
        assert expected in text, expected
    assert "CHANGED-LATER" not in text
    office = Client()
    office.force_login(office_user)
    office_pdf = office.get(f"/office/field/work-orders/{done.pk}/report.pdf")
    assert office_pdf.status_code == 200 and "Dana Smith" in _pdf_text(office_pdf.getvalue())
    page = office.get(f"/office/work-orders/{done.pk}/").content.decode()
    assert f"/office/field/work-orders/{done.pk}/report.pdf" in page


def test_an_open_job_has_no_report_yet(tech_client, technician):
    order = WorkOrderFactory(assigned_technician=technician, status="in_progress")
    response = tech_client.get(f"/tech/jobs/{order.pk}/report.pdf")
    assert response.status_code == 409 and "completed job" in response.content.decode()
