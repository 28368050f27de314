"""The job's record on a phone, in a real Chromium: a camera install from first photo to the signed PDF,
and photos and a checklist taken in a dead zone arriving once the signal is back."""

import os
import re
import shutil

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect
from pypdf import PdfReader

from dispatch.models import WorkOrderHistory
from dispatch.tests.factories import CustomerFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    CustomerSignature,
    Equipment,
    JobAttachment,
)
from fieldops.tests.record_helpers import jpeg_bytes
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory
from techflow.tests.browser import DESKTOP, new_context, shot, sign_in
from techflow.tests.test_tech_browser import _phone, _ready_offline, _user, _wait_until

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

QA = ["Mounting secure", "Cabling tested", "NVR recording", "Remote view working", "Customer shown the app"]


@pytest.fixture
def install(django_user_model):
    """Mike at work on a camera install, with the office's QA checklist for installations."""
    from dispatch.tests.factories import TechnicianFactory

    mike = TechnicianFactory(name="Mike Johnson", user=_user(django_user_model, "mike", "Technicians"))
    _user(django_user_model, "dispatcher", "Office")
    truck = TruckFactory(name="Service Truck 201")
    dome = InventoryItemFactory(name="4MP Dome Camera")
    TruckInventoryFactory(truck=truck, item=dome, quantity=6)
    template = ChecklistTemplate.objects.create(name="Camera install QA", job_type="installation")
    for position, label in enumerate(QA, start=1):
        ChecklistItem.objects.create(template=template, position=position, label=label, kind="yes_no")
    customer = CustomerFactory(name="Riverside Dental", address="12 River Rd, Springfield")
    order = WorkOrderFactory(
        assigned_technician=mike,
        customer=customer,
        job_type="installation",
        title="Install two cameras and an NVR",
        scheduled_for=timezone.now(),
    )
    services.clock_in(technician=mike, truck=truck)
    services.job_travel_start(technician=mike, work_order=order)
    services.job_arrive(technician=mike, work_order=order)
    services.job_work_start(technician=mike, work_order=order)
    return {"mike": mike, "order": order, "dome": dome}


def _photo(page, name: str, step: str, width=3200, height=2400) -> None:
    """Take a photo the way a phone does: tap the camera input and pick the file in the chooser."""
    page.get_by_text(step, exact=True).tap()
    with page.expect_file_chooser() as chooser:
        page.locator("#photo-file").click()
    chooser.value.set_files({"name": name, "mimeType": "image/jpeg", "buffer": jpeg_bytes(width, height)})
    page.get_by_role("button", name="Add photo").tap()


def _register(page, kind: str, **fields) -> None:
    if not page.locator("#equipment-new").evaluate("details => details.open"):
        page.locator("#equipment-new > summary").tap()
    form = page.locator("#equipment-new form")
    form.get_by_label("Kind").select_option(label=kind)
    for label, value in fields.items():
        form.get_by_label(label, exact=True).fill(value)
    form.get_by_role("button", name="Register").tap()
    page.wait_for_load_state()


def test_mike_records_a_camera_install_and_the_customer_signs_the_report(browser, live_server, install):
    order = install["order"]
    context, page = _phone(browser)
    sign_in(page, live_server.url, "mike")
    page.wait_for_url(f"{live_server.url}/tech/")
    page.goto(f"{live_server.url}/tech/jobs/{order.pk}/")

    # Completion waits for the checklist, and says which items.
    page.get_by_text(
        "Answer the checklist before you complete the job: Mounting secure; Cabling tested"
    ).wait_for()
    shot(page, "record-1-phone-job-checklist-due")

    _photo(page, "before.jpg", "Before")
    page.locator("#photos img").first.wait_for()
    _photo(page, "after.jpg", "After")
    page.locator("#photos img").nth(1).wait_for()
    photos = list(JobAttachment.objects.filter(work_order=order).order_by("taken_at"))
    assert [p.step for p in photos] == ["before", "after"]
    with photos[0].file.open("rb") as handle:
        assert max(Image.open(handle).size) <= 1600  # resized on the phone before upload

    for label in QA:
        page.get_by_role("button", name=f"{label}: yes").tap()
        page.locator(f"#check-{ChecklistItem.objects.get(label=label).pk}.answered").wait_for()
    assert ChecklistAnswer.objects.filter(work_order=order, passed=True).count() == 5

    _register(
        page,
        "Camera",
        Make="Axis",
        Model="P3265-LVE",
        **{"Serial number": "ACCC8E000001", "MAC address": "ac:cc:8e:00:00:01", "IP address": "192.168.1.21"},
        **{"Mount location": "Lobby, north wall"},
    )
    page.get_by_text("S/N ACCC8E000001").wait_for()
    _register(
        page,
        "Camera",
        Make="Axis",
        Model="P3265-LVE",
        **{"Serial number": "ACCC8E000002", "MAC address": "ACCC8E000002", "IP address": "192.168.1.22"},
        **{"Mount location": "Parking lot"},
    )
    page.get_by_text("S/N ACCC8E000002").wait_for()
    _register(
        page,
        "NVR",
        Make="Hikvision",
        Model="DS-7608NI",
        **{"Serial number": "NVR-778899", "IP address": "192.168.1.10", "Mount location": "Server closet"},
    )
    page.get_by_text("S/N NVR-778899").wait_for()
    assert sorted(Equipment.objects.values_list("serial_number", "ip_address")) == [
        ("ACCC8E000001", "192.168.1.21"),
        ("ACCC8E000002", "192.168.1.22"),
        ("NVR-778899", "192.168.1.10"),
    ]
    shot(page, "record-2-phone-job-recorded")

    page.get_by_label("What did you do?").fill(
        "Mounted two cameras and the NVR; aimed and tested remote view."
    )
    page.get_by_role("button", name="Complete", exact=True).tap()
    page.get_by_text("Job done.").wait_for()
    order.refresh_from_db()
    assert order.status == "completed"

    page.get_by_role("link", name="Customer signs").tap()
    page.get_by_text("Visit summary").wait_for()
    page.get_by_text("NVR-778899").wait_for()
    # The pad takes strokes once signature.js has set it up (a busy machine runs it later).
    expect(page.locator("form[data-signature-form]")).to_have_attribute("data-signature-ready", "true")
    page.locator("canvas.signature-pad").scroll_into_view_if_needed()
    pad = page.locator("canvas.signature-pad").bounding_box()
    page.mouse.move(pad["x"] + 30, pad["y"] + pad["height"] * 0.7)
    page.mouse.down()
    for step in range(1, 12):
        page.mouse.move(pad["x"] + 30 + step * 25, pad["y"] + pad["height"] * (0.7 - 0.4 * (step % 2)))
    page.mouse.up()
    page.get_by_label("Customer's name").fill("Dana Smith")
    shot(page, "record-3-phone-sign-off")
    page.get_by_role("button", name="Sign off").tap()
    page.wait_for_url(re.compile(rf"/tech/jobs/{order.pk}/(#sign-off)?$"))  # the job page, not the sign-off
    page.get_by_text("Signed by Dana Smith").first.wait_for()
    signed = CustomerSignature.objects.get(work_order=order)
    assert signed.signer_name == "Dana Smith" and signed.latitude is not None
    assert len(signed.summary["equipment"]) == 3
    shot(page, "record-4-phone-signed")

    with page.expect_download() as download:
        page.get_by_role("link", name="Service report (PDF)").tap()
    pdf = PdfReader(download.value.path())
    text = "\n".join(p.extract_text() for p in pdf.pages)
    for expected in [
        "Riverside Dental",
        "Mike Johnson",
        "Mounted two cameras and the NVR",
        "ACCC8E000001",
        "192.168.1.22",
        "NVR-778899",
        "Customer shown the app",
        "Dana Smith",
    ]:
        assert expected in text, expected
    if os.environ.get("SCREENSHOT_DIR"):
        shutil.copy(download.value.path(), os.path.join(os.environ["SCREENSHOT_DIR"], "record-report.pdf"))
    assert WorkOrderHistory.objects.filter(work_order=order, field_changed="equipment").count() == 3
    context.close()

    # The office reads it all on the work order, and can print it.
    office = new_context(browser, viewport=DESKTOP)
    desk = office.new_page()
    sign_in(desk, live_server.url, "dispatcher")
    desk.goto(f"{live_server.url}/office/work-orders/{order.pk}/")
    desk.get_by_role("link", name="Service report (PDF)").wait_for()
    assert desk.locator("#job-record img").count() >= 3  # two photos and the signature
    assert desk.locator("#timeline img.tl-thumb").count() == 2
    shot(desk, "record-5-office-work-order")
    desk.emulate_media(media="print")
    shot(desk, "record-6-office-work-order-print")
    desk.emulate_media(media="screen")
    desk.goto(f"{live_server.url}/office/customers/{order.customer_id}/")
    desk.get_by_text("NVR-778899").wait_for()
    shot(desk, "record-7-office-customer-equipment")
    desk.goto(f"{live_server.url}/office/field/equipment/?q=ac-cc-8e-00-00-02")
    desk.get_by_text("ACCC8E000002").wait_for()
    shot(desk, "record-8-office-equipment-search")
    desk.goto(f"{live_server.url}/office/field/checklists/")
    desk.get_by_role("link", name="Camera install QA").click()
    desk.get_by_text("Customer shown the app").wait_for()
    shot(desk, "record-9-office-checklist")
    office.close()


def test_photos_and_a_checklist_taken_in_a_dead_zone_arrive_once_back_online(browser, live_server, install):
    order = install["order"]
    context, page = _phone(browser)
    sign_in(page, live_server.url, "mike")
    page.wait_for_url(f"{live_server.url}/tech/")
    page.goto(f"{live_server.url}/tech/jobs/{order.pk}/")
    page.reload()
    _ready_offline(page)

    context.set_offline(True)
    page.locator("#offline-banner").wait_for()
    _photo(page, "first.jpg", "Before")
    page.get_by_text("1 waiting").wait_for()
    _photo(page, "second.jpg", "After")
    page.get_by_text("2 waiting").wait_for()
    page.get_by_role("button", name="Mounting secure: yes").tap()
    page.get_by_text("3 waiting").wait_for()
    shot(page, "record-10-phone-offline-three-waiting")
    assert not JobAttachment.objects.exists() and not ChecklistAnswer.objects.exists()

    context.set_offline(False)
    _wait_until(
        page,
        lambda: JobAttachment.objects.count() == 2 and ChecklistAnswer.objects.exists(),
        "the photos and the answer to arrive",
    )
    page.locator("#photos img").nth(1).wait_for()
    page.reload()
    page.locator("#photos img").nth(1).wait_for()
    page.wait_for_timeout(1000)
    assert JobAttachment.objects.count() == 2
    assert sorted(JobAttachment.objects.values_list("step", flat=True)) == ["after", "before"]
    answer = ChecklistAnswer.objects.get()
    assert (answer.label, answer.passed) == ("Mounting secure", True)
    assert WorkOrderHistory.objects.filter(field_changed="photo").count() == 2
    assert WorkOrderHistory.objects.filter(field_changed="checklist").count() == 1
    assert page.locator("#queue-status").is_hidden()
    context.close()
