import datetime as dt
from collections import Counter
from io import StringIO
from itertools import groupby
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.db import models as django_models
from django.db.models import Count, Max, Sum
from django.utils import timezone

from dispatch.access import home_url_for, is_office, technician_for
from dispatch.models import (
    ActorType,
    CommunicationCallDetail,
    CommunicationMessage,
    Customer,
    CustomerHistory,
    ManualNotification,
    Notification,
    Priority,
    Technician,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderNote,
    WorkOrderStatus,
)
from fieldops.models import (
    ActivityType,
    ClockRecord,
    OperationalEvent,
    TechnicianActivity,
    TravelLog,
    VoiceAgentSession,
)
from fieldops.selectors import State, technician_states
from inventory.models import InventoryItem, StockMovement, Truck, TruckInventory
from techflow import demo

pytestmark = pytest.mark.django_db

# A Wednesday, and a Saturday of the same week; the 15 days around them cross the end of
# daylight saving time (Sunday 2 November 2025), which must not move any local time.
WEDNESDAY = (2025, 11, 5, 10, 30)
SATURDAY = (2025, 11, 8, 10, 15)
EARLY_MORNING = (2025, 11, 5, 6, 0)

SEED_ITEMS = {
    "IP Dome Camera",
    "Bullet Camera",
    "Analog Camera",
    "PTZ Camera",
    "Cat6 Cable",
    "RG59 Siamese Cable",
    "Shielded Cat6 Cable",
    "RJ45 Connector",
    "BNC Connector",
    "Crimpers",
    "Cable Tester",
    "Fish Tape",
    "Drill Kit",
    "12V Power Supply",
    "PoE Injector",
    "PoE Switch",
}
TECHNICIAN_LOGINS = {
    "Mike Johnson": "mike",
    "Sarah Williams": "sarah",
    "David Chen": "david",
    "Alex Rodriguez": "alex",
}
CUSTOMER_NAMES = {
    "City Bank",
    "Retail Mall Corp",
    "School District",
    "Local Restaurant",
    "Office Complex",
    "Gas Station Chain",
    "Medical Center",
    "Apartment Complex",
}


def _local(settings, parts: tuple[int, ...]) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=ZoneInfo(settings.TIME_ZONE))


def _setup_demo(*args: str) -> str:
    out = StringIO()
    call_command("setup_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def load_at(settings):
    """Load the demo with DEBUG on and the clock frozen at a local time (frozen until teardown)."""
    travellers = []

    def load(parts: tuple[int, ...], *args: str) -> str:
        settings.DEBUG = True
        traveller = time_machine.travel(_local(settings, parts), tick=False)
        traveller.start()
        travellers.append(traveller)
        return _setup_demo(*args)

    yield load
    for traveller in reversed(travellers):
        traveller.stop()


@pytest.fixture
def wednesday_demo(load_at):
    load_at(WEDNESDAY)
    return timezone.localdate()


@pytest.fixture(params=[WEDNESDAY, SATURDAY], ids=["loaded-on-a-wednesday", "loaded-on-a-saturday"])
def loaded(request, load_at):
    """The demo loaded at 10:30 on a Wednesday or 10:15 on a Saturday; gives today's date."""
    load_at(request.param)
    return timezone.localdate()


def _day(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def _clock(value: dt.datetime) -> dt.time:
    return timezone.localtime(value).time()


def _is_late_story(order: WorkOrder) -> bool:
    """The story's late arrival: today's job of that technician in that slot."""
    tech, slot = demo.LATE_ARRIVAL
    if order.assigned_technician.name != demo.TECHNICIANS[tech].name:
        return False
    day = WorkOrder.objects.for_technician(order.assigned_technician).on_day(_day(order.scheduled_for))
    return _day(order.scheduled_for) == timezone.localdate() and list(day)[slot].pk == order.pk


def _all_counts() -> dict[str, int]:
    return {model.__name__: model._base_manager.count() for model in demo.techflow_models()}


# --- trucks, stock, technicians, items, customers -------------------------------------


def test_demo_has_the_seeds_five_trucks_with_the_office_truck_as_id_1(wednesday_demo):
    assert set(Truck.objects.values_list("id", flat=True)) == {1, 201, 202, 203, 204}
    office = Truck.objects.get(is_office_truck=True)
    assert (office.pk, office.name) == (1, "Office Truck")
    assert all(t.name == f"Service Truck {t.pk}" for t in Truck.objects.exclude(pk=1))


def test_office_truck_carries_no_stock(wednesday_demo):
    assert not TruckInventory.objects.filter(truck_id=1).exists()


def test_service_trucks_carry_every_item_and_their_stock_is_the_sum_of_their_movements(wednesday_demo):
    for truck_id in (201, 202, 203, 204):
        stock = dict(TruckInventory.objects.filter(truck_id=truck_id).values_list("item_id", "quantity"))
        assert len(stock) == 17
        ledger = dict(
            StockMovement.objects.filter(truck_id=truck_id)
            .values("item_id")
            .annotate(total=Sum("quantity_change"))
            .values_list("item_id", "total")
        )
        assert stock == ledger, truck_id
        assert min(stock.values()) >= 0


def test_each_trucks_movements_run_in_time_order_from_the_seeds_standard_quantity(wednesday_demo):
    standard = {item.pk: item.standard_quantity for item in InventoryItem.objects.all()}
    for (truck_id, item_id), movements in groupby(
        StockMovement.objects.order_by("truck_id", "item_id", "created_at", "id"),
        key=lambda m: (m.truck_id, m.item_id),
    ):
        movements = list(movements)
        assert movements[0].kind == StockMovement.Kind.RESTOCK
        assert movements[0].quantity_after == standard[item_id]
        running = 0
        for movement in movements:
            running += movement.quantity_change
            assert movement.quantity_after == running >= 0, (truck_id, item_id, movement)


def test_parts_were_used_only_on_completed_jobs_from_their_technicians_truck(wednesday_demo):
    used = StockMovement.objects.filter(kind=StockMovement.Kind.USED_ON_JOB).select_related("work_order")
    assert used.count() >= 20
    trucks = {t.name: t.truck_id for t in demo.TECHNICIANS}
    for movement in used.select_related("technician"):
        # Parts go on as the work is done: a job under way may have used some already.
        assert movement.work_order.status in {WorkOrder.Status.COMPLETED, WorkOrder.Status.IN_PROGRESS}
        assert movement.technician == movement.work_order.assigned_technician
        assert movement.truck_id == trucks[movement.technician.name]
        assert movement.created_at < timezone.now()


def test_some_demo_stock_is_below_its_minimum_so_restocking_has_work(wednesday_demo):
    rows = TruckInventory.objects.select_related("item")
    assert any(row.item.needs_restock(row.quantity) for row in rows)
    assert any(row.quantity < row.item.standard_quantity for row in rows)


def test_demo_has_the_four_technicians_with_phones_and_linked_logins(wednesday_demo):
    technicians = Technician.objects.select_related("user")
    assert {t.name: t.user.username for t in technicians} == TECHNICIAN_LOGINS
    assert all(t.phone and t.active for t in technicians)
    assert all(t.user.groups.filter(name="Technicians").exists() for t in technicians)


def test_each_technician_drives_one_service_truck_all_week(wednesday_demo):
    trucks = {
        name: set(ClockRecord.objects.filter(technician__name=name).values_list("truck_id", flat=True))
        for name in TECHNICIAN_LOGINS
    }
    assert trucks == {
        "Mike Johnson": {201},
        "Sarah Williams": {202},
        "David Chen": {203},
        "Alex Rodriguez": {204},
    }


def test_demo_has_seventeen_items_the_seeds_sixteen_and_an_nvr(wednesday_demo):
    items = InventoryItem.objects.all()
    assert items.count() == 17
    assert set(items.values_list("name", flat=True)) == SEED_ITEMS | {"Network Video Recorder (NVR)"}
    assert set(items.values_list("category", flat=True)) == set(InventoryItem.Category.values)
    assert set(items.filter(category="Cables").values_list("unit", flat=True)) == {"ft"}
    assert set(items.exclude(category="Cables").values_list("unit", flat=True)) == {"unit"}


def test_demo_has_the_seeds_eight_customers_with_windows_inside_working_hours(wednesday_demo):
    customers = Customer.objects.all()
    assert set(customers.values_list("name", flat=True)) == CUSTOMER_NAMES
    for customer in customers:
        assert customer.address and customer.phone and customer.email
        assert (
            dt.time(8) <= customer.preferred_schedule_start < customer.preferred_schedule_end <= dt.time(16)
        )
    assert customers.filter(is_new_customer=False).count() > customers.count() / 2


def test_every_customer_has_work_orders(wednesday_demo):
    per_customer = Counter(WorkOrder.objects.values_list("customer__name", flat=True))
    assert set(per_customer) == CUSTOMER_NAMES
    # The new customer's first job is today, one a day from then on; the others share the rest.
    assert per_customer.pop("Apartment Complex") == 8
    assert min(per_customer.values()) >= 10


# --- work orders ----------------------------------------------------------------------


def test_demo_has_120_orders_56_past_8_today_56_future(loaded):
    today = loaded
    days = Counter(_day(at) for at in WorkOrder.objects.values_list("scheduled_for", flat=True))
    assert sum(days.values()) == 120
    assert sum(n for day, n in days.items() if day < today) == 56
    assert days[today] == 8
    assert WorkOrder.objects.today().count() == 8
    assert sum(n for day, n in days.items() if day > today) == 56
    assert set(days) == {today + dt.timedelta(days=offset) for offset in range(-7, 8)}


def test_each_technician_has_exactly_two_orders_every_day(loaded):
    per_technician_day = Counter(
        (name, _day(at))
        for name, at in WorkOrder.objects.values_list("assigned_technician__name", "scheduled_for")
    )
    assert len(per_technician_day) == 4 * 15
    assert set(per_technician_day.values()) == {2}


def test_every_order_is_scheduled_between_8_and_16_local_time(loaded):
    for at in WorkOrder.objects.values_list("scheduled_for", flat=True):
        assert dt.time(8) <= _clock(at) <= dt.time(16), timezone.localtime(at)


def test_weekend_orders_fit_the_shorter_weekend_shift(loaded):
    weekend = [
        at for at in WorkOrder.objects.values_list("scheduled_for", flat=True) if _day(at).weekday() >= 5
    ]
    weekend_days = sum((loaded + dt.timedelta(days=n)).weekday() >= 5 for n in range(-7, 8))
    assert weekend_days >= 4
    assert len(weekend) == weekend_days * 4 * 2
    assert {_clock(at) for at in weekend} <= {dt.time(8), dt.time(10, 30)}


def test_orders_start_within_their_customers_preferred_window(wednesday_demo):
    for order in WorkOrder.objects.select_related("customer"):
        customer = order.customer
        assert (
            customer.preferred_schedule_start <= _clock(order.scheduled_for) < customer.preferred_schedule_end
        )


def test_past_orders_are_mostly_completed_with_a_summary(loaded):
    today = loaded
    past = [o for o in WorkOrder.objects.all() if _day(o.scheduled_for) < today]
    statuses = Counter(o.status for o in past)
    assert statuses[WorkOrderStatus.COMPLETED] >= 50
    assert set(statuses) <= {WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED, WorkOrderStatus.PENDING}
    assert all(o.full_summary for o in past if o.status == WorkOrderStatus.COMPLETED)
    assert not any(o.full_summary for o in past if o.status != WorkOrderStatus.COMPLETED)


def test_future_orders_are_all_scheduled(loaded):
    today = loaded
    future = [o for o in WorkOrder.objects.all() if _day(o.scheduled_for) > today]
    assert len(future) == 56
    assert {o.status for o in future} == {WorkOrderStatus.SCHEDULED}


def test_todays_morning_orders_are_under_way_or_done_and_the_rest_scheduled(loaded):
    today = WorkOrder.objects.today()
    morning = today.filter(scheduled_for__lte=timezone.now())
    assert morning.count() == 4
    assert set(morning.values_list("status", flat=True)) <= {
        WorkOrderStatus.IN_PROGRESS,
        WorkOrderStatus.COMPLETED,
    }
    # An order with a technician and a time is "scheduled" by the services' own rule, and in
    # progress once its technician has set off for it.
    rest = today.exclude(pk__in=morning)
    set_off = rest.filter(travel_logs__isnull=False)
    assert set(rest.exclude(pk__in=set_off).values_list("status", flat=True)) <= {WorkOrderStatus.SCHEDULED}
    assert set(set_off.values_list("status", flat=True)) <= {WorkOrderStatus.IN_PROGRESS}
    for order in morning.filter(status=WorkOrderStatus.COMPLETED):
        done = order.activities.get(activity_type=ActivityType.WORK_COMPLETED).created_at
        assert done <= timezone.now()


def test_orders_have_a_seed_job_type_and_a_brief_description_within_500_characters(wednesday_demo):
    orders = WorkOrder.objects.all()
    assert set(orders.values_list("job_type", flat=True)) == set(WorkOrder.JobType.values)
    assert all(0 < len(o.brief_description) <= 500 and o.title for o in orders)


def test_no_order_was_created_or_changed_in_the_future(loaded):
    now = timezone.now()
    assert not WorkOrder.objects.filter(created_at__gt=now).exists()
    assert not WorkOrder.objects.filter(updated_at__gt=now).exists()
    assert not WorkOrderHistory.objects.filter(created_at__gt=now).exists()
    assert not TechnicianActivity.objects.filter(created_at__gt=now).exists()
    assert not ClockRecord.objects.filter(clock_in_time__gt=now).exists()


def test_every_demo_row_passes_model_validation(wednesday_demo):
    for model in (Truck, InventoryItem, Technician, Customer, WorkOrder, WorkOrderNote, ManualNotification):
        for row in model.objects.all():
            row.full_clean(validate_unique=False, validate_constraints=False)


# --- the field: clock records, travel, activity ---------------------------------------


def test_clock_records_run_7_to_16_on_weekdays_and_7_to_13_at_weekends(loaded):
    today = loaded
    past = ClockRecord.objects.filter(
        clock_in_time__lt=timezone.make_aware(dt.datetime.combine(today, dt.time()))
    )
    assert past.count() == 4 * 7
    for record in past:
        day = _day(record.clock_in_time)
        assert _clock(record.clock_in_time) == dt.time(7)
        assert _day(record.clock_out_time) == day
        assert _clock(record.clock_out_time) == (dt.time(13) if day.weekday() >= 5 else dt.time(16))


def test_technicians_on_shift_today_have_one_open_clock_record_from_7(loaded):
    open_records = ClockRecord.objects.filter(clock_out_time__isnull=True)
    assert open_records.count() == 4
    assert set(open_records.values_list("technician__name", flat=True)) == set(TECHNICIAN_LOGINS)
    assert all(
        _clock(r.clock_in_time) == dt.time(7) and _day(r.clock_in_time) == loaded for r in open_records
    )


def test_every_past_job_lies_within_its_technicians_clock_record(loaded):
    shifts = {
        (r.technician_id, _day(r.clock_in_time)): r
        for r in ClockRecord.objects.exclude(clock_out_time__isnull=True)
    }
    past = WorkOrder.objects.filter(
        scheduled_for__lt=timezone.make_aware(dt.datetime.combine(loaded, dt.time()))
    )
    for order in past:
        shift = shifts[(order.assigned_technician_id, _day(order.scheduled_for))]
        assert shift.clock_in_time <= order.scheduled_for <= shift.clock_out_time
        for activity in order.activities.all():
            assert shift.clock_in_time <= activity.created_at <= shift.clock_out_time, activity


def test_travel_logs_start_exactly_30_minutes_before_their_job(loaded):
    logs = TravelLog.objects.select_related("work_order")
    assert logs.count() > 50
    for log in logs:
        assert log.technician_id == log.work_order.assigned_technician_id
        assert log.travel_start_time == log.work_order.scheduled_for - dt.timedelta(minutes=30)
        if log.travel_end_time is not None:
            late = dt.timedelta(minutes=demo.LATE_ARRIVAL_MINUTES if _is_late_story(log.work_order) else 0)
            assert log.travel_start_time < log.travel_end_time <= log.work_order.scheduled_for + late


def test_every_past_job_the_technician_went_to_has_one_travel_log(loaded):
    today_start = timezone.make_aware(dt.datetime.combine(loaded, dt.time()))
    visited = WorkOrder.objects.filter(scheduled_for__lt=today_start).exclude(
        status=WorkOrderStatus.CANCELLED
    )
    per_order = dict(visited.annotate(n=Count("travel_logs")).values_list("pk", "n"))
    assert set(per_order.values()) == {1}
    cancelled = WorkOrder.objects.filter(status=WorkOrderStatus.CANCELLED)
    assert cancelled.exists()
    assert not TravelLog.objects.filter(work_order__in=cancelled).exists()


def test_each_travel_log_has_travel_activities_at_the_same_times(wednesday_demo):
    for log in TravelLog.objects.all():
        starts = TechnicianActivity.objects.filter(
            work_order=log.work_order, activity_type=ActivityType.TRAVEL_START, technician=log.technician
        )
        assert [a.created_at for a in starts] == [log.travel_start_time]
        assert starts.get().metadata == {"travel_log_id": log.pk}
        ends = TechnicianActivity.objects.filter(
            work_order=log.work_order, activity_type=ActivityType.TRAVEL_END
        )
        assert [a.created_at for a in ends] == ([log.travel_end_time] if log.travel_end_time else [])


def test_completed_jobs_have_the_whole_visit_in_order_near_the_customer(wednesday_demo):
    sites = {c.name: c.place for c in demo.CUSTOMERS}
    trucks = {t.name: t.truck_id for t in demo.TECHNICIANS}
    expected = [
        ActivityType.TRAVEL_START,
        ActivityType.TRAVEL_END,
        ActivityType.ARRIVED_ON_SITE,
        ActivityType.WORK_STARTED,
        ActivityType.WORK_COMPLETED,
        ActivityType.LEFT_SITE,
    ]
    completed = WorkOrder.objects.filter(status=WorkOrderStatus.COMPLETED).select_related(
        "customer", "assigned_technician"
    )
    for order in completed:
        activities = list(order.activities.order_by("created_at", "activity_type"))
        kinds = sorted(a.activity_type for a in activities)
        if ActivityType.LEFT_SITE not in kinds:
            # Completed minutes ago: the technician is still on site, packing up.
            on_site = technician_states(Technician.objects.filter(pk=order.assigned_technician_id))[0]
            assert (on_site.state, on_site.work_order_id) == (State.ON_SITE, order.pk)
            kinds.append(ActivityType.LEFT_SITE)
        assert sorted(kinds) == sorted(expected)
        by_type = {a.activity_type: a for a in activities}
        times = [by_type[kind].created_at for kind in expected if kind in by_type]
        assert times == sorted(times)
        if not _is_late_story(order):
            assert by_type[ActivityType.WORK_STARTED].created_at == order.scheduled_for
        site = sites[order.customer.name]
        for kind in [k for k in expected[1:] if k in by_type]:
            activity = by_type[kind]
            assert activity.truck_id == trucks[order.assigned_technician.name]
            # Where the phone said the technician was (fieldops.services.Location): near the site.
            assert abs(float(activity.latitude) - site.latitude) < 0.001
            assert abs(float(activity.longitude) - site.longitude) < 0.001


def test_shift_activities_match_the_clock_records(loaded):
    for record in ClockRecord.objects.all():
        starts = TechnicianActivity.objects.filter(
            technician=record.technician, activity_type=ActivityType.SHIFT_START
        )
        assert starts.filter(created_at=record.clock_in_time).count() == 1
        ends = TechnicianActivity.objects.filter(
            technician=record.technician, activity_type=ActivityType.SHIFT_END
        )
        if record.clock_out_time:
            assert ends.filter(created_at=record.clock_out_time).count() == 1
    closed = ClockRecord.objects.filter(clock_out_time__isnull=False).count()
    assert closed >= 4 * 7
    assert TechnicianActivity.objects.filter(activity_type=ActivityType.SHIFT_END).count() == closed


def test_todays_in_progress_jobs_show_travel_arrival_and_work_started(loaded):
    # In progress from the start of travel: each in-progress order's visit so far, in its order.
    visit = [
        {ActivityType.TRAVEL_START},
        {ActivityType.TRAVEL_END, ActivityType.ARRIVED_ON_SITE},
        {ActivityType.WORK_STARTED},
    ]
    for order in WorkOrder.objects.filter(status=WorkOrderStatus.IN_PROGRESS):
        kinds = set(order.activities.values_list("activity_type", flat=True))
        assert any(kinds == set().union(*visit[:n]) for n in (1, 2, 3)), (order, kinds)


# --- history, notes, notifications, communications ------------------------------------


def test_completed_orders_history_shows_scheduled_in_progress_completed_by_their_technician(wednesday_demo):
    for order in WorkOrder.objects.filter(status=WorkOrderStatus.COMPLETED):
        changes = list(
            order.history.filter(field_changed="status")
            .order_by("created_at", "id")
            .values_list("old_value", "new_value", "changed_by_type", "changed_by_id")
        )
        technician = order.assigned_technician_id
        assert changes == [
            (None, "scheduled", ActorType.OFFICE, get_user_model().objects.get(username="office").pk),
            ("scheduled", "in_progress", ActorType.TECHNICIAN, technician),
            ("in_progress", "completed", ActorType.TECHNICIAN, technician),
        ]


def test_every_order_has_the_creation_history_that_work_order_create_writes(wednesday_demo):
    for order in WorkOrder.objects.all():
        created = order.history.filter(old_value__isnull=True, created_at=order.created_at)
        assert {"customer", "title", "brief_description", "job_type", "status", "assigned_technician"} <= set(
            created.values_list("field_changed", flat=True)
        )


def test_customers_history_has_what_the_office_wrote(wednesday_demo):
    for customer in Customer.objects.all():
        lines = list(customer.history.order_by("created_at").values_list("notes", flat=True))
        assert lines[0] == "Customer created."
    no_access = CustomerHistory.objects.filter(notes__startswith="No access").select_related("work_order")
    assert [line.work_order.status for line in no_access] == [WorkOrderStatus.PENDING]
    assert all(line.customer_id == line.work_order.customer_id for line in no_access)


def test_alert_notes_raise_notifications_for_the_office_some_unread(wednesday_demo):
    alerts = WorkOrderNote.objects.filter(alert_office=True)
    assert alerts.count() >= 3
    assert WorkOrderNote.objects.filter(alert_office=False).exists()
    notified = Notification.objects.filter(notification_type=Notification.Type.NOTE_ALERT)
    assert set(notified.values_list("work_order_id", flat=True)) == set(
        alerts.values_list("work_order_id", flat=True)
    )
    assert notified.filter(is_read=False).exists()
    assert notified.filter(is_read=True).exists()
    for note in WorkOrderNote.objects.filter(technician__isnull=False).select_related("work_order"):
        assert note.technician_id == note.work_order.assigned_technician_id


def test_manual_notifications_cover_every_priority(wednesday_demo):
    assert set(ManualNotification.objects.values_list("priority", flat=True)) == set(Priority.values)
    assert ManualNotification.objects.filter(is_read=False).exists()


def test_calls_have_call_details_and_the_office_has_operational_events(wednesday_demo):
    calls = CommunicationMessage.objects.filter(channel_type="phone")
    assert calls.count() >= 3
    assert CommunicationCallDetail.objects.count() == calls.count()
    assert CommunicationMessage.objects.exclude(channel_type="phone").exists()
    assert OperationalEvent.objects.filter(resolved_at__isnull=True).exists()
    assert OperationalEvent.objects.filter(resolved_at__isnull=False).exists()
    assert VoiceAgentSession.objects.filter(is_active=False).get().interactions.count() == 4


# --- logins ---------------------------------------------------------------------------


def test_demo_logins_authenticate_with_the_default_password_and_land_on_their_surface(wednesday_demo):
    admin = authenticate(username="admin", password="techflow-demo")
    assert admin is not None and admin.is_superuser and home_url_for(admin) == "/admin/"
    office = authenticate(username="office", password="techflow-demo")
    assert office is not None and is_office(office) and home_url_for(office) == "/office/"
    for name, username in TECHNICIAN_LOGINS.items():
        user = authenticate(username=username, password="techflow-demo")
        assert user is not None and not is_office(user)
        assert technician_for(user).name == name
        assert home_url_for(user) == "/tech/"


def test_output_lists_the_logins_and_the_password_as_demo_only(load_at):
    output = load_at(WEDNESDAY)
    assert "DEMO ONLY" in output
    assert "Password for all of them: techflow-demo" in output
    for username in ("admin", "office", *TECHNICIAN_LOGINS.values()):
        assert f"  {username} " in output


def test_password_option_sets_every_demo_login_password(settings):
    settings.DEBUG = True
    output = _setup_demo("--password", "another-secret-9")
    assert "Password for all of them: another-secret-9" in output
    for username in demo.demo_usernames():
        assert authenticate(username=username, password="another-secret-9") is not None
        assert authenticate(username=username, password="techflow-demo") is None


# --- running it again, resetting, refusing --------------------------------------------


def test_second_run_leaves_the_demo_as_it_is(wednesday_demo):
    before = _all_counts()
    users = get_user_model().objects.count()
    output = _setup_demo()
    assert "already loaded" in output
    assert _all_counts() == before
    assert get_user_model().objects.count() == users


def test_reset_wipes_hand_added_rows_and_reloads_exact_counts(wednesday_demo):
    before = _all_counts()
    Customer.objects.create(name="Walk-in Customer", address="1 Side Street", phone="555-0199")
    get_user_model().objects.filter(username="mike").update(first_name="Changed")
    _setup_demo("--reset")
    assert not Customer.objects.filter(name="Walk-in Customer").exists()
    assert get_user_model().objects.get(username="mike").first_name == "Mike"
    assert _all_counts() == before
    assert set(Truck.objects.values_list("id", flat=True)) == {1, 201, 202, 203, 204}


def test_reset_reloads_the_same_data_for_the_same_moment(wednesday_demo):
    def snapshot():
        orders = WorkOrder.objects.order_by("scheduled_for", "assigned_technician__name")
        return list(orders.values_list("customer__name", "title", "status", "scheduled_for", "job_type"))

    first = snapshot()
    _setup_demo("--reset")
    assert snapshot() == first


def test_new_trucks_after_the_demo_get_ids_that_do_not_collide(wednesday_demo):
    truck = Truck.objects.create(name="Service Truck 205")
    assert truck.pk not in {1, 201, 202, 203, 204}


def test_refuses_to_mix_the_demo_into_other_techflow_data(settings):
    settings.DEBUG = True
    Customer.objects.create(name="Real Customer", address="1 Real Street", phone="555-0100")
    with pytest.raises(CommandError, match="--reset"):
        _setup_demo()
    assert Customer.objects.count() == 1
    assert not Technician.objects.exists()


def test_refuses_to_take_over_an_existing_login(settings, django_user_model):
    settings.DEBUG = True
    django_user_model.objects.create_user("admin", password="their-own-password")
    with pytest.raises(CommandError, match="admin"):
        _setup_demo()
    assert not Truck.objects.exists()
    assert authenticate(username="admin", password="their-own-password") is not None


def test_refuses_to_run_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        _setup_demo()
    assert not WorkOrder.objects.exists()
    assert not get_user_model().objects.exists()


def test_runs_with_debug_off_when_forced(settings):
    settings.DEBUG = False
    _setup_demo("--force")
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
    assert {_clock(log.travel_start_time) for log in open_logs} == {dt.time(7, 30)}
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
    days = Counter(_day(at) for at in WorkOrder.objects.values_list("scheduled_for", flat=True))
    assert min(days) == dt.date(2030, 6, 8) and max(days) == dt.date(2030, 6, 22)


def test_wipe_empties_every_techflow_table_and_removes_demo_logins(wednesday_demo):
    demo.wipe_techflow_data()
    assert set(_all_counts().values()) == {0}
    assert not get_user_model().objects.filter(username__in=demo.demo_usernames()).exists()
    truck = Truck.objects.create(name="First truck")
    assert truck.pk == 1


# --- coherent at any hour -------------------------------------------------------------

WEEKDAY_HOURS = [(2025, 11, 5, hour, 0) for hour in range(24)]
SATURDAY_HOURS = [
    (2025, 11, 8, hour, minute) for hour, minute in ((6, 30), (7, 50), (9, 0), (11, 15), (13, 0), (21, 0))
]


def _load_at(settings, parts: tuple[int, ...]) -> tuple[demo.DemoSummary, dt.datetime]:
    """load_demo with `now` given and the clock pinned there (selectors and is_late read it)."""
    now = _local(settings, parts)
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
        arrived = order.activities.filter(activity_type=ActivityType.ARRIVED_ON_SITE).latest("created_at")
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
    with time_machine.travel(_local(settings, parts), tick=False):
        summary, now = _load_at(settings, parts)
        _check_coherent(summary, now)


def test_at_half_past_one_the_morning_is_done_and_the_afternoon_under_way(settings):
    parts = (2025, 11, 5, 13, 30)
    with time_machine.travel(_local(settings, parts), tick=False):
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
    with time_machine.travel(_local(settings, parts), tick=False):
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

    with time_machine.travel(_local(settings, parts), tick=False):
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
