"""Job lengths and capacity: the interval rules, a job's length, technicians' hours, the optional cap,
the resize service and form, and the board drawing cards by length with overruns and delays."""

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from dispatch.models import JobType, JobTypeDuration, Technician, WorkOrderHistory, WorkOrderStatus
from dispatch.scheduling import (
    DEFAULT_DURATION,
    duration_of,
    durations_of,
    max_jobs_per_day,
    schedule_refusals,
    work_hours,
)
from dispatch.services import Actor, work_order_resize, work_order_schedule, work_order_update
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

DAY = dt.date(2030, 3, 12)  # a Tuesday
H = dt.timedelta(hours=1)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def alex(**hours) -> Technician:
    return Technician(pk=1, name="Alex Rodriguez", active=True, **hours)


def refusals(start, minutes, jobs=(), technician=None):
    return schedule_refusals(
        technician=technician or alex(),
        start=start,
        duration=dt.timedelta(minutes=minutes),
        same_day_jobs=list(jobs),
    )


# The interval rules (pure) ---------------------------------------------------------------


def test_back_to_back_jobs_are_allowed_and_a_one_minute_overlap_is_refused():
    booked = [(at(9), at(11))]
    assert refusals(at(11), 60, booked) == []
    assert refusals(at(8), 60, booked) == []  # ends exactly when the other starts
    overlap = refusals(at(10, 59), 60, booked)
    assert overlap == [
        "Alex Rodriguez already has a job from 9:00 AM to 11:00 AM that this one "
        "(10:59 AM–11:59 AM) would overlap."
    ]
    assert refusals(at(8, 1), 60, booked)  # its last minute runs into the 9:00 job


def test_a_long_job_is_refused_across_a_short_one_inside_it():
    assert refusals(at(8), 360, [(at(10), at(10, 30))])


def test_a_job_ending_exactly_at_the_end_of_work_is_allowed_and_a_minute_later_is_refused():
    assert refusals(at(16, 30), 30) == []
    assert refusals(at(11), 360) == []
    assert refusals(at(14), 360) == [
        "A 6 h job at 2:00 PM would run until 8:00 PM: Alex's working hours are 7:00 AM to 5:00 PM."
    ]
    assert refusals(at(16, 31), 30)
    assert refusals(at(6, 45), 30) == [
        "A 30 min job can't start at 6:45 AM: Alex's working hours are 7:00 AM to 5:00 PM."
    ]


def test_a_technicians_own_hours_replace_the_company_hours():
    early = alex(work_start=dt.time(6), work_end=dt.time(14))
    assert work_hours(early) == (dt.time(6), dt.time(14))
    assert refusals(at(6), 60, technician=early) == []
    assert refusals(at(13), 90, technician=early) == [
        "A 1 h 30 min job at 1:00 PM would run until 2:30 PM: Alex's working hours are 6:00 AM to 2:00 PM."
    ]
    # Only one end set: the other is the company's.
    assert work_hours(alex(work_end=dt.time(15))) == (dt.time(7), dt.time(15))


def test_the_company_hours_come_from_the_settings(settings):
    settings.TECHFLOW_WORK_START, settings.TECHFLOW_WORK_END = "08:00", "18:30"
    assert work_hours(alex()) == (dt.time(8), dt.time(18, 30))
    assert refusals(at(17, 30), 60) == []
    assert refusals(at(7, 30), 60)


@pytest.mark.parametrize("cap", [None, 0])
def test_with_no_cap_a_day_takes_as_many_jobs_as_fit(settings, cap):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = cap
    assert max_jobs_per_day() is None
    day = [(at(7) + i * H / 2, at(7) + (i + 1) * H / 2) for i in range(19)]  # 7:00 to 4:30, half-hour jobs
    assert refusals(at(16, 30), 30, day) == []


def test_the_cap_still_refuses_when_set(settings):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = 2
    reasons = refusals(at(15), 30, [(at(8), at(9)), (at(10), at(11))])
    assert reasons == ["Alex Rodriguez already has 2 jobs on Tue Mar 12, 2030; the limit is 2."]


# A job's length ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_job_types_have_their_seeded_lengths_and_an_estimate_wins():
    assert dict(JobTypeDuration.objects.values_list("job_type", "minutes")) == {
        "installation": 360,
        "upgrade": 180,
        "maintenance": 90,
        "repair": 60,
    }
    install = WorkOrderFactory(job_type=JobType.INSTALLATION, estimated_minutes=None)
    call = WorkOrderFactory(job_type=JobType.REPAIR, estimated_minutes=30)
    untyped = WorkOrderFactory(job_type=None, estimated_minutes=None)
    assert duration_of(install) == 6 * H
    assert duration_of(call) == dt.timedelta(minutes=30)
    assert duration_of(untyped) == DEFAULT_DURATION


@pytest.mark.django_db
def test_many_orders_lengths_take_one_query(django_assert_num_queries):
    orders = [
        WorkOrderFactory(job_type=t, estimated_minutes=None)
        for t in (JobType.INSTALLATION, JobType.MAINTENANCE, JobType.REPAIR)
    ]
    with django_assert_num_queries(1):
        lengths = durations_of(orders)
    assert [lengths[o.pk] for o in orders] == [6 * H, 90 * H / 60, H]


@pytest.mark.django_db
@pytest.mark.parametrize("minutes", [0, 10, 20, 735, 800])
def test_an_estimate_off_the_quarter_hours_or_out_of_range_is_refused_in_words(minutes):
    order = WorkOrderFactory.build(estimated_minutes=minutes, customer=None, assigned_technician=None)
    with pytest.raises(ValidationError) as error:
        order.full_clean(exclude=["customer"])
    assert "15 minutes to 12 hours" in " ".join(error.value.messages)


# The services ----------------------------------------------------------------------------


@pytest.fixture
def actor(office_user):
    return Actor.for_user(office_user)


@pytest.mark.django_db
def test_a_six_hour_install_blocks_the_afternoon_and_a_half_hour_call_fits_after_it(actor, settings):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = 0
    tech = TechnicianFactory(name="Alex Rodriguez")
    customer = CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=None)
    WorkOrderFactory(
        assigned_technician=tech, scheduled_for=at(8), job_type=JobType.INSTALLATION, estimated_minutes=None
    )
    call = WorkOrderFactory(
        customer=customer,
        assigned_technician=None,
        scheduled_for=None,
        status="pending",
        estimated_minutes=30,
    )
    with pytest.raises(ValidationError) as error:
        work_order_schedule(work_order=call, actor=actor, technician=tech, scheduled_for=at(13, 45))
    assert "from 8:00 AM to 2:00 PM" in " ".join(error.value.messages)
    work_order_schedule(work_order=call, actor=actor, technician=tech, scheduled_for=at(14))
    call.refresh_from_db()
    assert call.status == WorkOrderStatus.SCHEDULED and call.scheduled_for == at(14)


@pytest.mark.django_db
def test_resizing_records_the_change_and_a_refused_length_changes_nothing(actor):
    tech = TechnicianFactory(name="Alex Rodriguez")
    first = WorkOrderFactory(assigned_technician=tech, scheduled_for=at(8), estimated_minutes=120)
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(13), estimated_minutes=60)
    work_order_resize(work_order=first, actor=actor, minutes=300, expected_version=first.version)
    first.refresh_from_db()
    assert first.estimated_minutes == 300 and first.version == 2
    row = WorkOrderHistory.objects.get(work_order=first, field_changed="estimated_minutes")
    assert (row.old_value, row.new_value, row.changed_by_type) == ("120", "300", "office")
    with pytest.raises(ValidationError) as error:
        work_order_resize(work_order=first, actor=actor, minutes=330, expected_version=first.version)
    text = " ".join(error.value.messages)
    assert "can't take 5 h 30 min" in text and "from 1:00 PM to 2:00 PM" in text
    first.refresh_from_db()
    assert first.estimated_minutes == 300 and first.version == 2


@pytest.mark.django_db
def test_changing_the_job_type_of_a_booked_order_rechecks_its_length(actor):
    tech = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=tech, scheduled_for=at(14), estimated_minutes=None)
    with pytest.raises(ValidationError) as error:
        work_order_update(work_order=order, actor=actor, job_type=JobType.INSTALLATION)
    assert "would run until 8:00 PM" in " ".join(error.value.messages)
    order.refresh_from_db()
    assert order.job_type == JobType.MAINTENANCE


@pytest.mark.django_db
def test_a_stale_or_closed_resize_is_refused(actor):
    order = WorkOrderFactory(scheduled_for=at(9))
    with pytest.raises(ValidationError):
        work_order_resize(work_order=order, actor=actor, minutes=60, expected_version=order.version + 1)
    done = WorkOrderFactory(status=WorkOrderStatus.COMPLETED, scheduled_for=at(9))
    with pytest.raises(ValidationError) as error:
        work_order_resize(work_order=done, actor=actor, minutes=60)
    assert "its length can't change" in " ".join(error.value.messages)


# The views -------------------------------------------------------------------------------


def _resize(client, order, minutes, **extra):
    data = {"work_order": order.pk, "version": order.version, "minutes": minutes, "date": DAY.isoformat()}
    return client.post("/office/board/resize/", {**data, **extra}, headers={"HX-Request": "true"})


@pytest.mark.django_db
def test_the_board_resize_posts_change_the_length_or_say_why_not(office_client):
    tech = TechnicianFactory(name="Alex Rodriguez")
    order = WorkOrderFactory(assigned_technician=tech, scheduled_for=at(15), title="Panel swap")
    response = _resize(office_client, order, 90)
    assert response.status_code == 200
    assert "Panel swap now takes 1 h 30 min." in response.content.decode()
    order.refresh_from_db()
    refused = _resize(office_client, order, 180)
    assert refused.status_code == 422
    body = refused.content.decode()
    assert "Not changed." in body and "would run until 6:00 PM" in body
    order.refresh_from_db()
    assert order.estimated_minutes == 90
    for bad in ("", "abc", "-15", "25", "7200"):
        assert _resize(office_client, order, bad).status_code in (400, 422), bad


@pytest.mark.django_db
def test_the_board_resize_is_for_the_office_only(client, django_user_model):
    order = WorkOrderFactory(scheduled_for=at(9))
    assert _resize(client, order, 60).status_code in (302, 401, 403)
    user = django_user_model.objects.create_user("tech1", password="x")
    TechnicianFactory(user=user)
    client.force_login(user)
    assert _resize(client, order, 60).status_code == 403
    order.refresh_from_db()
    assert order.estimated_minutes == 120


@pytest.mark.django_db
def test_the_work_order_form_edits_the_estimate_with_a_clear_message(office_client):
    order = WorkOrderFactory(scheduled_for=at(9))
    data = {
        "version": order.version,
        "title": order.title,
        "job_type": order.job_type,
        "brief_description": order.brief_description,
        "full_summary": "",
    }
    bad = office_client.post(f"/office/work-orders/{order.pk}/edit/", {**data, "estimated_minutes": "50"})
    assert bad.status_code == 422 and "in steps of 15 minutes" in bad.content.decode()
    ok = office_client.post(f"/office/work-orders/{order.pk}/edit/", {**data, "estimated_minutes": "45"})
    assert ok.status_code in (200, 302)
    order.refresh_from_db()
    assert order.estimated_minutes == 45
    office_client.post(f"/office/work-orders/{order.pk}/edit/", {**data, "version": order.version})
    order.refresh_from_db()
    assert order.estimated_minutes is None  # empty: back to the job type's length


@pytest.mark.django_db
def test_technician_hours_are_edited_on_the_technician_page(office_client):
    tech = TechnicianFactory(name="Alex Rodriguez", phone="555-0100")
    data = {"name": tech.name, "phone": tech.phone, "active": "on"}
    bad = office_client.post(
        f"/office/technicians/{tech.pk}/edit/", {**data, "work_start": "16:00", "work_end": "08:00"}
    )
    assert bad.status_code == 422 and "later than its start" in bad.content.decode()
    office_client.post(
        f"/office/technicians/{tech.pk}/edit/", {**data, "work_start": "06:00", "work_end": "14:30"}
    )
    tech.refresh_from_db()
    assert (tech.work_start, tech.work_end) == (dt.time(6), dt.time(14, 30))


@pytest.mark.django_db
def test_the_day_board_draws_cards_by_length_and_shows_an_overrun_and_the_delay(client, office_user):
    tech = TechnicianFactory(name="Alex Rodriguez")
    install = WorkOrderFactory(
        assigned_technician=tech, scheduled_for=at(7), estimated_minutes=None, job_type=JobType.INSTALLATION
    )
    running = WorkOrderFactory(
        assigned_technician=tech, scheduled_for=at(13, 30), estimated_minutes=30, status="in_progress"
    )
    later = WorkOrderFactory(assigned_technician=tech, scheduled_for=at(14, 30), estimated_minutes=60)
    with time_machine.travel(at(14, 40), tick=False):
        client.force_login(office_user)  # a session from the pinned clock has expired by then
        html = client.get(f"/office/board/?date={DAY}").content.decode()
    card = lambda o: html.split(f'id="card-{o.pk}"')[0].rsplit("<div", 1)[1]  # noqa: E731
    assert "q-24 o-0 pq-24" in card(install)  # 6 h = 24 quarter hours
    assert "q-5 o-2 pq-2" in card(running) and "overrun" in card(running)  # 1:30 to now (2:40)
    assert "Running 40 min over (planned to end 2:00 PM)" in html
    assert "+10 min" in html.split(f'id="card-{later.pk}"')[1].split('class="wo-card')[0]
    assert f'data-id="{install.pk}"' in html and "6 h" in html


@pytest.mark.parametrize(
    "start, minutes, jobs, active, named",
    [
        (at(9), 60, [], True, []),
        (at(6), 60, [], True, ["hours"]),
        (at(16, 30), 60, [(at(9), at(10))], True, ["hours"]),
        (at(9, 30), 60, [(at(9), at(10))], False, ["inactive", "overlap"]),
        (at(6, 30), 60, [(at(6), at(7))], True, ["hours", "overlap"]),
    ],
)
def test_the_unworded_refusals_name_the_same_rules_the_worded_ones_say(start, minutes, jobs, active, named):
    """The suggestions ask for the words of their first two refusals only (explain=False after):
    the rules refused are the same, in the same order, whichever way they are asked for."""
    technician = alex()
    technician.active = active
    kwargs = dict(
        technician=technician, start=start, duration=dt.timedelta(minutes=minutes), same_day_jobs=jobs
    )
    worded = schedule_refusals(**kwargs)
    assert schedule_refusals(**kwargs, explain=False) == named
    assert len(worded) == len(named) and all(len(text) > 20 for text in worded)
    if "overlap" in named:
        assert "would overlap" in worded[named.index("overlap")]


def test_the_company_hours_are_read_once_and_again_when_the_setting_changes(settings):
    from dispatch.scheduling import company_hours

    settings.TECHFLOW_WORK_START, settings.TECHFLOW_WORK_END = "07:00", "17:00"
    assert company_hours() == (dt.time(7), dt.time(17))
    settings.TECHFLOW_WORK_START = "06:30"
    assert company_hours() == (dt.time(6, 30), dt.time(17))
