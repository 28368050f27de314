import datetime as dt
from collections import Counter
from io import StringIO

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import models as django_models
from django.db.models import Count, Max
from django.utils import timezone

from dispatch.models import (
    Customer,
    ManualNotification,
    Notification,
    Technician,
    WorkOrder,
    WorkOrderStatus,
)
from fieldops.models import (
    ActivityType,
    ClockRecord,
    TechnicianActivity,
    TravelLog,
)
from fieldops.selectors import State, technician_states
from inventory.models import StockMovement, Truck, TruckInventory
from techflow import demo
from techflow.tests.demo_support import (
    EARLY_MORNING,
    TECHNICIAN_LOGINS,
    WEDNESDAY,
    all_counts,
    local_at,
    local_clock,
    local_day,
    run_setup_demo,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def load_at(settings):
    """Load the demo with DEBUG on and the clock frozen at a local time (frozen until teardown)."""
    travellers = []

    def load(parts: tuple[int, ...], *args: str) -> str:
        settings.DEBUG = True
        traveller = time_machine.travel(local_at(parts), tick=False)
        traveller.start()
        travellers.append(traveller)
        return run_setup_demo(*args)

    yield load
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture
def wednesday_demo(load_at):
    load_at(WEDNESDAY)
    return timezone.localdate()


# --- trucks, stock, technicians, items, customers -------------------------------------


# --- work orders ----------------------------------------------------------------------


# --- the field: clock records, travel, activity ---------------------------------------


# --- history, notes, notifications, communications ------------------------------------


# --- logins ---------------------------------------------------------------------------


def test_output_lists_the_logins_and_the_password_as_demo_only(load_at):
    output = load_at(WEDNESDAY)
    assert "DEMO ONLY" in output
    assert "Password for all of them: techflow-demo" in output
    for username in ("admin", "office", *TECHNICIAN_LOGINS.values()):
        assert f"  {username} " in output


def test_password_option_sets_every_demo_login_password(settings):
    settings.DEBUG = True
    output = run_setup_demo("--password", "another-secret-9")
    assert "Password for all of them: another-secret-9" in output
    for username in demo.demo_usernames():
        assert authenticate(username=username, password="another-secret-9") is not None
        assert authenticate(username=username, password="techflow-demo") is None


# --- running it again, resetting, refusing --------------------------------------------


def test_reset_wipes_hand_added_rows_and_reloads_exact_counts(wednesday_demo):
    before = all_counts()
    Customer.objects.create(name="Walk-in Customer", address="1 Side Street", phone="555-0199")
    get_user_model().objects.filter(username="mike").update(first_name="Changed")
    run_setup_demo("--reset")
    assert not Customer.objects.filter(name="Walk-in Customer").exists()
    assert get_user_model().objects.get(username="mike").first_name == "Mike"
    assert all_counts() == before
    assert set(Truck.objects.values_list("id", flat=True)) == {1, 201, 202, 203, 204}


def test_reset_reloads_the_same_data_for_the_same_moment(wednesday_demo):
    def snapshot():
        orders = WorkOrder.objects.order_by("scheduled_for", "assigned_technician__name")
        return list(orders.values_list("customer__name", "title", "status", "scheduled_for", "job_type"))

    first = snapshot()
    run_setup_demo("--reset")
    assert snapshot() == first


def test_refuses_to_mix_the_demo_into_other_techflow_data(settings):
    settings.DEBUG = True
    Customer.objects.create(name="Real Customer", address="1 Real Street", phone="555-0100")
    with pytest.raises(CommandError, match="--reset"):
        run_setup_demo()
    assert Customer.objects.count() == 1
    assert not Technician.objects.exists()


def test_refuses_to_take_over_an_existing_login(settings, django_user_model):
    settings.DEBUG = True
    django_user_model.objects.create_user("admin", password="their-own-password")
    with pytest.raises(CommandError, match="admin"):
        run_setup_demo()
    assert not Truck.objects.exists()
    assert authenticate(username="admin", password="their-own-password") is not None


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        run_setup_demo()
    assert not WorkOrder.objects.exists()
    assert not get_user_model().objects.exists()


def test_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False
    run_setup_demo("--force")
    assert WorkOrder.objects.count() == 120


def test_loaded_before_the_shift_starts_nobody_is_clocked_in_and_today_is_all_pending(load_at):
    load_at(EARLY_MORNING)
    assert not ClockRecord.objects.filter(clock_out_time__isnull=True).exists()
    assert set(WorkOrder.objects.today().values_list("status", flat=True)) == {WorkOrderStatus.SCHEDULED}
    assert WorkOrder.objects.today().count() == 8
    assert not TravelLog.objects.filter(work_order__in=WorkOrder.objects.today()).exists()


def test_loaded_while_technicians_drive_to_the_first_job_their_travel_is_open(load_at):
    load_at((2025, 11, 8, 7, 45))  # a Saturday: the first jobs start at 8:00
    today = WorkOrder.objects.today()
    # In progress from the start of travel: the first four are on their way, the rest scheduled.
    driving_to = set(
        TravelLog.objects.filter(travel_end_time__isnull=True).values_list("work_order", flat=True)
    )
    assert set(today.filter(pk__in=driving_to).values_list("status", flat=True)) == {
        WorkOrderStatus.IN_PROGRESS
    }
    assert set(today.exclude(pk__in=driving_to).values_list("status", flat=True)) == {
        WorkOrderStatus.SCHEDULED
    }
    open_logs = TravelLog.objects.filter(travel_end_time__isnull=True)
    assert open_logs.count() == 4
    assert {local_clock(log.travel_start_time) for log in open_logs} == {dt.time(7, 30)}
    assert ClockRecord.objects.filter(clock_out_time__isnull=True).count() == 4


def test_load_demo_builds_everything_in_one_call_for_any_day(db):
    summary = demo.load_demo(
        today=dt.date(2030, 6, 15), now=timezone.make_aware(dt.datetime(2030, 6, 15, 11))
    )
    assert summary.counts == {
        "trucks": 5,
        "technicians": 4,
        "inventory items": 17,
        "customers": 8,
        "work orders": 120,
    }
    days = Counter(local_day(at) for at in WorkOrder.objects.values_list("scheduled_for", flat=True))
    assert min(days) == dt.date(2030, 6, 8) and max(days) == dt.date(2030, 6, 22)


def test_wipe_empties_every_techflow_table_and_removes_demo_logins(wednesday_demo):
    demo.wipe_techflow_data()
    assert set(all_counts().values()) == {0}
    assert not get_user_model().objects.filter(username__in=demo.demo_usernames()).exists()
    truck = Truck.objects.create(name="First truck")
    assert truck.pk == 1


# --- coherent at any hour -------------------------------------------------------------

# Fifteen moments of a weekday rather than every hour (each is a whole load of the demo through
# the services): the night, the shift's first and last minutes, each job's travel, work and
# overrun windows, lunch, the evening and the minutes before midnight.
WEEKDAY_HOURS = [
    (2025, 11, 5, hour, minute)
    for hour, minute in (
        (0, 0),
        (2, 30),
        (5, 0),
        (6, 59),
        (7, 0),
        (7, 45),
        (9, 0),
        (10, 30),
        (12, 0),
        (13, 30),
        (15, 0),
        (15, 59),
        (16, 30),
        (19, 0),
        (23, 30),
    )
]
SATURDAY_HOURS = [
    (2025, 11, 8, hour, minute) for hour, minute in ((6, 30), (7, 50), (9, 0), (11, 15), (13, 0), (21, 0))
]


def _load_at(settings, parts: tuple[int, ...]) -> tuple[demo.DemoSummary, dt.datetime]:
    """load_demo with `now` given and the clock pinned there (selectors and is_late read it)."""
    now = local_at(parts)
    return demo.load_demo(today=now.date(), now=now), now


def _check_coherent(summary: demo.DemoSummary, now: dt.datetime) -> None:
    states = technician_states(Technician.objects.select_related("user"))
    # The state derived from activity is the state the demo meant.
    assert {s.technician.user.username: (s.state, s.work_order_id) for s in states} == summary.states

    start, end = (dt.time(7), dt.time(13) if now.weekday() >= 5 else dt.time(16))
    on_shift = start <= now.timetz().replace(tzinfo=None) < end
    assert {s.is_clocked_in for s in states} == {on_shift}, [s.state for s in states]

    # No job in progress for longer than planned plus a plausible overrun; one that nobody is
    # on was left unfinished, explicitly, with a note for the office.
    current = {s.work_order_id: s for s in states if s.work_order_id}
    for order in WorkOrder.objects.filter(status=WorkOrderStatus.IN_PROGRESS):
        arrivals = order.activities.filter(activity_type=ActivityType.ARRIVED_ON_SITE)
        if not arrivals.exists():
            # In progress from the start of travel: its technician is on the way, the log open.
            assert order.pk in current, order
            assert order.travel_logs.filter(travel_end_time__isnull=True).exists(), order
            continue
        arrived = arrivals.latest("created_at")
        if order.pk in current:
            planned = dt.timedelta(minutes=demo.JOB_MINUTES[order.job_type] + demo.OVERRUN_MINUTES)
            assert now - arrived.created_at <= planned, order
        else:
            assert order.activities.filter(
                activity_type=ActivityType.LEFT_SITE, created_at__gt=arrived.created_at
            ).exists(), order
            assert order.notes.filter(alert_office=True, technician=order.assigned_technician).exists(), order

    # What the pages exist for.
    assert any(order.is_late for order in WorkOrder.objects.open())
    assert Notification.objects.filter(notification_type=Notification.Type.NOTE_ALERT, is_read=False).exists()
    truck_201 = TruckInventory.objects.filter(truck_id=201).select_related("item")
    assert any(row.item.needs_restock(row.quantity) for row in truck_201)
    assert ManualNotification.objects.filter(is_read=False).exists()
    assert WorkOrder.objects.open().filter(status=WorkOrderStatus.PENDING).exists()

    # Nothing recorded in the future (a work order's time may be ahead: it is booked).
    for model in demo.techflow_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, django_models.DateTimeField) and field.name != "scheduled_for":
                latest = model._base_manager.aggregate(latest=Max(field.name))["latest"]
                assert latest is None or latest <= now, (model.__name__, field.name, latest)

    # A customer with a completed job is not new; the one without is.
    for customer in Customer.objects.all():
        completed = customer.work_orders.filter(status=WorkOrderStatus.COMPLETED).exists()
        assert customer.is_new_customer == (not completed), customer

    # Steps of one technician never tie: one instant holds one service call's rows only
    # (job_arrive writes travel_end and arrived_on_site together).
    ties = (
        TechnicianActivity.objects.values("technician_id", "created_at")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    for tie in ties:
        kinds = set(
            TechnicianActivity.objects.filter(
                **{k: tie[k] for k in ("technician_id", "created_at")}
            ).values_list("activity_type", flat=True)
        )
        assert kinds == {ActivityType.TRAVEL_END, ActivityType.ARRIVED_ON_SITE}, tie

    # The ledger explains every truck's stock.
    call_command("check_stock", stdout=StringIO(), stderr=StringIO())


@pytest.mark.parametrize(
    "parts", WEEKDAY_HOURS + SATURDAY_HOURS, ids=lambda p: f"{p[2]:02}-{p[3]:02}h{p[4]:02}"
)
def test_at_any_hour_the_demo_is_coherent_and_each_technician_is_where_it_meant(settings, parts):
    with time_machine.travel(local_at(parts), tick=False):
        summary, now = _load_at(settings, parts)
        _check_coherent(summary, now)


def test_at_half_past_one_the_morning_is_done_and_the_afternoon_under_way(settings):
    parts = (2025, 11, 5, 13, 30)
    with time_machine.travel(local_at(parts), tick=False):
        summary, now = _load_at(settings, parts)
        for technician in Technician.objects.all():
            first, second = WorkOrder.objects.for_technician(technician).today().order_by("scheduled_for")
            assert first.status == WorkOrderStatus.COMPLETED, technician
            assert second.status in {WorkOrderStatus.SCHEDULED, WorkOrderStatus.IN_PROGRESS}
        busy = {state for state, order in summary.states.values() if order}
        # David may already have paused the job he cannot finish.
        assert busy and busy <= {State.TRAVELING, State.ON_SITE, State.WORKING, State.PAUSED}
        late = [o for o in WorkOrder.objects.today() if o.is_late_to_start]
        # Sarah is held up in traffic, or already there.
        assert len(late) <= 1


def test_in_the_evening_the_day_is_closed(settings):
    parts = (2025, 11, 5, 21, 0)
    with time_machine.travel(local_at(parts), tick=False):
        summary, now = _load_at(settings, parts)
        assert {state for state, _ in summary.states.values()} == {State.OFF}
        assert not ClockRecord.objects.filter(clock_out_time__isnull=True).exists()
        today = Counter(WorkOrder.objects.today().values_list("status", flat=True))
        assert today == {WorkOrderStatus.COMPLETED: 7, WorkOrderStatus.IN_PROGRESS: 1}
        unfinished = WorkOrder.objects.today().get(status=WorkOrderStatus.IN_PROGRESS)
        assert unfinished.notes.get(alert_office=True).note_text == demo.UNFINISHED_NOTE
        assert unfinished.assigned_technician.name == demo.TECHNICIANS[demo.UNFINISHED[0]].name


def test_the_same_day_and_time_give_the_same_data(settings):
    parts = (2025, 11, 5, 11, 20)

    def snapshot():
        return (
            list(
                TechnicianActivity.objects.order_by("technician_id", "sequence").values_list(
                    "technician__name", "activity_type", "created_at", "latitude", "work_order__title"
                )
            ),
            list(
                StockMovement.objects.order_by("id").values_list(
                    "truck_id", "item__name", "quantity_change", "created_at"
                )
            ),
        )

    with time_machine.travel(local_at(parts), tick=False):
        _load_at(settings, parts)
        first = snapshot()
        demo.wipe_techflow_data()
        _load_at(settings, parts)
        assert snapshot() == first


def test_output_says_who_works_weekends(load_at):
    output = load_at(WEDNESDAY)
    assert f"Weekends: {demo.WEEKEND_ROTA}." in output


@pytest.mark.pinned_clock
def test_the_demo_loaded_at_the_suites_pinned_moment_is_coherent():
    """Loaded at whatever instant the suite is pinned to (TECHFLOW_TEST_NOW): CI runs this at
    06:30, 13:30, 21:00, on a Saturday and on both daylight-saving days."""
    now = timezone.localtime(timezone.now()).replace(microsecond=0)
    with time_machine.travel(now, tick=False):
        summary = demo.load_demo(today=now.date(), now=now)
        _check_coherent(summary, now)
