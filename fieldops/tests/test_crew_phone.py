"""A crew on the phone: each helper sees the visit on My day and opens its job, their steps are their
own activity rows (and hours on their own timesheet), and only a visit's lead completes the job."""

import datetime as dt
import uuid

import pytest
from django.contrib.auth.models import Group
from django.utils import timezone

from conftest import PASSWORD
from dispatch import clock
from dispatch import services as dispatch_services
from dispatch.services import Actor
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import ActivityType, TechnicianActivity
from fieldops.selectors import my_day, technician_state, timesheet_week, week_start_of
from fieldops.state import Step, check
from inventory.tests.factories import TruckFactory

pytestmark = pytest.mark.django_db

OFFICE = Actor("office", 1)


def _user(django_user_model, username: str):
    user = django_user_model.objects.create_user(username, password=PASSWORD)
    user.groups.add(Group.objects.get_or_create(name="Technicians")[0])
    return user


@pytest.fixture
def crew(django_user_model):
    """A job today from 00:15 led by Mike (any pinned hour is after its start), Sarah helping; a
    second visit tomorrow at 9:00 led by Alex, Sarah helping again."""
    today = clock.localdate()
    mike = TechnicianFactory(name="Mike Johnson", user=_user(django_user_model, "mike"))
    sarah = TechnicianFactory(name="Sarah Lee", user=_user(django_user_model, "sarah"))
    alex = TechnicianFactory(name="Alex Kim", user=_user(django_user_model, "alex"))
    # Working hours round the clock, so the pinned hour never makes the booking itself refused.
    for person in (mike, sarah, alex):
        person.work_start, person.work_end = dt.time(0, 0), dt.time(23, 59)
        person.save()
    order = WorkOrderFactory(
        title="Install 12 cameras and an NVR",
        job_type="installation",
        assigned_technician=mike,
        scheduled_for=timezone.make_aware(dt.datetime.combine(today, dt.time(0, 15))),
        estimated_minutes=360,
        customer__preferred_schedule_start=None,
        customer__preferred_schedule_end=None,
    )
    dispatch_services.helper_add(work_order=order, technician=sarah, actor=OFFICE)
    visit = dispatch_services.visit_add(
        work_order=order,
        actor=OFFICE,
        starts_at=timezone.make_aware(dt.datetime.combine(today + dt.timedelta(days=1), dt.time(9))),
        lead=alex,
        helpers=[sarah],
        estimated_minutes=240,
    )
    other = WorkOrderFactory(title="Someone else's job", assigned_technician=TechnicianFactory())
    return {"order": order, "visit": visit, "mike": mike, "sarah": sarah, "alex": alex, "other": other}


def test_each_helper_sees_the_visit_on_my_day_with_who_leads_it(crew):
    order = crew["order"]
    sarah_day = my_day(crew["sarah"])
    assert [(o.pk, o.crew) for o in sarah_day.orders] == [(order.pk, "Helping Mike Johnson")]
    assert [(o.pk, o.crew, o.visit_at) for o in sarah_day.tomorrow] == [
        (order.pk, "Helping Alex Kim", crew["visit"].starts_at)
    ]
    alex_day = my_day(crew["alex"])
    assert alex_day.orders == []
    assert [(o.pk, o.crew) for o in alex_day.tomorrow] == [(order.pk, "Later visit: you lead")]
    mike_day = my_day(crew["mike"])
    assert [(o.pk, o.crew) for o in mike_day.orders] == [(order.pk, "With Sarah Lee")]


def test_the_pages_show_the_crew_and_let_helpers_open_the_job(client, crew):
    order = crew["order"]
    client.force_login(crew["alex"].user)
    home = client.get("/tech/").content.decode()
    assert f'href="/tech/jobs/{order.pk}/"' in home and "Later visit: you lead" in home
    page = client.get(f"/tech/jobs/{order.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert (
        "Visits and crew" in body and "Mike Johnson (lead)" in body and "<strong>you</strong> (lead)" in body
    )
    # A job they are not on does not exist for them.
    assert client.get(f"/tech/jobs/{crew['other'].pk}/").status_code == 404


def test_a_helpers_steps_are_their_own_activity_and_only_the_lead_completes(client, crew):
    order, mike, sarah = crew["order"], crew["mike"], crew["sarah"]
    services.clock_in(technician=sarah, truck=TruckFactory())
    client.force_login(sarah.user)
    for step in ("travel-start", "arrive", "work-start"):
        response = client.post(f"/tech/jobs/{order.pk}/{step}/", {"idempotency_key": str(uuid.uuid4())})
        assert response.status_code in (200, 302), step
    rows = TechnicianActivity.objects.filter(work_order=order).order_by("created_at", "sequence")
    assert {technician for technician, _ in rows.values_list("technician_id", "activity_type")} == {sarah.pk}
    kinds = list(rows.values_list("activity_type", flat=True))
    assert [k for k in kinds if k != ActivityType.TRAVEL_END] == [
        ActivityType.TRAVEL_START,
        ActivityType.ARRIVED_ON_SITE,
        ActivityType.WORK_STARTED,
    ]
    assert technician_state(mike).state == "off"
    refusal = check(technician_state(sarah), Step.COMPLETE, order)
    assert refusal and "its lead completes it" in refusal
    response = client.post(
        f"/tech/jobs/{order.pk}/complete/",
        {"idempotency_key": str(uuid.uuid4()), "note": "Mounted four cameras", "confirm": "1"},
    )
    assert response.status_code in (302, 409, 422)
    order.refresh_from_db()
    assert order.status == "in_progress"
    assert not TechnicianActivity.objects.filter(activity_type=ActivityType.WORK_COMPLETED).exists()
    services.job_pause(technician=sarah, work_order=order)
    services.job_leave(technician=sarah, work_order=order)
    # Her hours are on her own timesheet; Mike, who never clocked in, has none.
    sheet = {row.technician.pk: row for row in timesheet_week(week_start_of(clock.localdate()))}
    assert sarah.pk in sheet and mike.pk not in sheet


def test_a_later_visits_lead_may_complete_the_job(crew):
    import time_machine

    order, alex = crew["order"], crew["alex"]
    with time_machine.travel(crew["visit"].starts_at, tick=True):
        services.clock_in(technician=alex, truck=TruckFactory())
        for step in (services.job_travel_start, services.job_arrive, services.job_work_start):
            step(technician=alex, work_order=order)
        assert check(technician_state(alex), Step.COMPLETE, order) is None


def test_the_voice_agent_knows_a_helpers_job(crew):
    from fieldops.agent.dialogue import respond

    order, sarah = crew["order"], crew["sarah"]
    services.clock_in(technician=sarah, truck=TruckFactory())
    turn = respond(technician=sarah, text="what's my next job")
    assert f"#{order.pk}" in turn.reply or order.title in turn.reply
    respond(technician=sarah, text=f"start travel to job {order.pk}")
    assert technician_state(sarah).work_order_id == order.pk


def test_a_crews_time_on_site_is_paired_per_person_and_split_on_the_order_page(office_client, crew):
    import time_machine

    from fieldops.selectors import work_order_field_times

    order, mike, sarah = crew["order"], crew["mike"], crew["sarah"]
    # In UTC, so that minutes added are real minutes on a day the clocks change, too.
    start = timezone.make_aware(dt.datetime.combine(clock.localdate(), dt.time(1))).astimezone(dt.UTC)
    # Mike arrives at 1:00 and leaves at 4:00; Sarah is there from 1:10 to 3:00: her departure must
    # not close his stay (paired over everyone, the sum would be 1:00-3:00 + 1:10-4:00 or worse).
    steps = [
        (0, mike, services.clock_in),
        (0, sarah, services.clock_in),
        (0, mike, services.job_travel_start),
        (0, sarah, services.job_travel_start),
        (0, mike, services.job_arrive),
        (10, sarah, services.job_arrive),
        (120, sarah, services.job_leave),
        (180, mike, services.job_leave),
    ]
    for minutes, person, step in steps:
        with time_machine.travel(start + dt.timedelta(minutes=minutes), tick=False):
            if step is services.clock_in:
                step(technician=person, truck=TruckFactory())
            else:
                step(technician=person, work_order=order)
    fetched = type(order).objects.prefetch_related("activities", "travel_logs").get(pk=order.pk)
    times = work_order_field_times(fetched)
    split = {technician: on_site for technician, on_site, _ in times.people}
    assert split == {mike.pk: dt.timedelta(hours=3), sarah.pk: dt.timedelta(minutes=110)}
    assert times.on_site == dt.timedelta(minutes=290) and not times.on_site_now
    page = office_client.get(f"/office/work-orders/{order.pk}/").content.decode()
    from dispatch import formatting

    split_text = f"Mike Johnson {formatting.duration(dt.timedelta(hours=3))}, "
    split_text += f"Sarah Lee {formatting.duration(dt.timedelta(minutes=110))}"
    assert split_text in page, page.split("On site")[1][:300]


def test_a_crew_members_steps_open_on_the_day_of_their_own_visit(crew):
    from dispatch import formatting

    order, alex, sarah = crew["order"], crew["alex"], crew["sarah"]
    services.clock_in(technician=alex, truck=TruckFactory())
    refusal = check(technician_state(alex), Step.TRAVEL_START, order)
    tomorrow = formatting.day_text(clock.localdate() + dt.timedelta(days=1))
    assert refusal and f"booked for {tomorrow}" in refusal
    # Sarah helps today as well as tomorrow: her steps are open.
    services.clock_in(technician=sarah, truck=TruckFactory())
    assert check(technician_state(sarah), Step.TRAVEL_START, order) is None


def test_a_step_on_a_later_visit_names_it_and_a_begun_visit_stays(crew):
    import time_machine
    from django.core.exceptions import ValidationError

    order, visit, alex, sarah = crew["order"], crew["visit"], crew["alex"], crew["sarah"]
    services.clock_in(technician=sarah, truck=TruckFactory())
    services.job_travel_start(technician=sarah, work_order=order)
    today = TechnicianActivity.objects.get(technician=sarah, activity_type=ActivityType.TRAVEL_START)
    assert today.visit is None  # her visit today is the order's first
    with time_machine.travel(visit.starts_at, tick=True):
        services.clock_in(technician=alex, truck=TruckFactory())
        services.job_travel_start(technician=alex, work_order=order)
    step = TechnicianActivity.objects.get(technician=alex, activity_type=ActivityType.TRAVEL_START)
    assert step.visit == visit and step.work_order == order
    with pytest.raises(ValidationError, match="This visit has begun"):
        dispatch_services.visit_remove(visit=visit, actor=OFFICE)
    assert visit.__class__.objects.filter(pk=visit.pk).exists()


def test_a_helpers_phone_hears_of_a_crew_change(crew):
    from fieldops.live import live_summary

    alex, order = crew["alex"], crew["order"]
    before = live_summary(alex).fingerprint
    dispatch_services.visit_remove(visit=crew["visit"], actor=OFFICE)
    removed = live_summary(alex).fingerprint
    assert removed != before  # taken off the job: his My day must refresh
    before = removed
    sarah_before = live_summary(crew["sarah"]).fingerprint
    dispatch_services.visit_add(
        work_order=order,
        actor=OFFICE,
        starts_at=crew["visit"].starts_at,
        lead=alex,
        helpers=[crew["sarah"]],
        estimated_minutes=120,
    )
    assert live_summary(crew["sarah"]).fingerprint != sarah_before
    assert live_summary(alex).fingerprint != before


def test_completing_with_a_visit_ahead_is_refused_and_helpers_with_steps_stay(crew):
    from django.core.exceptions import ValidationError

    order, mike, sarah = crew["order"], crew["mike"], crew["sarah"]
    services.clock_in(technician=mike, truck=TruckFactory())
    for step in (services.job_travel_start, services.job_arrive, services.job_work_start):
        step(technician=mike, work_order=order)
    refusal = check(technician_state(mike), Step.COMPLETE, order)
    assert refusal and "has another visit on" in refusal
    with pytest.raises(ValidationError, match="has another visit on"):
        dispatch_services.work_order_change_status(work_order=order, status="completed", actor=OFFICE)
    order.refresh_from_db()
    assert order.status == "in_progress"
    # Sarah has begun: she stays on the first visit.
    services.clock_in(technician=sarah, truck=TruckFactory())
    services.job_travel_start(technician=sarah, work_order=order)
    helper = order.helpers.get(technician=sarah, visit__isnull=True)
    with pytest.raises(ValidationError, match="has begun on this visit"):
        dispatch_services.helper_remove(helper=helper, actor=OFFICE)
    # Back to the tray is refused while the job has a crew.
    with pytest.raises(ValidationError, match="This job has a crew"):
        dispatch_services.work_order_schedule(
            work_order=order, actor=OFFICE, technician=None, scheduled_for=order.scheduled_for
        )
