"""The scheduling rules have one home (dispatch.scheduling) and every reader asks it."""

import ast
import datetime as dt
from pathlib import Path

import pytest
import time_machine
from django.utils import timezone

from dispatch import scheduling
from dispatch.models import WorkOrder, WorkOrderStatus
from dispatch.selectors import technician_availability
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from dispatch.views.suggestions import _first_open_day

pytestmark = pytest.mark.django_db

DAY = dt.date(2030, 3, 11)  # a Monday
HERE = Path(__file__).resolve().parents[1]


def _local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module} | {
        alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }


def test_selectors_and_services_no_longer_import_each_other():
    assert "dispatch.services" not in _imports(HERE / "selectors.py")
    assert "dispatch.selectors" not in _imports(HERE / "scheduling.py")


def test_the_jobs_that_count_are_assigned_not_cancelled_and_on_the_local_day():
    tech = TechnicianFactory()
    counted = WorkOrderFactory(assigned_technician=tech, scheduled_for=_local(DAY, 23, 30))
    WorkOrderFactory(assigned_technician=tech, scheduled_for=_local(DAY, 9), status=WorkOrderStatus.CANCELLED)
    WorkOrderFactory(assigned_technician=None, scheduled_for=_local(DAY, 9))
    WorkOrderFactory(assigned_technician=tech, scheduled_for=_local(DAY + dt.timedelta(days=1), 0, 0))

    assert list(WorkOrder.objects.booked().on_day(DAY)) == [counted]


def test_availability_counts_the_same_jobs_as_the_service():
    tech = TechnicianFactory()
    WorkOrderFactory(assigned_technician=tech, scheduled_for=_local(DAY, 8))
    WorkOrderFactory(
        assigned_technician=tech, scheduled_for=_local(DAY, 11), status=WorkOrderStatus.CANCELLED
    )

    mine = next(a for a in technician_availability(_local(DAY, 14)) if a.technician == tech)

    assert mine.jobs == 1 and mine.free


def test_week_start_is_monday_and_day_bounds_are_local_midnights():
    assert scheduling.week_start(dt.date(2030, 3, 17)) == DAY
    start, end = scheduling.day_bounds(DAY)
    assert (timezone.localtime(start).hour, end - start) == (0, dt.timedelta(hours=24))


def test_after_the_last_start_time_suggestions_start_tomorrow_by_the_services_clock():
    with time_machine.travel(_local(DAY, 15, 30), tick=False):
        assert _first_open_day() == DAY + dt.timedelta(days=1)
    with time_machine.travel(_local(DAY, 14, 30), tick=False):
        assert _first_open_day() == DAY


def test_the_summary_service_itself_refuses_an_order_not_yet_completed(office_user):
    from django.core.exceptions import ValidationError

    from dispatch.services import Actor
    from fieldops.services import work_order_summary_write

    order = WorkOrderFactory(status=WorkOrderStatus.IN_PROGRESS)
    with pytest.raises(ValidationError, match="once the job is completed"):
        work_order_summary_write(work_order=order, actor=Actor.for_user(office_user))
    order.refresh_from_db()
    assert order.full_summary in (None, "")
