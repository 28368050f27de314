"""The database itself refuses dispatch rows that must never exist.

Rows are written with factories (save() without full_clean()) or QuerySet.update(),
so nothing in Python stands between the bad value and the database. SQLite enforces
CHECK constraints and partial unique indexes too, so these run on both databases.
"""

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from django.apps import apps
from django.db import IntegrityError, connection, transaction

from dispatch.models import (
    CallOutcome,
    CallType,
    Channel,
    CommunicationCallDetail,
    CommunicationMessage,
    Customer,
    Direction,
    JobTypeDuration,
    JobTypeSkill,
    ManualNotification,
    MessageTemplate,
    PlanRun,
    PlanRunStatus,
    Priority,
    Skill,
    Technician,
    Visit,
    VisitHelper,
    WorkOrder,
    WorkOrderStatus,
)
from dispatch.tests.factories import (
    CommunicationCallDetailFactory,
    CommunicationMessageFactory,
    CustomerFactory,
    ManualNotificationFactory,
    TechnicianFactory,
    WorkOrderFactory,
)

pytestmark = pytest.mark.django_db


@contextmanager
def violates(constraint: str) -> Iterator[None]:
    """The block must be refused by the database, and by the named constraint.

    PostgreSQL names every violated constraint and SQLite names CHECK constraints;
    SQLite reports a partial unique index by its columns, so there only the kind
    of failure can be checked.
    """
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        yield
    message = str(excinfo.value)
    if connection.vendor == "sqlite" and message.startswith("UNIQUE constraint failed"):
        return
    assert constraint in message, f"expected {constraint!r} to be violated, got: {message}"


def assert_every_constraint_is_tested(app_label: str, test_file: str) -> None:
    """Each named constraint of the app appears in its constraint test module."""
    source = Path(test_file).read_text()
    declared = {
        constraint.name
        for model in apps.get_app_config(app_label).get_models()
        for constraint in model._meta.constraints
    }
    untested = sorted(name for name in declared if f'"{name}"' not in source)
    assert not untested, f"constraints without a test in {test_file}: {untested}"


def test_every_dispatch_constraint_has_a_test_here():
    assert_every_constraint_is_tested("dispatch", __file__)


# id >= 1 (the seed's CHECK (id >= 1) on trucks, technicians, customers, work_orders)


def test_technician_id_zero_is_refused_and_id_one_accepted():
    with violates("technicians_id_gte_1"):
        TechnicianFactory(id=0)
    TechnicianFactory(id=1)
    assert Technician.objects.filter(id=1).exists()


def test_customer_id_zero_is_refused_and_id_one_accepted():
    with violates("customers_id_gte_1"):
        CustomerFactory(id=0)
    CustomerFactory(id=1)
    assert Customer.objects.filter(id=1).exists()


def test_work_order_id_zero_is_refused_and_id_one_accepted():
    with violates("work_orders_id_gte_1"):
        WorkOrderFactory(id=0)
    WorkOrderFactory(id=1)
    assert WorkOrder.objects.filter(id=1).exists()


# Customers


def test_customer_preferred_window_must_end_after_it_starts():
    with violates("customers_preferred_window_order"):
        CustomerFactory(preferred_schedule_start=dt.time(16), preferred_schedule_end=dt.time(8))
    with violates("customers_preferred_window_order"):
        CustomerFactory(preferred_schedule_start=dt.time(9), preferred_schedule_end=dt.time(9))


def test_customer_preferred_window_in_order_or_open_ended_is_accepted():
    CustomerFactory(preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(16))
    CustomerFactory(preferred_schedule_start=dt.time(8), preferred_schedule_end=None)
    CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=dt.time(16))
    CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=None)
    assert Customer.objects.count() == 4


def test_customer_window_cannot_be_reversed_by_a_queryset_update():
    customer = CustomerFactory()
    with violates("customers_preferred_window_order"):
        Customer.objects.filter(pk=customer.pk).update(preferred_schedule_end=dt.time(7))
    customer.refresh_from_db()
    assert customer.preferred_schedule_end == dt.time(16)


# Places, skills (issue 12)


def test_customer_position_on_the_earth_with_both_coordinates():
    with violates("customers_latitude_range"):
        CustomerFactory(latitude=Decimal("90.5"), longitude=Decimal("0"))
    with violates("customers_longitude_range"):
        CustomerFactory(latitude=Decimal("40"), longitude=Decimal("-180.5"))
    with violates("customers_position_pair"):
        CustomerFactory(latitude=Decimal("40.7"), longitude=None)
    CustomerFactory(latitude=Decimal("-90"), longitude=Decimal("180"))
    CustomerFactory(latitude=None, longitude=None)
    assert Customer.objects.count() == 2


def test_technician_home_on_the_earth_with_both_coordinates():
    with violates("technicians_home_latitude_range"):
        TechnicianFactory(home_latitude=Decimal("-91"), home_longitude=Decimal("0"))
    with violates("technicians_home_longitude_range"):
        TechnicianFactory(home_latitude=Decimal("0"), home_longitude=Decimal("181"))
    with violates("technicians_home_position_pair"):
        TechnicianFactory(home_latitude=None, home_longitude=Decimal("-73.9"))
    TechnicianFactory(home_latitude=Decimal("40.744"), home_longitude=Decimal("-73.953"))
    assert Technician.objects.count() == 1


def test_a_job_type_needs_a_skill_once_and_only_known_job_types():
    skill = Skill.objects.create(name="PTZ cameras")
    JobTypeSkill.objects.create(job_type="installation", skill=skill)
    with violates("job_type_skills_unique"):
        JobTypeSkill.objects.create(job_type="installation", skill=skill)
    with violates("job_type_skills_job_type_valid"):
        JobTypeSkill.objects.create(job_type="demolition", skill=skill)
    with pytest.raises(IntegrityError), transaction.atomic():
        Skill.objects.create(name="PTZ cameras")
    assert JobTypeSkill.objects.count() == 1


# Work orders


def test_work_order_with_an_unknown_status_is_refused():
    with violates("work_orders_status_valid"):
        WorkOrderFactory(status="on_hold")


def test_work_order_status_cannot_be_updated_to_an_unknown_value():
    order = WorkOrderFactory(status=WorkOrderStatus.PENDING)
    with violates("work_orders_status_valid"):
        WorkOrder.objects.filter(pk=order.pk).update(status="done")
    order.refresh_from_db()
    assert order.status == WorkOrderStatus.PENDING


def test_work_order_accepts_the_seed_statuses_and_cancelled():
    for status in ("pending", "in_progress", "completed", "scheduled", "cancelled"):
        WorkOrderFactory(status=status)
    assert sorted(WorkOrder.objects.values_list("status", flat=True)) == sorted(WorkOrderStatus.values)


def test_work_order_with_an_unknown_job_type_is_refused():
    with violates("work_orders_job_type_valid"):
        WorkOrderFactory(job_type="New Installation")  # the label, not the stored value


def test_a_work_order_estimate_outside_15_minutes_to_12_hours_is_refused():
    order = WorkOrderFactory(estimated_minutes=None)
    for minutes in (0, 14, 721):
        with violates("work_orders_estimate_in_range"):
            WorkOrder.objects.filter(pk=order.pk).update(estimated_minutes=minutes)
    WorkOrder.objects.filter(pk=order.pk).update(estimated_minutes=720)


def test_a_job_type_length_must_be_in_range_and_of_a_known_type():
    with violates("job_type_durations_minutes_in_range"):
        JobTypeDuration.objects.filter(job_type="repair").update(minutes=0)
    JobTypeDuration.objects.filter(job_type="repair").delete()
    with violates("job_type_durations_job_type_valid"):
        JobTypeDuration.objects.create(job_type="Repair", minutes=60)
    JobTypeDuration.objects.create(job_type="repair", minutes=45)


def test_a_technicians_working_day_ends_after_it_starts():
    tech = TechnicianFactory()
    with violates("technicians_work_hours_in_order"):
        Technician.objects.filter(pk=tech.pk).update(work_start=dt.time(17), work_end=dt.time(7))
    Technician.objects.filter(pk=tech.pk).update(work_start=dt.time(6), work_end=dt.time(14))
    Technician.objects.filter(pk=tech.pk).update(work_start=None, work_end=dt.time(14))


def test_a_technicians_weekend_day_ends_after_it_starts():
    tech = TechnicianFactory()
    with violates("technicians_weekend_hours_in_order"):
        Technician.objects.filter(pk=tech.pk).update(weekend_start=dt.time(14), weekend_end=dt.time(9))
    Technician.objects.filter(pk=tech.pk).update(weekend_start=dt.time(7), weekend_end=dt.time(13))
    Technician.objects.filter(pk=tech.pk).update(weekend_start=None, weekend_end=dt.time(13))
    assert Technician.objects.get(pk=tech.pk).weekend_end == dt.time(13)


def test_work_order_accepts_every_job_type_and_none():
    for job_type in ("installation", "upgrade", "maintenance", "repair", None):
        WorkOrderFactory(job_type=job_type)
    assert WorkOrder.objects.count() == 5
    assert WorkOrder.objects.filter(job_type__isnull=True).count() == 1


# Manual notifications


def test_manual_notification_with_an_unknown_priority_is_refused():
    with violates("manual_notifications_priority_valid"):
        ManualNotificationFactory(priority="critical")


def test_manual_notification_accepts_the_seed_priorities():
    for priority in ("normal", "high", "urgent"):
        ManualNotificationFactory(priority=priority)
    assert set(ManualNotification.objects.values_list("priority", flat=True)) == set(Priority.values)


# Communication messages


def test_communication_message_with_an_unknown_channel_is_refused():
    with violates("communication_messages_channel_valid"):
        CommunicationMessageFactory(channel_type="fax")


def test_communication_message_accepts_every_channel():
    for channel in Channel.values:
        CommunicationMessageFactory(channel_type=channel)
    assert CommunicationMessage.objects.count() == len(Channel.values)


def test_communication_message_with_an_unknown_direction_is_refused():
    with violates("communication_messages_direction_valid"):
        CommunicationMessageFactory(direction="sideways")


def test_communication_message_accepts_both_directions():
    for direction in ("inbound", "outbound"):
        CommunicationMessageFactory(direction=direction)
    assert set(CommunicationMessage.objects.values_list("direction", flat=True)) == set(Direction.values)


# Call details (the second seed's communication_call_details)


def test_call_detail_with_an_unknown_call_type_is_refused():
    with violates("call_details_call_type_valid"):
        CommunicationCallDetailFactory(call_type="conference")


def test_call_detail_accepts_the_seed_call_types():
    for call_type in ("inbound", "outbound", "missed", "voicemail"):
        CommunicationCallDetailFactory(call_type=call_type)
    assert set(CommunicationCallDetail.objects.values_list("call_type", flat=True)) == set(CallType.values)


def test_call_detail_with_an_unknown_outcome_is_refused():
    with violates("call_details_call_outcome_valid"):
        CommunicationCallDetailFactory(call_outcome="hung_up")


def test_call_detail_accepts_the_seed_outcomes_and_none():
    seed_outcomes = ["answered", "voicemail_left", "no_answer", "busy", "failed", "transferred"]
    assert sorted(CallOutcome.values) == sorted(seed_outcomes)
    for outcome in [*seed_outcomes, None]:
        CommunicationCallDetailFactory(call_outcome=outcome)
    assert CommunicationCallDetail.objects.count() == 7


def test_call_detail_with_a_negative_duration_is_refused():
    with violates("call_details_duration_non_negative"):
        CommunicationCallDetailFactory(duration_seconds=-1)


def test_call_detail_with_a_negative_wait_time_is_refused():
    with violates("call_details_wait_non_negative"):
        CommunicationCallDetailFactory(wait_time_seconds=-5)


def test_call_detail_accepts_zero_and_missing_durations():
    CommunicationCallDetailFactory(duration_seconds=0, wait_time_seconds=0)
    CommunicationCallDetailFactory(duration_seconds=None, wait_time_seconds=None)
    assert CommunicationCallDetail.objects.count() == 2


def test_call_detail_duration_cannot_be_updated_below_zero():
    detail = CommunicationCallDetailFactory(duration_seconds=245)
    with violates("call_details_duration_non_negative"):
        CommunicationCallDetail.objects.filter(pk=detail.pk).update(duration_seconds=-245)
    detail.refresh_from_db()
    assert detail.duration_seconds == 245


@pytest.mark.parametrize("score", ["1.001", "-1.001", "2"])
def test_call_detail_sentiment_outside_minus_one_to_one_is_refused(score):
    with violates("call_details_sentiment_range"):
        CommunicationCallDetailFactory(sentiment_score=Decimal(score))


def test_call_detail_sentiment_at_the_ends_of_the_range_is_accepted():
    for score in ("-1", "0", "0.725", "1", None):
        CommunicationCallDetailFactory(sentiment_score=None if score is None else Decimal(score))
    scores = sorted(
        s for s in CommunicationCallDetail.objects.values_list("sentiment_score", flat=True) if s is not None
    )
    assert scores == [Decimal("-1"), Decimal("0"), Decimal("0.725"), Decimal("1")]


@pytest.mark.postgres
def test_deleting_a_work_order_in_raw_sql_takes_its_notes_as_the_seed_says():
    from dispatch.tests.factories import WorkOrderNoteFactory

    note = WorkOrderNoteFactory()
    kept = WorkOrderNoteFactory()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM work_orders WHERE id = %s", [note.work_order_id])
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM work_order_notes")
        remaining = {row[0] for row in cursor.fetchall()}
    assert remaining == {kept.pk}


# Plan runs


def test_a_plan_run_status_outside_its_choices_is_refused():
    with violates("plan_runs_status_valid"):
        PlanRun.objects.create(day=dt.date(2030, 3, 11), status="sleeping")
    PlanRun.objects.create(day=dt.date(2030, 3, 11), status=PlanRunStatus.RUNNING)
    assert PlanRun.objects.filter(status="running").count() == 1


@pytest.mark.parametrize("status", ["delivered", "SENT", "lost"])
def test_a_message_with_an_unknown_delivery_status_is_refused(status):
    with violates("communication_messages_delivery_status_valid"):
        CommunicationMessageFactory(delivery_status=status)


def test_a_message_without_a_delivery_status_or_with_a_known_one_is_accepted():
    for status in ("", "queued", "retrying", "sent", "failed"):
        CommunicationMessageFactory(delivery_status=status)


def test_a_message_template_of_an_unknown_kind_is_refused():
    with violates("message_templates_kind_valid"):
        MessageTemplate.objects.create(kind="birthday", subject="Hi", body="Hi")


# Visits and crews


def test_a_visit_of_an_impossible_length_is_refused():
    order = WorkOrderFactory()
    with violates("visits_estimate_in_range"):
        Visit.objects.create(
            work_order=order,
            starts_at=order.scheduled_for + dt.timedelta(days=1),
            lead=order.assigned_technician,
            estimated_minutes=5,
        )
    Visit.objects.create(
        work_order=order,
        starts_at=order.scheduled_for + dt.timedelta(days=1),
        lead=order.assigned_technician,
        estimated_minutes=60,
    )
    assert Visit.objects.filter(work_order=order).count() == 1


def test_a_helper_is_on_a_visit_once():
    order = WorkOrderFactory()
    helper = TechnicianFactory()
    VisitHelper.objects.create(work_order=order, technician=helper)
    with violates("visit_helpers_first_visit_once"):
        VisitHelper.objects.create(work_order=order, technician=helper)
    visit = Visit.objects.create(
        work_order=order, starts_at=order.scheduled_for + dt.timedelta(days=1), lead=order.assigned_technician
    )
    VisitHelper.objects.create(work_order=order, visit=visit, technician=helper)  # another visit: fine
    with violates("visit_helpers_visit_once"):
        VisitHelper.objects.create(work_order=order, visit=visit, technician=helper)
    assert VisitHelper.objects.filter(technician=helper).count() == 2
