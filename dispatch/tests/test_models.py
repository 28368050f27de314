"""Work-order reads and rules: company-time-zone days, a technician's list, open and late orders."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from dispatch.models import WorkOrder, WorkOrderStatus
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
AMSTERDAM = ZoneInfo("Europe/Amsterdam")


@pytest.fixture(autouse=True)
def new_york(settings):
    settings.TIME_ZONE = "America/New_York"


def _local(zone: ZoneInfo, *args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=zone)


def _titles(queryset) -> set[str]:
    return set(queryset.values_list("title", flat=True))


def test_an_order_late_in_the_local_evening_belongs_to_that_local_day():
    late_evening = _local(NEW_YORK, 2025, 3, 10, 23, 30)
    assert late_evening.astimezone(dt.UTC).date() == dt.date(2025, 3, 11)  # the next day in UTC
    WorkOrderFactory(title="late evening", scheduled_for=late_evening)

    assert _titles(WorkOrder.objects.on_day(dt.date(2025, 3, 10))) == {"late evening"}
    assert not WorkOrder.objects.on_day(dt.date(2025, 3, 11)).exists()


def test_a_day_runs_from_local_midnight_up_to_the_next_local_midnight():
    WorkOrderFactory(
        title="last minute of the day before", scheduled_for=_local(NEW_YORK, 2025, 3, 9, 23, 59)
    )
    WorkOrderFactory(title="midnight", scheduled_for=_local(NEW_YORK, 2025, 3, 10, 0, 0))
    WorkOrderFactory(title="morning", scheduled_for=_local(NEW_YORK, 2025, 3, 10, 8, 0))
    WorkOrderFactory(title="next midnight", scheduled_for=_local(NEW_YORK, 2025, 3, 11, 0, 0))
    WorkOrderFactory(title="unscheduled", scheduled_for=None)

    assert _titles(WorkOrder.objects.on_day(dt.date(2025, 3, 10))) == {"midnight", "morning"}


def test_the_day_the_clocks_go_forward_still_ends_at_local_midnight():
    # 9 March 2025 has 23 hours in New York.
    WorkOrderFactory(title="late on the short day", scheduled_for=_local(NEW_YORK, 2025, 3, 9, 23, 30))
    WorkOrderFactory(title="early next day", scheduled_for=_local(NEW_YORK, 2025, 3, 10, 0, 30))

    assert _titles(WorkOrder.objects.on_day(dt.date(2025, 3, 9))) == {"late on the short day"}


def test_today_is_the_company_day_not_the_utc_day():
    WorkOrderFactory(title="tonight", scheduled_for=_local(NEW_YORK, 2025, 3, 10, 23, 30))
    WorkOrderFactory(title="this morning", scheduled_for=_local(NEW_YORK, 2025, 3, 10, 9, 0))
    WorkOrderFactory(title="tomorrow morning", scheduled_for=_local(NEW_YORK, 2025, 3, 11, 9, 0))

    # 02:00 UTC on the 11th is still 22:00 on the 10th in New York.
    with time_machine.travel(dt.datetime(2025, 3, 11, 2, 0, tzinfo=dt.UTC), tick=False):
        assert _titles(WorkOrder.objects.today()) == {"tonight", "this morning"}


def test_today_follows_the_time_zone_setting(settings):
    settings.TIME_ZONE = "Europe/Amsterdam"
    WorkOrderFactory(title="Amsterdam breakfast", scheduled_for=_local(AMSTERDAM, 2025, 3, 11, 7, 0))
    WorkOrderFactory(title="Amsterdam last night", scheduled_for=_local(AMSTERDAM, 2025, 3, 10, 23, 0))

    # 02:00 UTC on the 11th is already 03:00 on the 11th in Amsterdam.
    with time_machine.travel(dt.datetime(2025, 3, 11, 2, 0, tzinfo=dt.UTC), tick=False):
        assert _titles(WorkOrder.objects.today()) == {"Amsterdam breakfast"}


def test_for_technician_lists_only_that_technicians_orders():
    mine, theirs = TechnicianFactory.create_batch(2)
    WorkOrderFactory(title="mine 1", assigned_technician=mine)
    WorkOrderFactory(title="mine 2", assigned_technician=mine)
    WorkOrderFactory(title="theirs", assigned_technician=theirs)
    WorkOrderFactory(title="unassigned", assigned_technician=None)

    assert _titles(WorkOrder.objects.for_technician(mine)) == {"mine 1", "mine 2"}


def test_for_technician_chains_with_today():
    technician = TechnicianFactory()
    WorkOrderFactory(
        title="today", assigned_technician=technician, scheduled_for=_local(NEW_YORK, 2025, 3, 10, 9)
    )
    WorkOrderFactory(
        title="tomorrow", assigned_technician=technician, scheduled_for=_local(NEW_YORK, 2025, 3, 11, 9)
    )
    WorkOrderFactory(title="someone else today", scheduled_for=_local(NEW_YORK, 2025, 3, 10, 9))

    with time_machine.travel(_local(NEW_YORK, 2025, 3, 10, 7), tick=False):
        assert _titles(WorkOrder.objects.for_technician(technician).today()) == {"today"}


def test_open_excludes_completed_and_cancelled_orders():
    for status in WorkOrderStatus.values:
        WorkOrderFactory(title=status, status=status)

    assert _titles(WorkOrder.objects.open()) == {"pending", "scheduled", "in_progress"}


@pytest.mark.parametrize(
    ("status", "hours_from_now", "late"),
    [
        ("scheduled", -1, True),
        ("pending", -1, True),
        ("in_progress", -1, True),
        ("scheduled", 1, False),
        ("completed", -1, False),
        ("cancelled", -1, False),
    ],
)
def test_an_order_is_late_when_it_is_open_and_its_time_has_passed(status, hours_from_now, late):
    now = dt.datetime(2025, 3, 10, 15, 0, tzinfo=dt.UTC)
    order = WorkOrderFactory(status=status, scheduled_for=now + dt.timedelta(hours=hours_from_now))
    with time_machine.travel(now, tick=False):
        assert order.is_late is late


def test_an_unscheduled_order_is_never_late():
    order = WorkOrderFactory(status=WorkOrderStatus.PENDING, scheduled_for=None)
    assert order.is_late is False


def test_an_order_becomes_late_once_its_scheduled_time_passes():
    scheduled = dt.datetime(2025, 3, 10, 15, 0, tzinfo=dt.UTC)
    order = WorkOrderFactory(status=WorkOrderStatus.SCHEDULED, scheduled_for=scheduled)
    with time_machine.travel(scheduled - dt.timedelta(seconds=1), tick=False):
        assert not order.is_late
    with time_machine.travel(scheduled + dt.timedelta(seconds=1), tick=False):
        assert order.is_late
