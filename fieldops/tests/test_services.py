"""The technician's day, one service at a time: every step and every refusal."""

import uuid
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from dispatch.models import (
    ActorType,
    CustomerHistory,
    ManualNotification,
    Notification,
    WorkOrderHistory,
    WorkOrderNote,
)
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import (
    ActivityType,
    ClockRecord,
    OperationalEvent,
    ProcessedAction,
    Severity,
    TechnicianActivity,
    TravelLog,
)
from fieldops.selectors import State, technician_state
from fieldops.services import Location
from inventory.models import MovementKind, StockMovement, TruckInventory
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory

pytestmark = pytest.mark.django_db

HERE = Location(Decimal("40.712800"), Decimal("-74.006000"), 12)


@pytest.fixture
def tech():
    return TechnicianFactory(name="Mike Johnson")


@pytest.fixture
def truck():
    return TruckFactory(name="Truck 201")


@pytest.fixture
def order(tech):
    return WorkOrderFactory(assigned_technician=tech, title="Install four dome cameras")


def _types(tech) -> list[str]:
    return list(
        TechnicianActivity.objects.filter(technician=tech)
        .order_by("created_at")
        .values_list("activity_type", flat=True)
    )


def _state(tech) -> str:
    return technician_state(tech).state


def _refused(fn, expected: str, /, **kwargs) -> None:
    with pytest.raises(ValidationError) as error:
        fn(**kwargs)
    assert expected in " ".join(error.value.messages)


def _on_site(tech, truck, order):
    services.clock_in(technician=tech, truck=truck)
    services.job_travel_start(technician=tech, work_order=order)
    services.job_arrive(technician=tech, work_order=order)


# Shift


def test_clock_in_opens_a_record_and_writes_shift_start_with_the_location(tech, truck):
    record = services.clock_in(technician=tech, truck=truck, location=HERE)
    assert record.is_open and record.truck == truck
    activity = TechnicianActivity.objects.get(technician=tech)
    assert activity.activity_type == ActivityType.SHIFT_START
    assert activity.truck == truck
    assert (activity.latitude, activity.longitude, activity.accuracy_meters) == (
        Decimal("40.712800"),
        Decimal("-74.006000"),
        12,
    )
    assert _state(tech) == State.ON_SHIFT


def test_clock_in_without_a_location_leaves_it_empty(tech, truck):
    services.clock_in(technician=tech, truck=truck)
    activity = TechnicianActivity.objects.get(technician=tech)
    assert activity.latitude is None and activity.longitude is None and activity.accuracy_meters is None


def test_clocking_in_twice_is_refused(tech, truck):
    services.clock_in(technician=tech, truck=truck)
    _refused(services.clock_in, "already clocked in", technician=tech, truck=truck)
    assert ClockRecord.objects.filter(technician=tech).count() == 1


def test_clocking_in_with_the_office_truck_is_refused(tech):
    office = TruckFactory(name="Office Truck", is_office_truck=True)
    _refused(services.clock_in, "not a service truck", technician=tech, truck=office)
    assert not ClockRecord.objects.exists()


def test_clocking_in_with_a_truck_out_of_service_is_refused(tech):
    _refused(services.clock_in, "not a service truck", technician=tech, truck=TruckFactory(active=False))


def test_clock_out_closes_the_record_and_writes_shift_end(tech, truck):
    services.clock_in(technician=tech, truck=truck)
    record = services.clock_out(technician=tech, location=HERE)
    record.refresh_from_db()
    assert record.clock_out_time >= record.clock_in_time
    assert _types(tech) == ["shift_start", "shift_end"]
    assert _state(tech) == State.OFF


def test_clock_out_when_not_clocked_in_is_refused(tech):
    _refused(services.clock_out, "not clocked in", technician=tech)


def test_clock_out_during_a_job_is_refused(tech, truck, order):
    _on_site(tech, truck, order)
    _refused(services.clock_out, f"on site at job #{order.pk}", technician=tech)
    assert ClockRecord.objects.get(technician=tech).is_open


def test_clock_out_on_a_break_ends_the_break_first(tech, truck):
    services.clock_in(technician=tech, truck=truck)
    services.break_start(technician=tech)
    services.clock_out(technician=tech)
    assert _types(tech) == ["shift_start", "break_start", "break_end", "shift_end"]


def test_a_break_starts_and_ends(tech, truck):
    services.clock_in(technician=tech, truck=truck)
    services.break_start(technician=tech)
    assert _state(tech) == State.ON_BREAK
    services.break_end(technician=tech)
    assert _state(tech) == State.ON_SHIFT
    assert _types(tech) == ["shift_start", "break_start", "break_end"]


def test_a_break_on_site_returns_to_on_site(tech, truck, order):
    _on_site(tech, truck, order)
    services.break_start(technician=tech)
    services.break_end(technician=tech)
    state = technician_state(tech)
    assert state.state == State.ON_SITE and state.work_order_id == order.pk


def test_a_break_while_working_is_refused(tech, truck, order):
    _on_site(tech, truck, order)
    services.job_work_start(technician=tech, work_order=order)
    _refused(services.break_start, "Pause the work", technician=tech)


def test_a_break_before_clocking_in_is_refused(tech):
    _refused(services.break_start, "not clocked in", technician=tech)


def test_ending_a_break_that_never_started_is_refused(tech, truck):
    services.clock_in(technician=tech, truck=truck)
    _refused(services.break_end, "on shift", technician=tech)


def test_a_second_break_start_is_refused(tech, truck):
    services.clock_in(technician=tech, truck=truck)
    services.break_start(technician=tech)
    _refused(services.break_start, "on a break", technician=tech)


# A job, step by step


def test_a_whole_job_walks_every_state_and_records_it(tech, truck, order):
    services.clock_in(technician=tech, truck=truck)

    log = services.job_travel_start(technician=tech, work_order=order, location=HERE)
    assert log.travel_end_time is None and _state(tech) == State.TRAVELING

    services.job_arrive(technician=tech, work_order=order, location=HERE)
    log.refresh_from_db()
    order.refresh_from_db()
    assert log.travel_end_time >= log.travel_start_time
    assert order.status == "in_progress"
    assert _state(tech) == State.ON_SITE

    services.job_work_start(technician=tech, work_order=order)
    assert _state(tech) == State.WORKING
    services.job_pause(technician=tech, work_order=order)
    assert _state(tech) == State.PAUSED
    services.job_resume(technician=tech, work_order=order)
    assert _state(tech) == State.WORKING

    services.job_complete(technician=tech, work_order=order, note="Four domes up, NVR recording.")
    order.refresh_from_db()
    assert order.status == "completed"
    assert _state(tech) == State.ON_SITE
    assert WorkOrderNote.objects.get(work_order=order).note_text == "Completed: Four domes up, NVR recording."

    services.job_leave(technician=tech, work_order=order)
    assert technician_state(tech).state == State.ON_SHIFT
    assert technician_state(tech).work_order_id is None

    assert _types(tech) == [
        "shift_start",
        "travel_start",
        "travel_end",
        "arrived_on_site",
        "work_started",
        "work_paused",
        "work_resumed",
        "work_completed",
        "left_site",
    ]
    statuses = WorkOrderHistory.objects.filter(work_order=order, field_changed="status")
    assert [(h.old_value, h.new_value, h.changed_by_type, h.changed_by_id) for h in statuses] == [
        ("scheduled", "in_progress", ActorType.TECHNICIAN, tech.pk),
        ("in_progress", "completed", ActorType.TECHNICIAN, tech.pk),
    ]
    assert TechnicianActivity.objects.filter(work_order=order).exclude(truck=truck).count() == 0


def test_start_travel_before_clocking_in_is_refused(tech, order):
    _refused(services.job_travel_start, "not clocked in", technician=tech, work_order=order)
    assert not TravelLog.objects.exists()


def test_start_travel_on_a_completed_job_is_refused(tech, truck):
    done = WorkOrderFactory(assigned_technician=tech, status="completed")
    services.clock_in(technician=tech, truck=truck)
    _refused(services.job_travel_start, "is completed", technician=tech, work_order=done)


def test_start_travel_while_on_another_job_is_refused(tech, truck, order):
    other = WorkOrderFactory(assigned_technician=tech)
    _on_site(tech, truck, order)
    _refused(services.job_travel_start, "on site", technician=tech, work_order=other)


def test_arriving_without_traveling_is_refused(tech, truck, order):
    services.clock_in(technician=tech, truck=truck)
    _refused(services.job_arrive, "can't arrive now", technician=tech, work_order=order)
    order.refresh_from_db()
    assert order.status == "scheduled"


def test_arriving_at_a_different_job_than_the_one_traveled_to_is_refused(tech, truck, order):
    other = WorkOrderFactory(assigned_technician=tech)
    services.clock_in(technician=tech, truck=truck)
    services.job_travel_start(technician=tech, work_order=order)
    _refused(services.job_arrive, f"you are on job #{order.pk}", technician=tech, work_order=other)


def test_arriving_at_an_order_already_in_progress_writes_no_status_history(tech, truck):
    order = WorkOrderFactory(assigned_technician=tech, status="in_progress")
    _on_site(tech, truck, order)
    assert not WorkOrderHistory.objects.filter(work_order=order, field_changed="status").exists()


def test_starting_work_before_arriving_is_refused(tech, truck, order):
    services.clock_in(technician=tech, truck=truck)
    services.job_travel_start(technician=tech, work_order=order)
    _refused(services.job_work_start, "traveling", technician=tech, work_order=order)


def test_starting_work_again_after_completing_is_refused(tech, truck, order):
    _on_site(tech, truck, order)
    services.job_work_start(technician=tech, work_order=order)
    services.job_complete(technician=tech, work_order=order, note="Done")
    _refused(services.job_work_start, "already completed", technician=tech, work_order=order)


def test_completing_a_new_customers_job_makes_them_a_returning_customer(tech, truck):
    customer = CustomerFactory(name="Riverside Dental", is_new_customer=True)
    order = WorkOrderFactory(assigned_technician=tech, customer=customer, title="Replace NVR drive")
    _on_site(tech, truck, order)
    services.job_work_start(technician=tech, work_order=order)
    customer.refresh_from_db()
    assert customer.is_new_customer is True  # working on the job is not completing it
    services.job_complete(technician=tech, work_order=order, note="Drive swapped, recording checked")
    customer.refresh_from_db()
    assert customer.is_new_customer is False
    [line] = CustomerHistory.objects.filter(customer=customer)
    assert line.notes == f"No longer a new customer: #{order.pk} Replace NVR drive was completed."
    assert (line.work_order, line.created_by_type, line.created_by_id) == (
        order,
        ActorType.TECHNICIAN,
        tech.pk,
    )


def test_pausing_when_not_working_is_refused(tech, truck, order):
    _on_site(tech, truck, order)
    _refused(services.job_pause, "can't pause now", technician=tech, work_order=order)


def test_resuming_when_not_paused_is_refused(tech, truck, order):
    _on_site(tech, truck, order)
    services.job_work_start(technician=tech, work_order=order)
    _refused(services.job_resume, "can't resume now", technician=tech, work_order=order)


def test_completing_without_a_note_is_refused(tech, truck, order):
    _on_site(tech, truck, order)
    services.job_work_start(technician=tech, work_order=order)
    _refused(services.job_complete, "Write what you did", technician=tech, work_order=order, note="  ")
    order.refresh_from_db()
    assert order.status == "in_progress"


def test_completing_before_starting_work_is_refused(tech, truck, order):
    _on_site(tech, truck, order)
    _refused(services.job_complete, "can't complete the job", technician=tech, work_order=order, note="x")


def test_leaving_while_working_is_refused(tech, truck, order):
    _on_site(tech, truck, order)
    services.job_work_start(technician=tech, work_order=order)
    _refused(services.job_leave, "can't leave the site", technician=tech, work_order=order)


def test_leaving_a_paused_job_keeps_it_in_progress(tech, truck, order):
    _on_site(tech, truck, order)
    services.job_work_start(technician=tech, work_order=order)
    services.job_pause(technician=tech, work_order=order)
    services.job_leave(technician=tech, work_order=order)
    order.refresh_from_db()
    assert order.status == "in_progress" and _state(tech) == State.ON_SHIFT


def test_a_refused_step_leaves_nothing_behind(tech, truck, order):
    services.clock_in(technician=tech, truck=truck)
    before = TechnicianActivity.objects.count()
    with pytest.raises(ValidationError):
        services.job_work_start(technician=tech, work_order=order)
    assert TechnicianActivity.objects.count() == before


# Notes, parts, events, messages


def test_a_note_with_alert_office_reaches_the_office_notifications(tech, order):
    note = services.job_note_add(
        technician=tech, work_order=order, text="Customer wants a quote", alert_office=True
    )
    assert note.alert_office and note.technician == tech
    notification = Notification.objects.get(work_order=order)
    assert notification.notification_type == Notification.Type.NOTE_ALERT
    assert "Customer wants a quote" in notification.message and not notification.is_read


def test_a_note_without_alert_raises_no_notification(tech, order):
    services.job_note_add(technician=tech, work_order=order, text="Ladder needed", alert_office=False)
    assert not Notification.objects.exists()


def test_an_empty_note_is_refused(tech, order):
    _refused(services.job_note_add, "Write the note", technician=tech, work_order=order, text=" ")


def _arrive(tech, order):
    services.job_travel_start(technician=tech, work_order=order)
    services.job_arrive(technician=tech, work_order=order)


def test_parts_used_come_off_the_technicians_own_truck(tech, truck, order):
    item = InventoryItemFactory(name="RJ45 Connector")
    TruckInventoryFactory(truck=truck, item=item, quantity=10)
    other_truck_row = TruckInventoryFactory(item=item, quantity=10)
    services.clock_in(technician=tech, truck=truck)
    _arrive(tech, order)
    movement = services.job_part_use(technician=tech, work_order=order, item=item, quantity=4)
    assert movement.kind == MovementKind.USED_ON_JOB and movement.work_order == order
    assert movement.technician == tech and movement.truck == truck
    assert TruckInventory.objects.get(truck=truck, item=item).quantity == 6
    other_truck_row.refresh_from_db()
    assert other_truck_row.quantity == 10


def test_using_more_parts_than_the_truck_has_is_refused_and_changes_nothing(tech, truck, order):
    item = InventoryItemFactory(name="PoE Switch")
    TruckInventoryFactory(truck=truck, item=item, quantity=2)
    services.clock_in(technician=tech, truck=truck)
    _arrive(tech, order)
    _refused(
        services.job_part_use,
        "Not enough PoE Switch",
        technician=tech,
        work_order=order,
        item=item,
        quantity=3,
    )
    assert TruckInventory.objects.get(truck=truck, item=item).quantity == 2
    assert not StockMovement.objects.exists()


def test_using_parts_before_clocking_in_is_refused(tech, order):
    _refused(
        services.job_part_use,
        "Clock in with your truck",
        technician=tech,
        work_order=order,
        item=InventoryItemFactory(),
        quantity=1,
    )


@pytest.mark.parametrize("kind", [ActivityType.FUEL_STOP, ActivityType.VEHICLE_INSPECTION])
def test_fuel_stops_and_inspections_are_recorded_on_shift(tech, truck, kind):
    services.clock_in(technician=tech, truck=truck)
    activity = services.event_record(technician=tech, activity_type=kind, location=HERE)
    assert activity.activity_type == kind and activity.truck == truck and activity.has_location
    assert _state(tech) == State.ON_SHIFT


def test_a_fuel_stop_off_shift_is_refused(tech):
    _refused(services.event_record, "not clocked in", technician=tech, activity_type=ActivityType.FUEL_STOP)


def test_an_activity_that_is_not_an_event_is_refused(tech, truck):
    services.clock_in(technician=tech, truck=truck)
    _refused(services.event_record, "not an event", technician=tech, activity_type=ActivityType.SHIFT_START)


def test_an_emergency_stop_raises_an_urgent_notification_and_a_critical_event(tech, truck, order):
    _on_site(tech, truck, order)
    services.event_record(
        technician=tech, activity_type=ActivityType.EMERGENCY_STOP, location=HERE, notes="Fell off ladder"
    )
    notification = Notification.objects.get(notification_type=Notification.Type.EMERGENCY)
    assert notification.message.startswith("URGENT") and "Mike Johnson" in notification.message
    assert "Fell off ladder" in notification.message and notification.work_order == order
    event = OperationalEvent.objects.get()
    assert event.severity == Severity.CRITICAL and event.event_type == "emergency_stop"
    assert event.metadata["technician_id"] == tech.pk and event.metadata["latitude"] == "40.712800"


def test_an_emergency_stop_is_never_refused_even_off_shift(tech):
    services.event_record(technician=tech, activity_type=ActivityType.EMERGENCY_STOP)
    assert OperationalEvent.objects.get().severity == Severity.CRITICAL
    assert "location unknown" in Notification.objects.get().message


def test_marking_a_message_read_is_seen_by_the_office(tech):
    message = ManualNotification.objects.create(technician=tech, message="Call the office", priority="high")
    services.message_mark_read(technician=tech, message=message)
    message.refresh_from_db()
    assert message.is_read


def test_marking_another_technicians_message_read_is_refused(tech):
    message = ManualNotification.objects.create(technician=TechnicianFactory(), message="Not yours")
    _refused(services.message_mark_read, "not yours", technician=tech, message=message)
    message.refresh_from_db()
    assert not message.is_read


# Idempotency


def _perform_clock_in(tech, truck, key):
    return services.action_perform(
        technician=tech,
        key=key,
        action="clock_in",
        perform=lambda: services.clock_in(technician=tech, truck=truck),
        success_message="Clocked in.",
        redirect_to="/tech/",
    )


def test_the_same_key_ten_times_clocks_in_once_and_answers_the_same(tech, truck):
    key = uuid.uuid4()
    outcomes = [_perform_clock_in(tech, truck, key) for _ in range(10)]
    assert ClockRecord.objects.filter(technician=tech).count() == 1
    assert TechnicianActivity.objects.filter(technician=tech).count() == 1
    assert ProcessedAction.objects.filter(key=key).count() == 1
    assert {(o.ok, o.message, o.redirect_to) for o in outcomes} == {(True, "Clocked in.", "/tech/")}
    assert [o.replayed for o in outcomes] == [False] + [True] * 9


def test_the_same_note_key_ten_times_adds_one_note(tech, order):
    key = uuid.uuid4()
    for _ in range(10):
        services.action_perform(
            technician=tech,
            key=key,
            action="job_note_add",
            perform=lambda: services.job_note_add(
                technician=tech, work_order=order, text="Once", alert_office=True
            ),
            success_message="Note added.",
            redirect_to="/",
        )
    assert WorkOrderNote.objects.filter(work_order=order).count() == 1
    assert Notification.objects.count() == 1


def test_a_refused_action_is_refused_the_same_way_on_replay(tech, order):
    key = uuid.uuid4()
    answers = [
        services.action_perform(
            technician=tech,
            key=key,
            action="job_arrive",
            perform=lambda: services.job_arrive(technician=tech, work_order=order),
            success_message="Arrived.",
            redirect_to="/",
        )
        for _ in range(3)
    ]
    assert {(a.ok, a.message) for a in answers} == {(False, "You can't arrive now: you are not clocked in.")}
    assert not TechnicianActivity.objects.exists()


def test_new_keys_are_new_actions(tech, truck):
    assert _perform_clock_in(tech, truck, uuid.uuid4()).ok
    second = _perform_clock_in(tech, truck, uuid.uuid4())
    assert not second.ok and "already clocked in" in second.message


def test_a_key_reused_for_another_action_is_refused(tech, truck):
    key = uuid.uuid4()
    _perform_clock_in(tech, truck, key)
    outcome = services.action_perform(
        technician=tech,
        key=key,
        action="clock_out",
        perform=lambda: services.clock_out(technician=tech),
        success_message="Clocked out.",
        redirect_to="/tech/",
    )
    assert outcome.conflict and not outcome.ok and outcome.message == services.KEY_REUSED
    assert ClockRecord.objects.get(technician=tech).is_open


def test_a_key_back_with_a_different_payload_is_a_conflict_and_does_nothing(tech, order):
    key = uuid.uuid4()

    def note(text):
        return services.action_perform(
            technician=tech,
            key=key,
            action="job_note_add",
            perform=lambda: services.job_note_add(
                technician=tech, work_order=order, text=text, alert_office=False
            ),
            success_message="Note added.",
            redirect_to="/",
            fingerprint=f"hash-of-{text}",
        )

    assert note("First").ok
    again = note("First")
    assert again.ok and again.replayed and not again.conflict
    other = note("Second")
    assert other.conflict and not other.ok and "nothing was changed" in other.message
    assert list(WorkOrderNote.objects.values_list("note_text", flat=True)) == ["First"]
    assert ProcessedAction.objects.get(key=key).fingerprint == "hash-of-First"


def test_keys_are_scoped_per_technician(tech, truck):
    other = TechnicianFactory()
    other_truck = TruckFactory()
    key = uuid.uuid4()
    assert _perform_clock_in(tech, truck, key).ok
    # The same key from another technician is that technician's own action, not a replay of tech's.
    theirs = _perform_clock_in(other, other_truck, key)
    assert theirs.ok and not theirs.replayed
    assert ClockRecord.objects.get(technician=other).truck == other_truck
    assert ProcessedAction.objects.filter(key=key).count() == 2
