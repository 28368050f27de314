"""What the demo holds, loaded once per moment and shared by these read-only tests.

Loading the demo replays a fortnight through the services (seconds of CPU), so the tests here share
one load per moment: the demo is committed when the first test needs it, each test runs in a
transaction that is rolled back (the tests that change rows leave the load as it was), and it is
wiped when the last test of that moment is done. Tests that load the demo themselves (other moments,
--reset, the refusals) are in test_demo.py.
"""

import datetime as dt
from collections import Counter
from itertools import groupby

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.db.models import Count, Sum
from django.test import override_settings
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
from techflow.tests.demo_support import (
    CUSTOMER_NAMES,
    SATURDAY,
    SEED_ITEMS,
    TECHNICIAN_LOGINS,
    WEDNESDAY,
    all_counts,
    is_late_story,
    local_at,
    local_clock,
    local_day,
    run_setup_demo,
)

pytestmark = pytest.mark.django_db

MOMENT_IDS = {WEDNESDAY: "loaded-on-a-wednesday", SATURDAY: "loaded-on-a-saturday"}


def _on(*moments):
    """The test runs on the demo loaded at each of these moments (the same index for a moment in
    every test, so pytest runs all the tests of one load together)."""
    return pytest.mark.parametrize(
        "demo_moment", moments, indirect=True, scope="module", ids=[MOMENT_IDS[m] for m in moments]
    )


on_wednesday = _on(WEDNESDAY)
on_both_days = _on(WEDNESDAY, SATURDAY)


@pytest.fixture(scope="module")
def demo_moment(request, django_db_setup, django_db_blocker):
    """The demo loaded (and committed) at request.param's local time; wiped after the last test."""
    at = local_at(request.param)
    with django_db_blocker.unblock(), override_settings(DEBUG=True), time_machine.travel(at, tick=False):
        run_setup_demo()
    yield at
    with django_db_blocker.unblock():
        demo.wipe_techflow_data()


@pytest.fixture
def loaded(demo_moment, db, settings):
    """Each test runs at the moment the demo was loaded (clock stopped there); gives today's date."""
    settings.DEBUG = True
    with time_machine.travel(demo_moment, tick=False):
        yield timezone.localdate()


@on_wednesday
def test_demo_has_the_seeds_five_trucks_with_the_office_truck_as_id_1(loaded):
    assert set(Truck.objects.values_list("id", flat=True)) == {1, 201, 202, 203, 204}
    office = Truck.objects.get(is_office_truck=True)
    assert (office.pk, office.name) == (1, "Office Truck")
    assert all(t.name == f"Service Truck {t.pk}" for t in Truck.objects.exclude(pk=1))


@on_wednesday
def test_office_truck_carries_no_stock(loaded):
    assert not TruckInventory.objects.filter(truck_id=1).exists()


@on_wednesday
def test_service_trucks_carry_every_item_and_their_stock_is_the_sum_of_their_movements(loaded):
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


@on_wednesday
def test_each_trucks_movements_run_in_time_order_from_the_seeds_standard_quantity(loaded):
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


@on_wednesday
def test_parts_were_used_only_on_completed_jobs_from_their_technicians_truck(loaded):
    used = StockMovement.objects.filter(kind=StockMovement.Kind.USED_ON_JOB).select_related("work_order")
    assert used.count() >= 20
    trucks = {t.name: t.truck_id for t in demo.TECHNICIANS}
    for movement in used.select_related("technician"):
        # Parts go on as the work is done: a job under way may have used some already.
        assert movement.work_order.status in {WorkOrder.Status.COMPLETED, WorkOrder.Status.IN_PROGRESS}
        assert movement.technician == movement.work_order.assigned_technician
        assert movement.truck_id == trucks[movement.technician.name]
        assert movement.created_at < timezone.now()


@on_wednesday
def test_some_demo_stock_is_below_its_minimum_so_restocking_has_work(loaded):
    rows = TruckInventory.objects.select_related("item")
    assert any(row.item.needs_restock(row.quantity) for row in rows)
    assert any(row.quantity < row.item.standard_quantity for row in rows)


@on_wednesday
def test_demo_has_the_four_technicians_with_phones_and_linked_logins(loaded):
    technicians = Technician.objects.select_related("user")
    assert {t.name: t.user.username for t in technicians} == TECHNICIAN_LOGINS
    assert all(t.phone and t.active for t in technicians)
    assert all(t.user.groups.filter(name="Technicians").exists() for t in technicians)


@on_wednesday
def test_each_technician_drives_one_service_truck_all_week(loaded):
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


@on_wednesday
def test_demo_has_seventeen_items_the_seeds_sixteen_and_an_nvr(loaded):
    items = InventoryItem.objects.all()
    assert items.count() == 17
    assert set(items.values_list("name", flat=True)) == SEED_ITEMS | {"Network Video Recorder (NVR)"}
    assert set(items.values_list("category", flat=True)) == set(InventoryItem.Category.values)
    assert set(items.filter(category="Cables").values_list("unit", flat=True)) == {"ft"}
    assert set(items.exclude(category="Cables").values_list("unit", flat=True)) == {"unit"}


@on_wednesday
def test_demo_has_the_seeds_eight_customers_with_windows_inside_working_hours(loaded):
    customers = Customer.objects.all()
    assert set(customers.values_list("name", flat=True)) == CUSTOMER_NAMES
    for customer in customers:
        assert customer.address and customer.phone and customer.email
        assert (
            dt.time(8) <= customer.preferred_schedule_start < customer.preferred_schedule_end <= dt.time(16)
        )
    assert customers.filter(is_new_customer=False).count() > customers.count() / 2


@on_wednesday
def test_every_customer_has_work_orders(loaded):
    per_customer = Counter(WorkOrder.objects.values_list("customer__name", flat=True))
    assert set(per_customer) == CUSTOMER_NAMES
    # The new customer's first job is today, one a day from then on; the others share the rest.
    assert per_customer.pop("Apartment Complex") == 8
    assert min(per_customer.values()) >= 10


@on_both_days
def test_demo_has_120_orders_56_past_8_today_56_future(loaded):
    today = loaded
    days = Counter(local_day(at) for at in WorkOrder.objects.values_list("scheduled_for", flat=True))
    assert sum(days.values()) == 120
    assert sum(n for day, n in days.items() if day < today) == 56
    assert days[today] == 8
    assert WorkOrder.objects.today().count() == 8
    assert sum(n for day, n in days.items() if day > today) == 56
    assert set(days) == {today + dt.timedelta(days=offset) for offset in range(-7, 8)}


@on_both_days
def test_each_technician_has_exactly_two_orders_every_day(loaded):
    per_technician_day = Counter(
        (name, local_day(at))
        for name, at in WorkOrder.objects.values_list("assigned_technician__name", "scheduled_for")
    )
    assert len(per_technician_day) == 4 * 15
    assert set(per_technician_day.values()) == {2}


@on_both_days
def test_every_order_is_scheduled_between_8_and_16_local_time(loaded):
    for at in WorkOrder.objects.values_list("scheduled_for", flat=True):
        assert dt.time(8) <= local_clock(at) <= dt.time(16), timezone.localtime(at)


@on_both_days
def test_weekend_orders_fit_the_shorter_weekend_shift(loaded):
    weekend = [
        at for at in WorkOrder.objects.values_list("scheduled_for", flat=True) if local_day(at).weekday() >= 5
    ]
    weekend_days = sum((loaded + dt.timedelta(days=n)).weekday() >= 5 for n in range(-7, 8))
    assert weekend_days >= 4
    assert len(weekend) == weekend_days * 4 * 2
    assert {local_clock(at) for at in weekend} <= {dt.time(8), dt.time(10, 30)}


@on_wednesday
def test_orders_start_within_their_customers_preferred_window(loaded):
    for order in WorkOrder.objects.select_related("customer"):
        customer = order.customer
        starts = local_clock(order.scheduled_for)
        assert customer.preferred_schedule_start <= starts < customer.preferred_schedule_end


@on_both_days
def test_past_orders_are_mostly_completed_with_a_summary(loaded):
    today = loaded
    past = [o for o in WorkOrder.objects.all() if local_day(o.scheduled_for) < today]
    statuses = Counter(o.status for o in past)
    assert statuses[WorkOrderStatus.COMPLETED] >= 50
    assert set(statuses) <= {WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED, WorkOrderStatus.PENDING}
    assert all(o.full_summary for o in past if o.status == WorkOrderStatus.COMPLETED)
    assert not any(o.full_summary for o in past if o.status != WorkOrderStatus.COMPLETED)


@on_both_days
def test_future_orders_are_all_scheduled(loaded):
    today = loaded
    future = [o for o in WorkOrder.objects.all() if local_day(o.scheduled_for) > today]
    assert len(future) == 56
    assert {o.status for o in future} == {WorkOrderStatus.SCHEDULED}


@on_both_days
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


@on_wednesday
def test_orders_have_a_seed_job_type_and_a_brief_description_within_500_characters(loaded):
    orders = WorkOrder.objects.all()
    assert set(orders.values_list("job_type", flat=True)) == set(WorkOrder.JobType.values)
    assert all(0 < len(o.brief_description) <= 500 and o.title for o in orders)


@on_both_days
def test_no_order_was_created_or_changed_in_the_future(loaded):
    now = timezone.now()
    assert not WorkOrder.objects.filter(created_at__gt=now).exists()
    assert not WorkOrder.objects.filter(updated_at__gt=now).exists()
    assert not WorkOrderHistory.objects.filter(created_at__gt=now).exists()
    assert not TechnicianActivity.objects.filter(created_at__gt=now).exists()
    assert not ClockRecord.objects.filter(clock_in_time__gt=now).exists()


@on_wednesday
def test_every_demo_row_passes_model_validation(loaded):
    for model in (Truck, InventoryItem, Technician, Customer, WorkOrder, WorkOrderNote, ManualNotification):
        for row in model.objects.all():
            row.full_clean(validate_unique=False, validate_constraints=False)


@on_both_days
def test_clock_records_run_7_to_16_on_weekdays_and_7_to_13_at_weekends(loaded):
    today = loaded
    past = ClockRecord.objects.filter(
        clock_in_time__lt=timezone.make_aware(dt.datetime.combine(today, dt.time()))
    )
    assert past.count() == 4 * 7
    for record in past:
        day = local_day(record.clock_in_time)
        assert local_clock(record.clock_in_time) == dt.time(7)
        assert local_day(record.clock_out_time) == day
        assert local_clock(record.clock_out_time) == (dt.time(13) if day.weekday() >= 5 else dt.time(16))


@on_both_days
def test_technicians_on_shift_today_have_one_open_clock_record_from_7(loaded):
    open_records = ClockRecord.objects.filter(clock_out_time__isnull=True)
    assert open_records.count() == 4
    assert set(open_records.values_list("technician__name", flat=True)) == set(TECHNICIAN_LOGINS)
    assert all(local_clock(r.clock_in_time) == dt.time(7) for r in open_records)
    assert all(local_day(r.clock_in_time) == loaded for r in open_records)


@on_both_days
def test_every_past_job_lies_within_its_technicians_clock_record(loaded):
    shifts = {
        (r.technician_id, local_day(r.clock_in_time)): r
        for r in ClockRecord.objects.exclude(clock_out_time__isnull=True)
    }
    past = WorkOrder.objects.filter(
        scheduled_for__lt=timezone.make_aware(dt.datetime.combine(loaded, dt.time()))
    )
    for order in past:
        shift = shifts[(order.assigned_technician_id, local_day(order.scheduled_for))]
        assert shift.clock_in_time <= order.scheduled_for <= shift.clock_out_time
        for activity in order.activities.all():
            assert shift.clock_in_time <= activity.created_at <= shift.clock_out_time, activity


@on_both_days
def test_travel_logs_start_exactly_30_minutes_before_their_job(loaded):
    logs = TravelLog.objects.select_related("work_order")
    assert logs.count() > 50
    for log in logs:
        assert log.technician_id == log.work_order.assigned_technician_id
        assert log.travel_start_time == log.work_order.scheduled_for - dt.timedelta(minutes=30)
        if log.travel_end_time is not None:
            late = dt.timedelta(minutes=demo.LATE_ARRIVAL_MINUTES if is_late_story(log.work_order) else 0)
            assert log.travel_start_time < log.travel_end_time <= log.work_order.scheduled_for + late


@on_both_days
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


@on_wednesday
def test_each_travel_log_has_travel_activities_at_the_same_times(loaded):
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


@on_wednesday
def test_completed_jobs_have_the_whole_visit_in_order_near_the_customer(loaded):
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
        if not is_late_story(order):
            assert by_type[ActivityType.WORK_STARTED].created_at == order.scheduled_for
        site = sites[order.customer.name]
        for kind in [k for k in expected[1:] if k in by_type]:
            activity = by_type[kind]
            assert activity.truck_id == trucks[order.assigned_technician.name]
            # Where the phone said the technician was (fieldops.services.Location): near the site.
            assert abs(float(activity.latitude) - site.latitude) < 0.001
            assert abs(float(activity.longitude) - site.longitude) < 0.001


@on_both_days
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


@on_both_days
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


@on_wednesday
def test_completed_orders_history_shows_scheduled_in_progress_completed_by_their_technician(loaded):
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


@on_wednesday
def test_every_order_has_the_creation_history_that_work_order_create_writes(loaded):
    for order in WorkOrder.objects.all():
        created = order.history.filter(old_value__isnull=True, created_at=order.created_at)
        assert {"customer", "title", "brief_description", "job_type", "status", "assigned_technician"} <= set(
            created.values_list("field_changed", flat=True)
        )


@on_wednesday
def test_customers_history_has_what_the_office_wrote(loaded):
    for customer in Customer.objects.all():
        lines = list(customer.history.order_by("created_at").values_list("notes", flat=True))
        assert lines[0] == "Customer created."
    no_access = CustomerHistory.objects.filter(notes__startswith="No access").select_related("work_order")
    assert [line.work_order.status for line in no_access] == [WorkOrderStatus.PENDING]
    assert all(line.customer_id == line.work_order.customer_id for line in no_access)


@on_wednesday
def test_alert_notes_raise_notifications_for_the_office_some_unread(loaded):
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


@on_wednesday
def test_manual_notifications_cover_every_priority(loaded):
    assert set(ManualNotification.objects.values_list("priority", flat=True)) == set(Priority.values)
    assert ManualNotification.objects.filter(is_read=False).exists()


@on_wednesday
def test_calls_have_call_details_and_the_office_has_operational_events(loaded):
    calls = CommunicationMessage.objects.filter(channel_type="phone")
    assert calls.count() >= 3
    assert CommunicationCallDetail.objects.count() == calls.count()
    assert CommunicationMessage.objects.exclude(channel_type="phone").exists()
    assert OperationalEvent.objects.filter(resolved_at__isnull=True).exists()
    assert OperationalEvent.objects.filter(resolved_at__isnull=False).exists()
    assert VoiceAgentSession.objects.filter(is_active=False).get().interactions.count() == 4


@on_wednesday
def test_demo_logins_authenticate_with_the_default_password_and_land_on_their_surface(loaded):
    admin = authenticate(username="admin", password="techflow-demo")
    assert admin is not None and admin.is_superuser and home_url_for(admin) == "/admin/"
    office = authenticate(username="office", password="techflow-demo")
    assert office is not None and is_office(office) and home_url_for(office) == "/office/"
    for name, username in TECHNICIAN_LOGINS.items():
        user = authenticate(username=username, password="techflow-demo")
        assert user is not None and not is_office(user)
        assert technician_for(user).name == name
        assert home_url_for(user) == "/tech/"


@on_wednesday
def test_second_run_leaves_the_demo_as_it_is(loaded):
    before = all_counts()
    users = get_user_model().objects.count()
    output = run_setup_demo()
    assert "already loaded" in output
    assert all_counts() == before
    assert get_user_model().objects.count() == users


@on_wednesday
def test_new_trucks_after_the_demo_get_ids_that_do_not_collide(loaded):
    truck = Truck.objects.create(name="Service Truck 205")
    assert truck.pk not in {1, 201, 202, 203, 204}
