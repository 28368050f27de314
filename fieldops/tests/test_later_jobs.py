"""Tomorrow's jobs open on the phone, read-only until their day: fieldops.state refuses their steps."""

import uuid
from datetime import timedelta

import pytest
from django.utils import timezone

from dispatch import clock, formatting
from dispatch.tests.factories import WorkOrderFactory
from fieldops import services
from fieldops.models import TechnicianActivity
from fieldops.selectors import technician_state
from fieldops.state import Step, check
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tomorrow_job(technician):
    at = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0) + timedelta(days=1)
    return WorkOrderFactory(
        assigned_technician=technician, title="Survey the new warehouse", scheduled_for=at
    )


def test_my_day_links_tomorrows_jobs_and_their_page_opens(tech_client, tomorrow_job):
    html = tech_client.get("/tech/").content.decode()
    assert f'href="/tech/jobs/{tomorrow_job.pk}/"' in html
    page = tech_client.get(f"/tech/jobs/{tomorrow_job.pk}/")
    body = page.content.decode()
    assert page.status_code == 200 and "Survey the new warehouse" in body
    day = formatting.day_text(clock.localdate() + timedelta(days=1))
    assert f"booked for {day}" in body
    for step in ("travel-start", "arrive", "work-start", "complete"):
        assert f"/tech/jobs/{tomorrow_job.pk}/{step}/" not in body


def test_a_step_on_tomorrows_job_is_refused_on_the_server(tech_client, technician, tomorrow_job):
    services.clock_in(technician=technician, truck=TruckFactory())
    page = tech_client.get(f"/tech/jobs/{tomorrow_job.pk}/").content.decode()
    assert f"/tech/jobs/{tomorrow_job.pk}/travel-start/" not in page and "its steps open that day" in page
    refusal = check(technician_state(technician), Step.TRAVEL_START, tomorrow_job)
    assert refusal and "its steps open that day" in refusal
    response = tech_client.post(
        f"/tech/jobs/{tomorrow_job.pk}/travel-start/", {"idempotency_key": str(uuid.uuid4())}
    )
    assert response.status_code in (302, 409)
    assert not TechnicianActivity.objects.filter(work_order=tomorrow_job).exists()
    tomorrow_job.refresh_from_db()
    assert tomorrow_job.status == "scheduled"


def test_todays_job_still_takes_its_steps(technician):
    services.clock_in(technician=technician, truck=TruckFactory())
    at = timezone.localtime().replace(hour=23, minute=0, second=0, microsecond=0)
    today = WorkOrderFactory(assigned_technician=technician, scheduled_for=at)
    assert check(technician_state(technician), Step.TRAVEL_START, today) is None
