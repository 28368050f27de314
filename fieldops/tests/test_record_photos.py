"""Photos and attachments on a job: validation by content, history, and who may see them."""

import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from conftest import PASSWORD
from dispatch.models import WorkOrderHistory
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops.models import JobAttachment
from fieldops.tests.record_helpers import jpeg, pdf

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(technician):
    return WorkOrderFactory(assigned_technician=technician, status="in_progress", title="Install cameras")


def _upload(client, order, file, **data):
    return client.post(
        f"/tech/jobs/{order.pk}/photos/",
        {"idempotency_key": str(uuid.uuid4()), "step": "before", "file": file, **data},
    )


def test_a_technician_adds_a_photo_with_its_step_time_place_and_a_history_row(tech_client, technician, order):
    response = _upload(
        tech_client,
        order,
        jpeg(),
        caption="North wall",
        latitude="40.7128",
        longitude="-74.006",
        accuracy="12",
        taken_at="2026-12-03T15:20:00Z",
    )
    assert response.status_code == 302
    photo = JobAttachment.objects.get()
    assert (photo.work_order, photo.technician, photo.step) == (order, technician, "before")
    assert photo.content_type == "image/jpeg" and photo.caption == "North wall"
    assert str(photo.latitude) == "40.712800" and photo.accuracy_meters == 12
    assert photo.taken_at.isoformat() == "2026-12-03T15:20:00+00:00"
    assert photo.thumbnail.name.endswith("-thumb.jpg")
    history = WorkOrderHistory.objects.get(work_order=order, field_changed="photo")
    assert (history.changed_by_type, history.changed_by_id) == ("technician", technician.pk)
    assert history.new_value == "Before photo added: North wall"


def test_the_same_upload_replayed_is_stored_once(tech_client, order):
    key = str(uuid.uuid4())
    for _ in range(2):
        response = tech_client.post(
            f"/tech/jobs/{order.pk}/photos/",
            {"idempotency_key": key, "step": "after", "file": jpeg()},
            headers={"X-Replay": "1"},
        )
        assert response.status_code == 200 and response.json()["ok"]
    assert JobAttachment.objects.count() == 1


def test_a_pdf_is_accepted_by_its_bytes(tech_client, order):
    assert _upload(tech_client, order, pdf()).status_code == 302
    assert JobAttachment.objects.get().content_type == "application/pdf"


@pytest.mark.parametrize(
    "upload",
    [
        SimpleUploadedFile("evil.jpg", b"<script>alert(1)</script>", content_type="image/jpeg"),
        SimpleUploadedFile("x.gif", b"GIF89a" + b"\0" * 40, content_type="image/gif"),
        SimpleUploadedFile("empty.jpg", b"", content_type="image/jpeg"),
    ],
    ids=["html-named-jpg", "gif", "empty"],
)
def test_a_file_that_is_not_a_photo_or_pdf_is_refused_with_a_message_and_nothing_stored(
    tech_client, order, upload
):
    response = _upload(tech_client, order, upload)
    assert response.status_code == 400
    assert JobAttachment.objects.count() == 0
    assert not WorkOrderHistory.objects.filter(field_changed="photo").exists()


def test_a_replayed_bad_file_answers_json_400_with_the_reason(tech_client, order):
    response = tech_client.post(
        f"/tech/jobs/{order.pk}/photos/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "step": "before",
            "file": SimpleUploadedFile("a.txt", b"hello"),
        },
        headers={"X-Replay": "1"},
    )
    assert response.status_code == 400
    assert "Only photos" in response.json()["message"]


def test_a_file_over_the_limit_is_refused_naming_the_limit(tech_client, order, settings):
    settings.TECHFLOW_UPLOAD_MAX_BYTES = 1024
    response = tech_client.post(
        f"/tech/jobs/{order.pk}/photos/",
        {"idempotency_key": str(uuid.uuid4()), "step": "before", "file": jpeg(width=1200, height=900)},
        headers={"X-Replay": "1"},
    )
    assert response.status_code == 400
    assert "the limit is 0 MB" in response.json()["message"]
    assert JobAttachment.objects.count() == 0


def test_a_technician_cannot_add_a_photo_to_another_technicians_job(tech_client):
    other = WorkOrderFactory(assigned_technician=TechnicianFactory(), status="in_progress")
    assert _upload(tech_client, other, jpeg()).status_code == 404
    assert JobAttachment.objects.count() == 0


def test_photos_are_served_to_their_technician_and_the_office_and_are_404_to_another_technician(
    tech_client, office_user, order, django_user_model
):
    _upload(tech_client, order, jpeg())
    photo = JobAttachment.objects.get()
    response = tech_client.get(f"/tech/photos/{photo.pk}/thumb/")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert b"".join(response.streaming_content)[:2] == b"\xff\xd8"
    assert "sandbox" in response["Content-Security-Policy"]
    office = Client()
    office.force_login(office_user)
    assert office.get(f"/office/field/photos/{photo.pk}/").status_code == 200
    page = office.get(f"/office/work-orders/{order.pk}/").content.decode()
    assert f"/office/field/photos/{photo.pk}/thumb/" in page
    other_user = django_user_model.objects.create_user("other", password=PASSWORD)
    TechnicianFactory(user=other_user)
    other = Client()
    other.force_login(other_user)
    assert other.get(f"/tech/photos/{photo.pk}/").status_code == 404
    assert other.get(f"/tech/photos/{photo.pk}/thumb/").status_code == 404
    # Nor do technicians reach the office's address of it.
    assert other.get(f"/office/field/photos/{photo.pk}/").status_code == 403
    assert tech_client.get(f"/office/field/photos/{photo.pk}/").status_code == 403


def test_the_job_page_shows_the_photo_form_and_thumbnails(tech_client, order):
    _upload(tech_client, order, jpeg(), caption="Lobby")
    photo = JobAttachment.objects.get()
    html = tech_client.get(f"/tech/jobs/{order.pk}/").content.decode()
    assert 'accept="image/*" capture="environment"' in html
    assert f"/tech/photos/{photo.pk}/thumb/" in html
