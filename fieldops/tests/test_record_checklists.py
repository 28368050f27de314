"""Checklists per job type: the office's lists, answers on the phone, completion blocked until done."""

import uuid

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from dispatch.models import WorkOrder, WorkOrderHistory
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import record_services, services
from fieldops.models import ChecklistAnswer, ChecklistItem, ChecklistTemplate, JobAttachment
from fieldops.state import Step, check, technician_state
from fieldops.tests.record_helpers import jpeg
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def qa_list():
    template = ChecklistTemplate.objects.create(name="Camera install QA", job_type="installation")
    items = [
        ChecklistItem.objects.create(template=template, position=1, label="Mounting secure", kind="yes_no"),
        ChecklistItem.objects.create(template=template, position=2, label="Cable length (m)", kind="number"),
        ChecklistItem.objects.create(template=template, position=3, label="Camera view photo", kind="photo"),
        ChecklistItem.objects.create(
            template=template, position=4, label="Remarks", kind="text", required=False
        ),
    ]
    return template, items


@pytest.fixture
def working(technician, qa_list):
    """The technician at work on an installation job."""
    order = WorkOrderFactory(assigned_technician=technician, job_type="installation", title="Install")
    services.clock_in(technician=technician, truck=TruckFactory())
    services.job_travel_start(technician=technician, work_order=order)
    services.job_arrive(technician=technician, work_order=order)
    services.job_work_start(technician=technician, work_order=order)
    order.refresh_from_db()
    return order


def _answer(client, order, item, value):
    return client.post(
        f"/tech/jobs/{order.pk}/checklist/{item.pk}/",
        {"idempotency_key": str(uuid.uuid4()), "value": value},
        headers={"X-Replay": "1"},
    )


def test_the_job_page_shows_the_checklist_of_its_job_type(tech_client, working, qa_list):
    html = tech_client.get(f"/tech/jobs/{working.pk}/").content.decode()
    assert "Mounting secure" in html and "Cable length (m)" in html
    maintenance = WorkOrderFactory(assigned_technician=working.assigned_technician, job_type="maintenance")
    assert "Mounting secure" not in tech_client.get(f"/tech/jobs/{maintenance.pk}/").content.decode()


def test_required_items_block_completion_naming_each_one(technician, working):
    refusal = check(technician_state(technician), Step.COMPLETE, working)
    assert refusal == (
        "Answer the checklist before you complete the job: "
        "Mounting secure; Cable length (m); Camera view photo."
    )
    with pytest.raises(ValidationError, match="Mounting secure; Cable length"):
        services.job_complete(technician=technician, work_order=working, note="Done")
    working.refresh_from_db()
    assert working.status == "in_progress"


def test_answers_are_saved_with_history_and_then_the_job_completes(tech_client, technician, working, qa_list):
    _, (mounting, length, photo_item, _remarks) = qa_list
    assert _answer(tech_client, working, mounting, "yes").json()["ok"]
    assert _answer(tech_client, working, length, "12.50").json()["ok"]
    page = tech_client.get(f"/tech/jobs/{working.pk}/").content.decode()
    assert "Answer the checklist before you complete the job: Camera view photo." in page
    response = tech_client.post(
        f"/tech/jobs/{working.pk}/photos/",
        {
            "idempotency_key": str(uuid.uuid4()),
            "step": "after",
            "file": jpeg(),
            "checklist_item": photo_item.pk,
        },
    )
    assert response.status_code == 302
    assert ChecklistAnswer.objects.get(item=photo_item).value == str(JobAttachment.objects.get().pk)
    assert ChecklistAnswer.objects.get(item=length).value == "12.5"
    rows = list(
        WorkOrderHistory.objects.filter(work_order=working, field_changed="checklist").values_list(
            "new_value", "changed_by_type"
        )
    )
    assert rows == [
        ("Mounting secure: Yes", "technician"),
        ("Cable length (m): 12.5", "technician"),
        ("Camera view photo: Photo taken", "technician"),
    ]
    services.job_complete(technician=technician, work_order=working, note="Four cameras up")
    working.refresh_from_db()
    assert working.status == "completed"


def test_a_changed_answer_records_old_and_new(tech_client, working, qa_list):
    mounting = qa_list[1][0]
    _answer(tech_client, working, mounting, "yes")
    _answer(tech_client, working, mounting, "no")
    row = WorkOrderHistory.objects.filter(field_changed="checklist").last()
    assert (row.old_value, row.new_value) == ("Mounting secure: Yes", "Mounting secure: No")
    assert ChecklistAnswer.objects.get().passed is False


@pytest.mark.parametrize(
    ("index", "value", "message"), [(0, "maybe", "Answer yes or no"), (1, "ten", "Enter a number")]
)
def test_a_bad_answer_is_refused_with_a_message(tech_client, working, qa_list, index, value, message):
    response = _answer(tech_client, working, qa_list[1][index], value)
    assert response.status_code == 409 and message in response.json()["message"]
    assert not ChecklistAnswer.objects.exists()


def test_a_failed_item_makes_a_follow_up_work_order_in_one_tap(tech_client, working, qa_list):
    _answer(tech_client, working, qa_list[1][0], "no")
    answer = ChecklistAnswer.objects.get()
    url = f"/tech/jobs/{working.pk}/checklist/answers/{answer.pk}/follow-up/"
    key = str(uuid.uuid4())
    for _ in range(2):  # a double tap is one follow-up
        assert tech_client.post(url, {"idempotency_key": key}).status_code == 302
    answer.refresh_from_db()
    follow_up = WorkOrder.objects.get(pk=answer.follow_up_id)
    assert follow_up.status == "pending" and follow_up.customer == working.customer
    assert follow_up.title == "Follow-up: Mounting secure"
    assert WorkOrder.objects.count() == 2
    assert WorkOrderHistory.objects.filter(work_order=working, field_changed="follow_up").count() == 1


def test_another_technician_cannot_answer_or_see_the_checklist(client, working, qa_list, django_user_model):
    other = TechnicianFactory(user=django_user_model.objects.create_user("other2"))
    client.force_login(other.user)
    assert _answer(client, working, qa_list[1][0], "yes").status_code == 404
    with pytest.raises(ValidationError):
        record_services.checklist_answer_save(
            technician=other, work_order=working, item=qa_list[1][0], value="yes"
        )


def test_the_office_edits_the_list_and_a_removed_answered_item_keeps_its_answer(
    office_client, technician, working, qa_list
):
    template, (mounting, *_rest) = qa_list
    tech_client = Client()
    tech_client.force_login(technician.user)
    assert office_client.get("/office/field/checklists/").status_code == 200
    response = office_client.post(
        f"/office/field/checklists/{template.pk}/",
        {"label": "NVR recording", "kind": "yes_no", "required": "on"},
    )
    assert response.status_code == 302
    assert template.items.filter(label="NVR recording", required=True).exists()
    _answer(tech_client, working, mounting, "yes")
    office_client.post(f"/office/field/checklists/{template.pk}/items/{mounting.pk}/remove/")
    mounting.refresh_from_db()
    assert mounting.active is False
    assert "Mounting secure" in tech_client.get(f"/tech/jobs/{working.pk}/").content.decode()
    # A second list for the same job type is refused with a message.
    response = office_client.post(
        "/office/field/checklists/", {"name": "Another", "job_type": "installation"}
    )
    assert response.status_code == 400 and "already have a checklist" in response.content.decode()


def test_technicians_cannot_reach_the_office_checklist_pages(tech_client, qa_list):
    assert tech_client.get("/office/field/checklists/").status_code == 403
