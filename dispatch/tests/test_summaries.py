"""Job summaries: written from the order's notes, travel, activity and parts; regenerated in one click."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dispatch.models import WorkOrder, WorkOrderHistory, WorkOrderStatus
from dispatch.services import Actor, work_order_update
from dispatch.tests.factories import (
    CustomerFactory,
    TechnicianFactory,
    WorkOrderFactory,
    WorkOrderNoteFactory,
)
from fieldops.selectors import work_order_for_summary, work_order_summary_text
from fieldops.services import work_order_summary_write

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
START = timezone.make_aware(dt.datetime(2030, 3, 11, 9, 0))  # a Monday, 9 AM in TIME_ZONE


def _model(relation: str, field: str | None = None):
    """A model of another app through the work order's relations: dispatch imports none of them."""
    model = WorkOrder._meta.get_field(relation).related_model
    return model._meta.get_field(field).related_model if field else model


def _activity(order, kind: str, minutes: int):
    row = order.activities.create(technician=order.assigned_technician, activity_type=kind)
    order.activities.model.objects.filter(pk=row.pk).update(created_at=START + dt.timedelta(minutes=minutes))


def _part(order, name: str, unit: str, quantity: int):
    item = _model("stock_movements", "item").objects.create(
        name=name, category="connectors", unit=unit, standard_quantity=10, minimum_quantity=1
    )
    truck = _model("stock_movements", "truck").objects.get_or_create(name="Truck 201")[0]
    order.stock_movements.create(
        truck=truck,
        item=item,
        kind="used_on_job",
        quantity_change=-quantity,
        quantity_after=100,
        technician=order.assigned_technician,
        created_by_type="technician",
    )


@pytest.fixture
def done_job():
    order = WorkOrderFactory(
        title="Install four dome cameras",
        customer=CustomerFactory(name="City Bank"),
        assigned_technician=TechnicianFactory(name="Mike Johnson"),
        scheduled_for=START,
        status=WorkOrderStatus.COMPLETED,
    )
    order.travel_logs.create(
        technician=order.assigned_technician,
        travel_start_time=START - dt.timedelta(minutes=25),
        travel_end_time=START,
    )
    _activity(order, "arrived_on_site", 0)
    _activity(order, "work_started", 5)
    _activity(order, "work_paused", 60)
    _activity(order, "work_resumed", 75)
    _activity(order, "work_completed", 100)
    _activity(order, "left_site", 110)
    _part(order, "RJ45 Connector", "unit", 8)
    _part(order, "Cat6 Cable", "ft", 200)
    WorkOrderNoteFactory(work_order=order, note_text="Mounted the cameras in the vault corridor")
    WorkOrderNoteFactory(
        work_order=order, note_text="Customer asked about a camera at the back door", alert_office=True
    )
    WorkOrderNoteFactory(work_order=order, note_text="Completed: All four cameras recording.")
    return order


def test_summary_mentions_travel_on_site_pauses_parts_and_alerts_in_company_time(done_job):
    text = work_order_summary_text(work_order_for_summary(done_job.pk))
    # The technician's words first, the facts after.
    assert text.startswith("Work done: Mounted the cameras in the vault corridor.")
    assert "\n\nFrom the job's record: Mike Johnson visited City Bank on Monday, March 11 for: " in text
    assert "Travel to the site took 25 minutes." in text
    assert "Mike arrived at 9:00 AM and finished at 10:40 AM." in text
    assert "Time on site was 1 hour 50 minutes, including one pause totalling 15 minutes." in text
    assert "Parts used: 200 ft of Cat6 Cable, 8 × RJ45 Connector." in text
    assert "Work done: Mounted the cameras in the vault corridor. All four cameras recording." in text
    assert "Points raised during the visit: Customer asked about a camera at the back door." in text
    assert "Completed:" not in text and "#" not in text


def test_summary_of_a_job_with_no_field_record_says_nothing_awkward():
    order = WorkOrderFactory(
        title="Check recorder",
        customer=CustomerFactory(name="School District"),
        assigned_technician=TechnicianFactory(name="Sarah Williams"),
        scheduled_for=START,
        status=WorkOrderStatus.COMPLETED,
    )
    text = work_order_summary_text(work_order_for_summary(order.pk))
    assert text == (
        "From the job's record: "
        "Sarah Williams visited School District on Monday, March 11 for: Check recorder."
    )
    for awkward in ("0 minutes", "Parts used", "Work done", "Points raised", "None", "pause"):
        assert awkward not in text


def test_summary_ignores_office_notes_and_empty_completion_notes(done_job):
    WorkOrderNoteFactory(work_order=done_job, technician=None, note_text="Office: invoice sent")
    WorkOrderNoteFactory(work_order=done_job, note_text="Completed:  ")
    text = work_order_summary_text(work_order_for_summary(done_job.pk))
    assert "invoice" not in text and " . " not in text and ".." not in text


def test_summary_write_saves_through_work_order_update_with_history(done_job, office_user):
    work_order_summary_write(work_order=done_job, actor=Actor.for_user(office_user))
    done_job.refresh_from_db()
    assert "Travel to the site took 25 minutes." in done_job.full_summary
    row = WorkOrderHistory.objects.get(work_order=done_job, field_changed="full_summary")
    assert row.new_value == done_job.full_summary and row.changed_by_type == "office"


def test_rebuilding_the_facts_keeps_every_word_a_person_wrote(done_job, office_user):
    actor = Actor.for_user(office_user)
    work_order_summary_write(work_order=done_job, actor=actor)
    done_job.refresh_from_db()
    words, facts = done_job.full_summary.split("From the job's record:")
    edited = "Replaced the failing dome in the vault and tested every camera with the manager. "
    work_order_update(
        work_order=done_job, actor=actor, full_summary=edited + words + "From the job's record:" + facts
    )
    _part(done_job, "Junction Box", "unit", 2)

    work_order_summary_write(work_order=done_job, actor=actor)
    done_job.refresh_from_db()
    assert done_job.full_summary.startswith(edited + words.strip())
    assert "2 × Junction Box" in done_job.full_summary.split("From the job's record:")[1]
    assert done_job.full_summary.count("From the job's record:") == 1


def test_a_summary_written_by_hand_is_kept_whole_and_the_facts_follow_it(done_job, office_user):
    actor = Actor.for_user(office_user)
    mine = "We replaced the recorder's failing drive; the customer signed off at the front desk."
    work_order_update(work_order=done_job, actor=actor, full_summary=mine)
    work_order_summary_write(work_order=done_job, actor=actor)
    done_job.refresh_from_db()
    assert done_job.full_summary.startswith(mine + "\n\nFrom the job's record: Mike Johnson visited")


def test_summary_selector_runs_a_fixed_number_of_queries(done_job):
    with CaptureQueriesContext(connection) as few:
        work_order_summary_text(work_order_for_summary(done_job.pk))
    for i in range(5):
        _part(done_job, f"Extra part {i}", "unit", 1)
        WorkOrderNoteFactory(work_order=done_job, note_text=f"Note {i}")
        _activity(done_job, "work_paused", 120 + i)
    with CaptureQueriesContext(connection) as many:
        work_order_summary_text(work_order_for_summary(done_job.pk))
    assert len(few) == len(many) == 5


# Views ----------------------------------------------------------------------------------


def test_regenerate_summary_replaces_an_edited_one_and_returns_the_region_for_htmx(office_client, done_job):
    done_job.full_summary = "Old text"
    done_job.save()
    response = office_client.post(reverse("field:work_order_summary", args=[done_job.pk]), headers=HX)
    assert response.status_code == 200
    assert b"<html" not in response.content and b"Summary written" in response.content
    done_job.refresh_from_db()
    assert "Parts used: 200 ft of Cat6 Cable" in done_job.full_summary


def test_write_summary_without_htmx_redirects_to_the_detail_page(office_client, done_job):
    response = office_client.post(reverse("field:work_order_summary", args=[done_job.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("dispatch:work_order_detail", args=[done_job.pk])
    done_job.refresh_from_db()
    assert done_job.full_summary


def test_detail_page_offers_write_summary_for_a_completed_order_without_one(office_client, done_job):
    response = office_client.get(reverse("dispatch:work_order_detail", args=[done_job.pk]))
    assert b"Write summary" in response.content
    done_job.full_summary = "Done."
    done_job.save()
    response = office_client.get(reverse("dispatch:work_order_detail", args=[done_job.pk]))
    assert b"Rebuild the facts" in response.content and b"Write summary" not in response.content


def test_summary_of_an_open_order_is_refused_with_a_message(office_client):
    order = WorkOrderFactory()
    response = office_client.post(reverse("field:work_order_summary", args=[order.pk]), headers=HX)
    assert response.status_code == 422 and b"once the job is completed" in response.content
    order.refresh_from_db()
    assert order.full_summary is None


def test_summary_of_an_unknown_order_is_404_and_get_is_405(office_client):
    assert office_client.post(reverse("field:work_order_summary", args=[999999])).status_code == 404
    order = WorkOrderFactory()
    assert office_client.get(reverse("field:work_order_summary", args=[order.pk])).status_code == 405


def test_summary_is_for_office_staff_only(tech_client, done_job):
    response = tech_client.post(reverse("field:work_order_summary", args=[done_job.pk]))
    assert response.status_code == 403
