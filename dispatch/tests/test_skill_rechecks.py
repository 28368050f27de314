"""The skill rule beyond the schedule form: a booked order whose job type changes is re-checked for
the new type's skills (the order's form and work_order_update, by one helper with the resize), and
the board's drag meets a missing skill with the same "Book it anyway" the form has, recorded."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from dispatch.models import ActorType, JobType, JobTypeSkill, Skill, WorkOrderHistory, WorkOrderStatus
from dispatch.scheduling import MissingSkill
from dispatch.services import Actor, work_order_resize, work_order_update
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 12)
OFFICE = Actor(ActorType.OFFICE, 1)
HX = {"HX-Request": "true"}


def at(hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(DAY, dt.time(hour)))


@pytest.fixture
def ptz():
    skill = Skill.objects.create(name="PTZ cameras")
    JobTypeSkill.objects.create(job_type=JobType.INSTALLATION, skill=skill)
    return skill


@pytest.fixture
def booked(ptz):
    """A maintenance job booked with Alex, who has no PTZ skill."""
    return WorkOrderFactory(
        title="Look at the cameras",
        job_type=JobType.MAINTENANCE,
        assigned_technician=TechnicianFactory(name="Alex"),
        scheduled_for=at(9),
        customer=CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=None),
    )


def test_changing_a_booked_orders_job_type_rechecks_the_skills(booked):
    with pytest.raises(MissingSkill) as refused:
        work_order_update(work_order=booked, actor=OFFICE, job_type=JobType.INSTALLATION)
    assert "PTZ cameras" in " ".join(refused.value.messages)
    booked.refresh_from_db()
    assert booked.job_type == JobType.MAINTENANCE
    work_order_update(work_order=booked, actor=OFFICE, job_type=JobType.INSTALLATION, override_skills=True)
    booked.refresh_from_db()
    assert booked.job_type == JobType.INSTALLATION
    row = WorkOrderHistory.objects.get(work_order=booked, field_changed="skill_override")
    assert row.new_value.startswith("Booked anyway: Alex doesn't have the skill")
    # Its length changes later without asking again: the type (and its override) didn't change.
    work_order_resize(work_order=booked, actor=OFFICE, minutes=90)
    booked.refresh_from_db()
    assert booked.estimated_minutes == 90
    assert WorkOrderHistory.objects.filter(work_order=booked, field_changed="skill_override").count() == 1


def test_a_length_that_no_longer_fits_is_still_refused_by_the_same_helper(booked):
    WorkOrderFactory(assigned_technician=booked.assigned_technician, scheduled_for=at(11))
    with pytest.raises(ValidationError) as refused:
        work_order_resize(work_order=booked, actor=OFFICE, minutes=180)
    assert "can't take 3 h where it is booked" in " ".join(refused.value.messages)


def test_an_unbooked_orders_job_type_changes_freely(ptz):
    order = WorkOrderFactory(assigned_technician=None, scheduled_for=None, status=WorkOrderStatus.PENDING)
    work_order_update(work_order=order, actor=OFFICE, job_type=JobType.INSTALLATION)
    order.refresh_from_db()
    assert order.job_type == JobType.INSTALLATION


def test_the_order_form_asks_to_confirm_a_job_type_the_technician_lacks(office_client, booked):
    url = reverse("dispatch:work_order_edit", args=[booked.pk])
    post = {
        "version": booked.version,
        "title": booked.title,
        "job_type": JobType.INSTALLATION,
        "estimated_minutes": "",
        "brief_description": booked.brief_description,
        "full_summary": "",
    }
    refused = office_client.post(url, post, headers=HX)
    body = refused.content.decode()
    assert refused.status_code == 422 and "PTZ cameras" in body and 'name="override_skills"' in body
    booked.refresh_from_db()
    assert booked.job_type == JobType.MAINTENANCE
    saved = office_client.post(url, {**post, "override_skills": "on"}, headers=HX)
    assert saved.status_code == 200
    booked.refresh_from_db()
    assert booked.job_type == JobType.INSTALLATION
    assert WorkOrderHistory.objects.filter(work_order=booked, field_changed="skill_override").exists()


def _move(client, order, technician, start, **extra):
    data = {
        "work_order": order.pk,
        "version": order.version,
        "technician": technician.pk,
        "start": start,
        "view": "day",
        "date": str(DAY),
        **extra,
    }
    return client.post("/office/board/move/", data, headers=HX)


def test_the_board_drag_offers_book_it_anyway_for_a_missing_skill_and_records_it(office_client, ptz):
    sam = TechnicianFactory(name="Sam")
    order = WorkOrderFactory(
        job_type=JobType.INSTALLATION,
        assigned_technician=None,
        scheduled_for=None,
        status=WorkOrderStatus.PENDING,
        customer=CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=None),
    )
    refused = _move(office_client, order, sam, "2030-03-12T09:00")
    body = refused.content.decode()
    assert refused.status_code == 422 and "PTZ cameras" in body
    assert 'data-override="skills"' in body and "Book it anyway" in body
    booked = _move(office_client, order, sam, "2030-03-12T09:00", override_skills="on")
    assert booked.status_code == 200
    order.refresh_from_db()
    assert (order.assigned_technician, order.scheduled_for) == (sam, at(9))
    row = WorkOrderHistory.objects.get(work_order=order, field_changed="skill_override")
    assert row.changed_by_type == "office"


def test_a_drag_outside_the_window_and_without_the_skill_confirms_both(office_client, ptz):
    sam = TechnicianFactory(name="Sam")
    order = WorkOrderFactory(
        job_type=JobType.INSTALLATION,
        assigned_technician=None,
        scheduled_for=None,
        status=WorkOrderStatus.PENDING,
        customer=CustomerFactory(preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(10)),
    )
    first = _move(office_client, order, sam, "2030-03-12T13:00").content.decode()
    assert 'data-override="window"' in first
    second = _move(office_client, order, sam, "2030-03-12T13:00", override_window="on").content.decode()
    assert 'data-override="window skills"' in second
    done = _move(office_client, order, sam, "2030-03-12T13:00", override_window="on", override_skills="on")
    assert done.status_code == 200
    order.refresh_from_db()
    assert order.assigned_technician == sam
