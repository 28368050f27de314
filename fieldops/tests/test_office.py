"""The office's view of the field: live states, timesheets, and times derived from the events."""

import csv
import io
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dispatch.models import WorkOrder
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import ActivityType, ClockRecord, TechnicianActivity, TravelLog
from fieldops.selectors import State, technician_states, timesheet_week, week_start_of, work_order_field_times
from fieldops.services import Location
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db

# The timesheet tests look back at a finished week: the week of MONDAY, seen from the Tuesday after it.
MONDAY = date(2026, 11, 23)
THE_TUESDAY_AFTER = datetime.combine(MONDAY + timedelta(days=8), time(10, 30))


@pytest.fixture(autouse=True)
def _a_week_after_monday():
    assert week_start_of(MONDAY) == MONDAY
    with time_machine.travel(timezone.make_aware(THE_TUESDAY_AFTER), tick=True):
        yield


def _at(day_offset: int, hour: int, minute: int = 0) -> datetime:
    day = MONDAY + timedelta(days=day_offset)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def test_the_field_page_shows_each_technicians_state_job_and_location(office_client):
    mike, sarah, _idle = (
        TechnicianFactory(name="Mike Johnson"),
        TechnicianFactory(name="Sarah Williams"),
        TechnicianFactory(name="David Chen"),
    )
    order = WorkOrderFactory(assigned_technician=mike, title="Install four dome cameras")
    services.clock_in(technician=mike, truck=TruckFactory())
    services.job_travel_start(
        technician=mike, work_order=order, location=Location(Decimal("40.7128"), Decimal("-74.006"), 8)
    )
    services.clock_in(technician=sarah, truck=TruckFactory())
    services.break_start(technician=sarah)

    response = office_client.get("/office/field/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Traveling" in html and f"#{order.pk} Install four dome cameras" in html
    assert "40.7128" in html and "-74.006" in html and "±8 m" in html
    assert "On break" in html and "Off" in html
    assert 'hx-trigger="every 10s"' in html


def test_the_field_page_as_htmx_is_the_board_fragment(office_client):
    TechnicianFactory(name="Mike Johnson")
    html = office_client.get("/office/field/", headers={"HX-Request": "true"}).content.decode()
    assert "<html" not in html and 'id="field-board"' in html and "Mike Johnson" in html


def test_the_field_page_runs_a_fixed_number_of_queries(office_client):
    def grow(n):
        for _ in range(n):
            tech = TechnicianFactory()
            order = WorkOrderFactory(assigned_technician=tech)
            services.clock_in(technician=tech, truck=TruckFactory())
            services.job_travel_start(technician=tech, work_order=order)

    def count():
        with CaptureQueriesContext(connection) as captured:
            office_client.get("/office/field/")
        return len(captured)

    grow(2)
    small = count()
    grow(20)
    large = count()
    assert large == small <= 10


def test_technician_pages_and_office_field_pages_agree_on_states():
    TechnicianFactory()
    assert technician_states()[0].state == State.OFF


@pytest.mark.parametrize(
    "url", ["/office/field/", "/office/field/timesheets/", "/office/field/timesheets.csv"]
)
def test_technicians_get_403_on_the_office_field_pages(tech_client, url):
    assert tech_client.get(url).status_code == 403


def _shift(tech, truck, day, start, end, breaks=()):
    ClockRecord.objects.create(
        technician=tech, truck=truck, clock_in_time=_at(day, start), clock_out_time=_at(day, end)
    )
    for b_start, b_end in breaks:
        TechnicianActivity.objects.create(
            technician=tech, activity_type=ActivityType.BREAK_START, created_at=_at(day, *b_start)
        )
        TechnicianActivity.objects.create(
            technician=tech, activity_type=ActivityType.BREAK_END, created_at=_at(day, *b_end)
        )


def test_timesheets_total_each_technicians_week_from_clock_records():
    mike, truck = TechnicianFactory(name="Mike Johnson"), TruckFactory(name="Truck 201")
    _shift(mike, truck, 0, 7, 16, breaks=[((12, 0), (12, 30))])
    _shift(mike, truck, 2, 7, 13)
    ClockRecord.objects.create(
        technician=mike, truck=truck, clock_in_time=_at(7, 7), clock_out_time=_at(7, 9)
    )  # next week

    [row] = timesheet_week(MONDAY)
    assert (
        row.days[0] == timedelta(hours=9) and row.days[2] == timedelta(hours=6) and row.days[1] == timedelta()
    )
    assert row.total == timedelta(hours=15)
    assert row.breaks == timedelta(minutes=30)
    assert row.net == timedelta(hours=14, minutes=30)


def test_the_timesheet_page_and_its_csv(office_client):
    mike, truck = TechnicianFactory(name="Mike Johnson"), TruckFactory(name="Truck 201")
    _shift(mike, truck, 0, 7, 16)
    html = office_client.get(f"/office/field/timesheets/?week={MONDAY.isoformat()}").content.decode()
    assert "Mike Johnson" in html and "9:00" in html

    response = office_client.get(
        f"/office/field/timesheets.csv?week={(MONDAY + timedelta(days=3)).isoformat()}"
    )
    assert response["Content-Type"].startswith("text/csv")
    assert f"timesheets-{MONDAY.isoformat()}.csv" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["technician", "date", "clock_in", "clock_out", "truck", "hours"]
    assert rows[1] == ["Mike Johnson", MONDAY.isoformat(), "07:00", "16:00", "Truck 201", "9.00"]
    assert rows[2][0:2] == ["Mike Johnson", "total"] and rows[2][5] == "9.00"


def test_a_bad_week_is_refused_with_the_reason(office_client):
    for url in ("/office/field/timesheets/?week=banana", "/office/field/timesheets.csv?week=2026-13-45"):
        response = office_client.get(url)
        assert response.status_code == 400 and "is not a week" in response.content.decode()
    assert office_client.get("/office/field/timesheets/?week=").status_code == 200


def test_timesheet_queries_do_not_grow_with_the_data(office_client):
    def count():
        with CaptureQueriesContext(connection) as captured:
            office_client.get(f"/office/field/timesheets/?week={MONDAY.isoformat()}")
        return len(captured)

    truck = TruckFactory()
    _shift(TechnicianFactory(), truck, 0, 7, 16)
    small = count()
    for n in range(10):
        _shift(TechnicianFactory(), truck, n % 5, 7, 15, breaks=[((12, 0), (12, 30))])
    large = count()
    assert large == small


def test_field_times_come_from_travel_logs_and_activities():
    tech = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=tech)
    TravelLog.objects.create(
        technician=tech, work_order=order, travel_start_time=_at(0, 8), travel_end_time=_at(0, 8, 40)
    )

    def act(kind, hour, minute=0):
        TechnicianActivity.objects.create(
            technician=tech, work_order=order, activity_type=kind, created_at=_at(0, hour, minute)
        )

    act(ActivityType.ARRIVED_ON_SITE, 8, 40)
    act(ActivityType.WORK_STARTED, 8, 50)
    act(ActivityType.WORK_PAUSED, 10)
    act(ActivityType.WORK_RESUMED, 10, 30)
    act(ActivityType.WORK_COMPLETED, 11)
    act(ActivityType.LEFT_SITE, 11, 10)
    act(ActivityType.FUEL_STOP, 12)

    times = work_order_field_times(order)
    assert times.travel == timedelta(minutes=40)
    assert times.on_site == timedelta(hours=2, minutes=30)
    assert times.working == timedelta(hours=1, minutes=40)


def test_field_times_read_prefetched_relations_without_queries(django_assert_num_queries):
    order = WorkOrderFactory()
    TravelLog.objects.create(
        work_order=order,
        technician=order.assigned_technician,
        travel_start_time=_at(0, 8),
        travel_end_time=_at(0, 9),
    )
    fetched = WorkOrder.objects.prefetch_related("travel_logs", "activities").get(pk=order.pk)
    with django_assert_num_queries(0):
        assert work_order_field_times(fetched).travel == timedelta(hours=1)
