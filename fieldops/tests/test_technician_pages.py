"""The office's technician pages: a page of technicians with their state from fieldops.state."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops.office_views import TECHNICIANS_SHOWN as FIELD_ROWS
from fieldops.technician_views import PAGE_SIZE
from fieldops.tests.factories import ClockRecordFactory, TechnicianActivityFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def _queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_technician_list_shows_what_each_is_doing_now(office_client):
    technician = TechnicianFactory(name="Amy Active")
    order = WorkOrderFactory(assigned_technician=technician, title="Gate camera")
    record = ClockRecordFactory(technician=technician, truck__name="Truck 7")
    TechnicianActivityFactory(
        technician=technician, activity_type="shift_start", created_at=record.clock_in_time
    )
    TechnicianActivityFactory(technician=technician, activity_type="travel_start", work_order=order)
    html = office_client.get("/office/technicians/").content.decode()
    row = next(row for row in html.split("<tr") if "Amy Active" in row)
    assert "Traveling" in row and f"#{order.pk}" in row and "Truck 7" in row and "Clocked in" in row
    detail = office_client.get(f"/office/technicians/{technician.pk}/").content.decode()
    assert "Traveling" in detail and "Truck 7" in detail


def test_the_technician_list_pages_and_runs_the_same_queries_at_any_size(office_client):
    def crew(first: int, n: int) -> None:
        for i in range(first, first + n):
            technician = TechnicianFactory(name=f"Crew {i:03d}")
            ClockRecordFactory(technician=technician)
            WorkOrderFactory(
                assigned_technician=technician,
                scheduled_for=timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(23))),
            )

    crew(0, 3)
    small = _queries(office_client, "/office/technicians/")
    crew(3, PAGE_SIZE + 5)
    assert _queries(office_client, "/office/technicians/") == small
    first = office_client.get("/office/technicians/").content.decode()
    assert "Crew 000" in first and f"Crew {PAGE_SIZE:03d}" not in first
    second = office_client.get("/office/technicians/?page=2", headers=HX).content.decode()
    assert "<html" not in second and f"Crew {PAGE_SIZE:03d}" in second and "Crew 000" not in second


def test_the_field_view_shows_a_page_of_technicians(office_client):
    for i in range(FIELD_ROWS + 2):
        TechnicianFactory(name=f"Crew {i:03d}")
    first = office_client.get("/office/field/").content.decode()
    assert "Crew 000" in first and f"Crew {FIELD_ROWS:03d}" not in first
    second = office_client.get("/office/field/?page=2", headers=HX).content.decode()
    assert f"Crew {FIELD_ROWS + 1:03d}" in second and "Crew 000" not in second
    assert "/office/field/?page=2" in second  # the poll keeps the page


def test_timesheets_show_a_page_of_technicians(office_client):
    for i in range(FIELD_ROWS + 2):
        ClockRecordFactory(technician=TechnicianFactory(name=f"Crew {i:03d}"))
    first = office_client.get("/office/field/timesheets/").content.decode()
    assert "Crew 000" in first and f"Crew {FIELD_ROWS:03d}" not in first
    assert f"1–{FIELD_ROWS} of {FIELD_ROWS + 2} technicians" in first
    second = office_client.get("/office/field/timesheets/?page=2").content.decode()
    assert f"Crew {FIELD_ROWS + 1:03d}" in second and "Crew 000" not in second
