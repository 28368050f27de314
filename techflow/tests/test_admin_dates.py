"""The admin's changelists write dates and times in TechFlow's one style (dispatch.formatting), in the
company's time zone, and the columns still sort."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from dispatch import formatting
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory, WorkOrderNoteFactory

pytestmark = pytest.mark.django_db


def _cells(html: str, column: str) -> list[str]:
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(rf'<t[dh] class="field-{column}[^"]*">(.*?)</t[dh]>', html, re.S)
    ]


def test_work_order_list_shows_scheduled_times_as_the_office_does(admin_client, now):
    today = timezone.localtime(now).replace(hour=14, minute=5, second=0, microsecond=0)
    other_day = today - timedelta(days=3)
    WorkOrderFactory(title="Today's job", scheduled_for=today)
    WorkOrderFactory(title="Earlier job", scheduled_for=other_day)
    WorkOrderFactory(title="Not yet booked", scheduled_for=None)
    html = admin_client.get("/admin/dispatch/workorder/?o=6").content.decode()
    cells = _cells(html, "scheduled_for")
    assert formatting.when(today) == "2:05 PM" and "2:05 PM" in cells
    assert formatting.when(other_day) in cells and formatting.when(other_day).endswith(", 2:05 PM")
    assert "-" in cells  # an order with no time: the admin's empty value
    # The header keeps its label and sorts; sorted by it, the earlier day comes first.
    assert re.search(r'<th scope="col" class="sortable column-scheduled_for', html)
    assert "Scheduled for" in html
    assert cells.index(formatting.when(other_day)) < cells.index("2:05 PM")
    # The first column still links to the order.
    assert re.search(r'<th class="field-id"><a href="/admin/dispatch/workorder/\d+/change/', html)


def test_a_time_stored_in_utc_reads_in_the_company_zone(admin_client, now):
    # 01:30 UTC on Friday is 8:30 PM on Thursday in New York (the pinned day is Thursday Dec 3).
    at = datetime(2026, 12, 4, 1, 30, tzinfo=UTC)
    note = WorkOrderNoteFactory(technician=TechnicianFactory())
    type(note).objects.filter(pk=note.pk).update(created_at=at)
    html = admin_client.get("/admin/dispatch/workordernote/").content.decode()
    cell = _cells(html, "created_at")[0]  # the first column, the link to the note
    assert cell == formatting.when(at)
    assert "8:30 PM" in cell and "a.m." not in cell and "p.m." not in cell
