"""Every CSV export escapes a cell a spreadsheet would run as a formula: the timesheet too."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch.csv_export import safe_cell
from dispatch.tests.factories import TechnicianFactory
from fieldops.models import ClockRecord
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db

MONDAY = dt.date(2030, 3, 11)


def test_a_technician_or_truck_named_like_a_formula_is_escaped_in_the_timesheet(office_client):
    start = timezone.make_aware(dt.datetime.combine(MONDAY, dt.time(8)))
    ClockRecord.objects.create(
        technician=TechnicianFactory(name='=HYPERLINK("http://evil")'),
        truck=TruckFactory(name="+Truck 9"),
        clock_in_time=start,
        clock_out_time=start + dt.timedelta(hours=8),
    )

    body = office_client.get(f"/office/field/timesheets.csv?week={MONDAY.isoformat()}").content.decode()

    assert "'=HYPERLINK" in body and "'+Truck 9" in body
    assert "\n=HYPERLINK" not in body and ",=HYPERLINK" not in body


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"])
def test_formula_starts_get_an_apostrophe(text):
    assert safe_cell(text) == f"'{text}"


def test_other_values_are_left_alone():
    assert (safe_cell("Mike"), safe_cell(-3), safe_cell(None)) == ("Mike", -3, None)
