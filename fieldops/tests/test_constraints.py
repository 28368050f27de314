"""The database refuses impossible field records, on PostgreSQL and SQLite alike."""

import datetime as dt
import uuid
from decimal import Decimal

import pytest
from django.utils import timezone

from dispatch.tests.factories import TechnicianFactory
from dispatch.tests.test_constraints import assert_every_constraint_is_tested, violates
from fieldops.models import (
    ActivityType,
    ClockRecord,
    EventCategory,
    OperationalEvent,
    Severity,
    TechnicianActivity,
    TravelLog,
    VoiceAgentSession,
)
from fieldops.tests.factories import (
    ClockRecordFactory,
    OperationalEventFactory,
    ProcessedActionFactory,
    TechnicianActivityFactory,
    TravelLogFactory,
    VoiceAgentSessionFactory,
)

pytestmark = pytest.mark.django_db

# The activity types exactly as the second seed lists them.
SEED_ACTIVITY_TYPES = [
    "shift_start",
    "shift_end",
    "break_start",
    "break_end",
    "travel_start",
    "travel_end",
    "arrived_on_site",
    "work_started",
    "work_paused",
    "work_resumed",
    "work_completed",
    "left_site",
    "vehicle_inspection",
    "fuel_stop",
    "emergency_stop",
]

HOUR = dt.timedelta(hours=1)


def test_every_fieldops_constraint_has_a_test_here():
    assert_every_constraint_is_tested("fieldops", __file__)


# Clock records


def test_clock_out_before_clock_in_is_refused():
    clock_in = timezone.now() - 3 * HOUR
    with violates("clock_records_out_after_in"):
        ClockRecordFactory(clock_in_time=clock_in, clock_out_time=clock_in - HOUR)


def test_clock_out_cannot_be_updated_to_before_clock_in():
    record = ClockRecordFactory()
    with violates("clock_records_out_after_in"):
        ClockRecord.objects.filter(pk=record.pk).update(clock_out_time=record.clock_in_time - HOUR)
    record.refresh_from_db()
    assert record.clock_out_time is None


def test_clock_out_after_or_at_clock_in_is_accepted():
    clock_in = timezone.now() - 3 * HOUR
    ClockRecordFactory(clock_in_time=clock_in, clock_out_time=clock_in + 2 * HOUR)
    ClockRecordFactory(clock_in_time=clock_in, clock_out_time=clock_in)
    assert ClockRecord.objects.filter(clock_out_time__isnull=False).count() == 2


def test_a_second_open_clock_record_for_one_technician_is_refused():
    record = ClockRecordFactory()
    with violates("clock_records_one_open_per_technician"):
        ClockRecordFactory(technician=record.technician, clock_in_time=timezone.now())
    assert ClockRecord.objects.filter(technician=record.technician).count() == 1


def test_reopening_a_closed_clock_record_beside_an_open_one_is_refused():
    technician = TechnicianFactory()
    closed = ClockRecordFactory(
        technician=technician,
        clock_in_time=timezone.now() - 26 * HOUR,
        clock_out_time=timezone.now() - 17 * HOUR,
    )
    ClockRecordFactory(technician=technician)
    with violates("clock_records_one_open_per_technician"):
        ClockRecord.objects.filter(pk=closed.pk).update(clock_out_time=None)


def test_closed_clock_records_beside_one_open_record_are_accepted():
    technician = TechnicianFactory()
    for days_ago in (2, 1):
        start = timezone.now() - dt.timedelta(days=days_ago)
        ClockRecordFactory(technician=technician, clock_in_time=start, clock_out_time=start + 9 * HOUR)
    ClockRecordFactory(technician=technician)
    ClockRecordFactory()  # another technician's open record
    assert ClockRecord.objects.filter(technician=technician).count() == 3
    assert ClockRecord.objects.filter(clock_out_time__isnull=True).count() == 2


# Travel logs


def test_travel_ending_before_it_starts_is_refused():
    start = timezone.now() - HOUR
    with violates("travel_logs_end_after_start"):
        TravelLogFactory(travel_start_time=start, travel_end_time=start - dt.timedelta(minutes=1))


def test_travel_with_an_end_but_no_start_is_refused():
    with violates("travel_logs_end_after_start"):
        TravelLogFactory(travel_start_time=None, travel_end_time=timezone.now())


def test_travel_ending_after_it_starts_or_still_under_way_is_accepted():
    TravelLogFactory()
    TravelLogFactory(travel_end_time=None)
    assert TravelLog.objects.count() == 2
    assert TravelLog.objects.filter(travel_end_time__isnull=True).count() == 1


# Technician activity


def test_an_unknown_activity_type_is_refused():
    with violates("technician_activity_type_valid"):
        TechnicianActivityFactory(activity_type="lunch")


def test_all_fifteen_seed_activity_types_are_accepted():
    assert sorted(ActivityType.values) == sorted(SEED_ACTIVITY_TYPES)
    technician = TechnicianFactory()
    for activity_type in SEED_ACTIVITY_TYPES:
        TechnicianActivityFactory(technician=technician, activity_type=activity_type)
    stored = TechnicianActivity.objects.values_list("activity_type", flat=True)
    assert sorted(stored) == sorted(SEED_ACTIVITY_TYPES)


@pytest.mark.parametrize("latitude", ["90.000001", "-90.5", "123"])
def test_a_latitude_outside_minus_90_to_90_is_refused(latitude):
    with violates("technician_activity_latitude_range"):
        TechnicianActivityFactory(latitude=Decimal(latitude))


@pytest.mark.parametrize("longitude", ["180.000001", "-181", "200"])
def test_a_longitude_outside_minus_180_to_180_is_refused(longitude):
    with violates("technician_activity_longitude_range"):
        TechnicianActivityFactory(longitude=Decimal(longitude))


def test_coordinates_at_the_edges_of_the_globe_or_missing_are_accepted():
    TechnicianActivityFactory(latitude=Decimal("90"), longitude=Decimal("180"))
    TechnicianActivityFactory(latitude=Decimal("-90"), longitude=Decimal("-180"))
    TechnicianActivityFactory(latitude=None, longitude=None, accuracy_meters=None)
    assert TechnicianActivity.objects.count() == 3
    assert TechnicianActivity.objects.filter(latitude=Decimal("-90")).exists()


def test_a_negative_location_accuracy_is_refused():
    with violates("technician_activity_accuracy_non_negative"):
        TechnicianActivityFactory(accuracy_meters=-1)


def test_a_location_accuracy_of_zero_is_accepted():
    activity = TechnicianActivityFactory(accuracy_meters=0)
    activity.refresh_from_db()
    assert activity.accuracy_meters == 0


def test_two_activities_of_one_technician_with_one_running_number_are_refused():
    first = TechnicianActivityFactory()
    with violates("technician_activity_one_sequence_per_technician"):
        TechnicianActivityFactory(technician=first.technician, sequence=first.sequence)


def test_each_technician_numbers_their_own_activity_from_one():
    one, other = TechnicianFactory(), TechnicianFactory()
    numbers = [TechnicianActivityFactory(technician=t).sequence for t in (one, one, other, one)]
    assert numbers == [1, 2, 1, 3]


# Voice agent sessions


def test_a_second_active_voice_session_for_one_technician_is_refused():
    session = VoiceAgentSessionFactory()
    with violates("voice_sessions_one_active_per_technician"):
        VoiceAgentSessionFactory(technician=session.technician)
    assert VoiceAgentSession.objects.filter(technician=session.technician).count() == 1


def test_an_inactive_voice_session_beside_an_active_one_is_accepted():
    technician = TechnicianFactory()
    start = timezone.now() - HOUR
    VoiceAgentSessionFactory(technician=technician, session_start=start, session_end=start, is_active=False)
    VoiceAgentSessionFactory(technician=technician)
    VoiceAgentSessionFactory()  # another technician's active session
    assert VoiceAgentSession.objects.filter(technician=technician).count() == 2
    assert VoiceAgentSession.objects.filter(is_active=True).count() == 2


def test_a_voice_session_ending_before_it_starts_is_refused():
    start = timezone.now()
    with violates("voice_sessions_end_after_start"):
        VoiceAgentSessionFactory(session_start=start, session_end=start - HOUR, is_active=False)


def test_a_voice_session_ending_after_it_starts_is_accepted():
    start = timezone.now() - HOUR
    session = VoiceAgentSessionFactory(session_start=start, session_end=start + HOUR, is_active=False)
    session.refresh_from_db()
    assert session.session_end - session.session_start == HOUR


# Operational events


def test_an_unknown_event_category_is_refused():
    with violates("operational_event_category_valid"):
        OperationalEventFactory(event_category="billing")


def test_every_seed_event_category_is_accepted():
    seed_categories = ["communication", "security", "operational", "system"]
    assert sorted(EventCategory.values) == sorted(seed_categories)
    for category in seed_categories:
        OperationalEventFactory(event_category=category)
    assert OperationalEvent.objects.count() == 4


def test_an_unknown_severity_is_refused():
    with violates("operational_event_severity_valid"):
        OperationalEventFactory(severity="fatal")


def test_every_seed_severity_is_accepted():
    seed_severities = ["info", "warning", "error", "critical"]
    assert sorted(Severity.values) == sorted(seed_severities)
    for severity in seed_severities:
        OperationalEventFactory(severity=severity)
    assert OperationalEvent.objects.count() == 4


def test_an_event_resolved_by_someone_without_a_resolution_time_is_refused(django_user_model):
    resolver = django_user_model.objects.create_user("resolver")
    with violates("operational_event_resolved_by_needs_time"):
        OperationalEventFactory(resolved_by=resolver, resolved_at=None)


def test_an_event_resolved_with_a_time_or_still_open_is_accepted(django_user_model):
    resolver = django_user_model.objects.create_user("resolver")
    OperationalEventFactory(resolved_by=resolver, resolved_at=timezone.now())
    OperationalEventFactory(resolved_by=None, resolved_at=timezone.now())  # resolved by the system
    OperationalEventFactory(resolved_by=None, resolved_at=None)
    assert OperationalEvent.objects.filter(resolved_at__isnull=False).count() == 2


# Processed actions (idempotency keys): each technician's own


def test_a_technicians_key_twice_is_refused_but_another_technician_may_use_it():
    key = uuid.uuid4()
    first = ProcessedActionFactory(key=key)
    ProcessedActionFactory(key=key)  # another technician (the factory makes a new one)
    with violates("processed_action_technician_key_unique"):
        ProcessedActionFactory(key=key, technician=first.technician)


# Incidents


def _incident(**fields):
    from fieldops.models import Incident

    technician = fields.pop("technician", None) or TechnicianFactory()
    return Incident.objects.create(technician=technician, event=OperationalEventFactory(), **fields)


def test_an_incident_status_outside_the_list_is_refused():
    with violates("incidents_status_valid"):
        _incident(status="forgotten", closed_at=timezone.now())


def test_a_technician_has_one_waiting_incident_at_most():
    technician = TechnicianFactory()
    _incident(technician=technician)
    with violates("incidents_one_waiting_per_technician"):
        _incident(technician=technician)
    _incident(technician=technician, status="acknowledged", acknowledged_at=timezone.now())


def test_an_acknowledger_needs_a_time(django_user_model):
    user = django_user_model.objects.create_user("ack")
    with violates("incidents_acknowledged_by_needs_time"):
        _incident(status="acknowledged", acknowledged_by=user)


def test_a_closed_incident_needs_its_closing_time():
    with violates("incidents_closed_needs_time"):
        _incident(status="cancelled")
    _incident(status="resolved", closed_at=timezone.now())


def test_an_incident_location_must_be_on_earth():
    with violates("incidents_latitude_range"):
        _incident(latitude=Decimal("91"), longitude=Decimal("0"))
    with violates("incidents_longitude_range"):
        _incident(latitude=Decimal("0"), longitude=Decimal("-181"))


# The job's record


def _attachment(order, **fields):
    from fieldops.models import JobAttachment

    defaults = {"work_order": order, "file": "jobs/x.jpg", "content_type": "image/jpeg", "size_bytes": 10}
    return JobAttachment.objects.create(**{**defaults, **fields})


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("job_attachments_step_valid", {"step": "sideways"}),
        ("job_attachments_latitude_range", {"latitude": Decimal("91")}),
        ("job_attachments_longitude_range", {"longitude": Decimal("-181")}),
    ],
)
def test_an_impossible_photo_is_refused(name, fields):
    from dispatch.tests.factories import WorkOrderFactory

    with violates(name):
        _attachment(WorkOrderFactory(), **fields)


def test_checklists_keep_to_their_job_types_kinds_and_one_active_list_per_type():
    from dispatch.tests.factories import WorkOrderFactory
    from fieldops.models import ChecklistAnswer, ChecklistItem, ChecklistTemplate

    with violates("checklist_templates_job_type_valid"):
        ChecklistTemplate.objects.create(name="X", job_type="gardening")
    template = ChecklistTemplate.objects.create(name="QA", job_type="installation")
    with violates("checklist_templates_one_active_per_job_type"):
        ChecklistTemplate.objects.create(name="QA 2", job_type="installation")
    ChecklistTemplate.objects.create(name="Old QA", job_type="installation", active=False)
    with violates("checklist_items_kind_valid"):
        ChecklistItem.objects.create(template=template, label="Q", kind="essay")
    item = ChecklistItem.objects.create(template=template, label="Mounted")
    order = WorkOrderFactory()
    with violates("job_checklist_answers_kind_valid"):
        ChecklistAnswer.objects.create(work_order=order, item=item, label="Mounted", kind="essay", value="x")
    ChecklistAnswer.objects.create(work_order=order, item=item, label="Mounted", kind="yes_no", value="yes")
    with violates("job_checklist_answers_one_per_item"):
        ChecklistAnswer.objects.create(
            work_order=order, item=item, label="Mounted", kind="yes_no", value="no"
        )


@pytest.mark.parametrize(
    ("name", "fields"),
    [("site_equipment_kind_valid", {"kind": "toaster"}), ("site_equipment_status_valid", {"status": "lost"})],
)
def test_equipment_keeps_to_its_kinds_and_statuses(name, fields):
    from dispatch.tests.factories import CustomerFactory
    from fieldops.models import Equipment

    with violates(name):
        Equipment.objects.create(customer=CustomerFactory(), **{"kind": "camera", **fields})


def test_a_rolled_up_day_holds_one_row_per_technician_and_per_job():
    from fieldops.models import ReportJob, ReportTechnicianDay

    day, zero = dt.date(2026, 11, 2), dt.timedelta()
    numbers = {"clocked": zero, "worked": True, "travel": zero, "on_site": zero, "arrivals": 0, "on_time": 0}
    ReportTechnicianDay.objects.create(day=day, technician_id=1, **numbers)
    with violates("report_technician_days_one_row"):
        ReportTechnicianDay.objects.create(day=day, technician_id=1, **numbers)
    job = {
        "technician_id": 1,
        "completed_at": timezone.make_aware(dt.datetime.combine(day, dt.time(15))),
        "on_site": zero,
        "parts_cost": Decimal("0"),
        "costed_parts": 0,
    }
    ReportJob.objects.create(day=day, work_order_id=7, **job)
    with violates("report_jobs_one_row"):
        ReportJob.objects.create(day=day, work_order_id=7, **job)
