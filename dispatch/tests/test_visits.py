"""Visits and crews: a work order's later visits and the helpers on any visit, booked by the same
rules as the order itself (dispatch.services.visit_add and friends, dispatch.scheduling.crew_rows)."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from dispatch import scheduling, services
from dispatch.models import Skill, Visit, VisitHelper, WorkOrder, WorkOrderHistory, WorkOrderStatus
from dispatch.selectors import order_visits
from dispatch.services import Actor
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, VisitFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

OFFICE = Actor("office", 1)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def days(now):
    """The next two weekdays after the pinned day: an install on the first, its second day on the next."""
    day = timezone.localdate(now) + dt.timedelta(days=1)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    second = day + dt.timedelta(days=1)
    while second.weekday() >= 5:
        second += dt.timedelta(days=1)
    return day, second


@pytest.fixture
def install(days):
    """A six-hour camera install led by Mike, booked 8:00 on the first day."""
    first, _ = days
    mike = TechnicianFactory(name="Mike Johnson")
    customer = CustomerFactory(
        name="Riverside Dental", preferred_schedule_start=None, preferred_schedule_end=None
    )
    order = WorkOrderFactory(
        title="Install 12 cameras and an NVR",
        customer=customer,
        job_type="installation",
        assigned_technician=mike,
        scheduled_for=_at(first, 8),
        estimated_minutes=360,
    )
    return order


def test_a_second_day_with_a_helper_is_booked_recorded_and_listed(install, days):
    _, second = days
    sarah = TechnicianFactory(name="Sarah Lee")
    version = install.version
    visit = services.visit_add(
        work_order=install,
        actor=OFFICE,
        starts_at=_at(second, 8),
        lead=install.assigned_technician,
        estimated_minutes=240,
        helpers=[sarah],
    )
    assert VisitHelper.objects.get(visit=visit).technician == sarah
    install.refresh_from_db()
    # The seed's columns stay the first visit's.
    assert install.scheduled_for == _at(days[0], 8)
    assert install.version == version + 1
    row = WorkOrderHistory.objects.get(work_order=install, field_changed="visit")
    assert "4 h, led by Mike Johnson, helped by Sarah Lee" in row.new_value
    assert row.changed_by_type == "office"
    visits = order_visits(install)
    assert [(v.number, v.duration, v.lead.name, [h.name for h in v.helpers]) for v in visits] == [
        (1, dt.timedelta(hours=6), "Mike Johnson", []),
        (2, dt.timedelta(hours=4), "Mike Johnson", ["Sarah Lee"]),
    ]


def test_a_helper_is_booked_by_the_rules_so_their_time_is_not_offered_twice(install, days):
    first, _ = days
    sarah = TechnicianFactory(name="Sarah Lee")
    services.helper_add(work_order=install, technician=sarah, actor=OFFICE)
    other = WorkOrderFactory(assigned_technician=None, scheduled_for=None, status=WorkOrderStatus.PENDING)
    with pytest.raises(ValidationError) as error:
        services.work_order_schedule(
            work_order=other,
            actor=OFFICE,
            technician=sarah,
            scheduled_for=_at(first, 10),
            override_window=True,
        )
    assert "Sarah Lee already has a job from 8:00 AM to 2:00 PM" in " ".join(error.value.messages)
    other.refresh_from_db()
    assert other.assigned_technician is None
    # After the install she is free.
    services.work_order_schedule(
        work_order=other, actor=OFFICE, technician=sarah, scheduled_for=_at(first, 14), override_window=True
    )
    # The suggestions and the planner read the same bookings.
    busy = [
        (t, s, e) for t, s, e in scheduling.booked_jobs(first, first + dt.timedelta(days=1)) if t == sarah.pk
    ]
    assert (sarah.pk, _at(first, 8), _at(first, 14)) in busy


def test_a_later_visit_must_fit_its_lead_and_every_helper(install, days):
    _, second = days
    mike, sarah = install.assigned_technician, TechnicianFactory(name="Sarah Lee")
    WorkOrderFactory(assigned_technician=sarah, scheduled_for=_at(second, 9), estimated_minutes=60)
    with pytest.raises(ValidationError) as error:
        services.visit_add(
            work_order=install,
            actor=OFFICE,
            starts_at=_at(second, 8),
            lead=mike,
            helpers=[sarah],
            estimated_minutes=240,
        )
    assert error.value.messages[0] == "Sarah Lee can't help then:"
    assert not Visit.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.visit_add(
            work_order=install, actor=OFFICE, starts_at=_at(second, 15), lead=mike, estimated_minutes=240
        )
    assert "would run until 7:00 PM" in " ".join(error.value.messages)
    assert not Visit.objects.exists()


@pytest.mark.parametrize(
    "case",
    ["before the first", "lead is a helper", "unbooked", "completed", "bad length"],
)
def test_a_visit_that_makes_no_sense_is_refused_with_a_reason(install, days, case):
    first, second = days
    mike = install.assigned_technician
    kwargs = {"work_order": install, "actor": OFFICE, "starts_at": _at(second, 8), "lead": mike}
    expected = {
        "before the first": "starts after the first one",
        "lead is a helper": "leads this visit, so can't also be a helper",
        "unbooked": "first visit (a technician and a time) before a later one",
        "completed": "is completed; its visits can't change",
        "bad length": "15",
    }[case]
    if case == "before the first":
        kwargs["starts_at"] = _at(first, 7)
    elif case == "lead is a helper":
        kwargs["helpers"] = [mike]
    elif case == "unbooked":
        WorkOrder.objects.filter(pk=install.pk).update(
            assigned_technician=None, status=WorkOrderStatus.PENDING
        )
    elif case == "completed":
        WorkOrder.objects.filter(pk=install.pk).update(status=WorkOrderStatus.COMPLETED)
    elif case == "bad length":
        kwargs["estimated_minutes"] = 7
    with pytest.raises(ValidationError) as error:
        services.visit_add(**kwargs)
    assert expected in " ".join(error.value.messages)
    assert not Visit.objects.exists()
    assert not WorkOrderHistory.objects.filter(field_changed="visit").exists()


def test_moving_the_first_visit_takes_its_helpers_along_and_checks_them(install, days):
    first, second = days
    sarah = TechnicianFactory(name="Sarah Lee")
    services.helper_add(work_order=install, technician=sarah, actor=OFFICE)
    WorkOrderFactory(assigned_technician=sarah, scheduled_for=_at(second, 8), estimated_minutes=120)
    with pytest.raises(ValidationError) as error:
        services.work_order_schedule(
            work_order=install,
            actor=OFFICE,
            technician=install.assigned_technician,
            scheduled_for=_at(second, 8),
        )
    assert error.value.messages[0] == "Sarah Lee helps on this visit:"
    install.refresh_from_db()
    assert install.scheduled_for == _at(first, 8)
    # Within the same day she is free: her own row for this visit is not in the way.
    services.work_order_schedule(
        work_order=install, actor=OFFICE, technician=install.assigned_technician, scheduled_for=_at(first, 9)
    )
    busy = scheduling.crew_rows(first, first + dt.timedelta(days=1), technician=sarah)
    assert [(row[1], row[6]) for row in busy] == [(_at(first, 9), "helper")]


def test_the_first_visit_stays_before_the_later_ones_and_its_lead_is_not_its_helper(install, days):
    first, second = days
    sarah = TechnicianFactory(name="Sarah Lee")
    services.visit_add(
        work_order=install, actor=OFFICE, starts_at=_at(second, 8), lead=install.assigned_technician
    )
    with pytest.raises(ValidationError, match="the first visit comes before it"):
        services.work_order_schedule(
            work_order=install,
            actor=OFFICE,
            technician=install.assigned_technician,
            scheduled_for=_at(second + dt.timedelta(days=1), 8),
        )
    services.helper_add(work_order=install, technician=sarah, actor=OFFICE)
    with pytest.raises(ValidationError, match="is helping on this visit"):
        services.work_order_schedule(
            work_order=install, actor=OFFICE, technician=sarah, scheduled_for=_at(first, 8)
        )


def test_a_helper_is_added_once_not_as_the_lead_and_removed_on_the_record(install):
    sarah = TechnicianFactory(name="Sarah Lee")
    helper = services.helper_add(work_order=install, technician=sarah, actor=OFFICE)
    with pytest.raises(ValidationError, match="already helping"):
        services.helper_add(work_order=install, technician=sarah, actor=OFFICE)
    with pytest.raises(ValidationError, match="leads this visit"):
        services.helper_add(work_order=install, technician=install.assigned_technician, actor=OFFICE)
    services.helper_remove(helper=helper, actor=OFFICE)
    assert not VisitHelper.objects.exists()
    texts = list(
        WorkOrderHistory.objects.filter(field_changed="helper")
        .order_by("id")
        .values_list("old_value", "new_value")
    )
    assert [bool(old) for old, _ in texts] == [False, True]
    assert (
        "Sarah Lee helps on the visit of" in texts[0][1] and "Sarah Lee helped on the visit of" in texts[1][0]
    )


def test_the_jobs_skills_are_asked_of_the_lead_not_of_a_helper(install, days):
    _, second = days
    ptz = Skill.objects.create(name="PTZ")
    from dispatch.models import JobTypeSkill

    JobTypeSkill.objects.create(job_type="installation", skill=ptz)
    install.assigned_technician.skills.add(ptz)
    novice, other_lead = TechnicianFactory(name="Nina Novice"), TechnicianFactory(name="Alex Kim")
    services.visit_add(
        work_order=install,
        actor=OFFICE,
        starts_at=_at(second, 8),
        lead=install.assigned_technician,
        helpers=[novice],
    )
    with pytest.raises(services.MissingSkill):
        services.visit_add(
            work_order=install,
            actor=OFFICE,
            starts_at=_at(second, 14),
            lead=other_lead,
            estimated_minutes=120,
        )
    services.visit_add(
        work_order=install,
        actor=OFFICE,
        starts_at=_at(second, 14),
        lead=other_lead,
        override_skills=True,
        estimated_minutes=120,
    )
    assert WorkOrderHistory.objects.filter(work_order=install, field_changed="skill_override").count() == 1


def test_a_removed_visit_frees_its_crew_and_a_cancelled_order_books_nobody(install, days):
    _, second = days
    sarah = TechnicianFactory(name="Sarah Lee")
    visit = services.visit_add(
        work_order=install,
        actor=OFFICE,
        starts_at=_at(second, 8),
        lead=install.assigned_technician,
        helpers=[sarah],
    )
    after = second + dt.timedelta(days=1)
    assert len(scheduling.crew_rows(second, after)) == 2
    services.visit_remove(visit=visit, actor=OFFICE)
    assert scheduling.crew_rows(second, after) == []
    assert WorkOrderHistory.objects.filter(
        field_changed="visit", old_value__contains="led by Mike Johnson"
    ).exists()
    services.helper_add(work_order=install, technician=sarah, actor=OFFICE)
    WorkOrder.objects.filter(pk=install.pk).update(status=WorkOrderStatus.CANCELLED)
    assert scheduling.crew_rows(days[0], after) == []


# The office's order page


def _detail(office_client, order) -> str:
    return office_client.get(f"/office/work-orders/{order.pk}/").content.decode()


def test_the_office_adds_a_second_day_with_a_helper_from_the_order_page(office_client, install, days):
    _, second = days
    sarah = TechnicianFactory(name="Sarah Lee")
    page = _detail(office_client, install)
    assert "Visits and crew" in page and "Add a visit" in page and "Add a helper" in page
    response = office_client.post(
        f"/office/work-orders/{install.pk}/visits/",
        {
            "starts_at": f"{second.isoformat()}T08:00",
            "estimated_minutes": "240",
            "lead": install.assigned_technician.pk,
            "helpers": [sarah.pk],
        },
    )
    assert response.status_code == 302
    visit = Visit.objects.get(work_order=install)
    assert visit.starts_at == _at(second, 8) and visit.estimated_minutes == 240
    page = _detail(office_client, install)
    assert 'id="visit-2"' in page and "Sarah Lee" in page
    assert "Visit added" in page  # on the timeline, in words
    # Take Sarah off, then the visit.
    helper = VisitHelper.objects.get(visit=visit)
    assert (
        office_client.post(f"/office/work-orders/{install.pk}/helpers/{helper.pk}/remove/").status_code == 302
    )
    assert (
        office_client.post(f"/office/work-orders/{install.pk}/visits/{visit.pk}/remove/").status_code == 302
    )
    assert not Visit.objects.exists() and not VisitHelper.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"starts_at": "not a time", "lead": "LEAD"}, "Starts"),
        ({"starts_at": "SECOND", "lead": ""}, "This field is required"),
        (
            {"starts_at": "SECOND", "lead": "LEAD", "estimated_minutes": "7"},
            "not an estimate the board can book",
        ),
        ({"starts_at": "FIRST", "lead": "LEAD"}, "starts after the first one"),
    ],
)
def test_a_bad_visit_is_a_422_with_the_reason_and_saves_nothing(office_client, install, days, data, message):
    first, second = days
    values = {
        "LEAD": str(install.assigned_technician.pk),
        "SECOND": f"{second.isoformat()}T08:00",
        "FIRST": f"{first.isoformat()}T07:00",
    }
    data = {key: values.get(value, value) for key, value in data.items()}
    response = office_client.post(
        f"/office/work-orders/{install.pk}/visits/", data, headers={"HX-Request": "true"}
    )
    assert response.status_code == 422
    assert not Visit.objects.exists()
    body = response.content.decode()
    assert 'id="panel-visit"' in body and "open" in body.split('id="panel-visit"')[0][-20:]
    assert message in body
    install.refresh_from_db()
    assert install.scheduled_for == _at(first, 8)


def test_a_helper_who_is_busy_is_refused_with_the_reason(office_client, install, days):
    first, _ = days
    sarah = TechnicianFactory(name="Sarah Lee")
    WorkOrderFactory(assigned_technician=sarah, scheduled_for=_at(first, 9), estimated_minutes=60)
    response = office_client.post(
        f"/office/work-orders/{install.pk}/helpers/", {"technician": sarah.pk, "visit": ""}
    )
    assert response.status_code == 422
    assert "Sarah Lee can&#x27;t help then:" in response.content.decode()
    assert not VisitHelper.objects.exists()
    other_orders_visit = VisitFactory()
    response = office_client.post(
        f"/office/work-orders/{install.pk}/helpers/",
        {"technician": sarah.pk, "visit": str(other_orders_visit.pk)},
    )
    assert response.status_code == 422 and "not one of this order" in response.content.decode()


def test_a_technician_cannot_change_a_crew(tech_client, install):
    response = tech_client.post(
        f"/office/work-orders/{install.pk}/helpers/", {"technician": install.assigned_technician.pk}
    )
    assert response.status_code in (302, 403)
    assert not VisitHelper.objects.exists()


def test_the_board_draws_a_crew_visit_on_each_persons_row(office_client, install, days):
    first, second = days
    sarah = TechnicianFactory(name="Sarah Lee")
    services.helper_add(work_order=install, technician=sarah, actor=OFFICE)
    services.visit_add(
        work_order=install,
        actor=OFFICE,
        starts_at=_at(second, 8),
        lead=install.assigned_technician,
        estimated_minutes=240,
    )
    day = office_client.get(f"/office/board/?date={first.isoformat()}").content.decode()
    helper_card = day.split(f'id="crew-{install.pk}-{sarah.pk}-first"')[1].split("</div>")[0]
    assert "Helping Mike Johnson" in helper_card and "Move #" not in helper_card
    assert day.count(f'id="card-{install.pk}"') == 1  # the lead's own card, the one that moves
    week = office_client.get(f"/office/board/?view=week&date={second.isoformat()}").content.decode()
    later = week.split(f'id="crew-{install.pk}-{install.assigned_technician.pk}-')[1].split("</div>")[0]
    assert "Later visit" in later and "4 h" in later


def test_fix_my_day_keeps_a_crew_job_and_works_around_the_crews_time(install, days):
    from dispatch.fixday import day_fix

    first, _ = days
    sarah = TechnicianFactory(name="Sarah Lee")
    services.helper_add(work_order=install, technician=sarah, actor=OFFICE)
    waiting = WorkOrderFactory(
        assigned_technician=None, scheduled_for=None, status=WorkOrderStatus.PENDING, estimated_minutes=120
    )
    fix = day_fix(first, [install.assigned_technician, sarah], now=_at(first, 6))
    moved = {move.order.pk for move in fix.moves}
    assert install.pk not in moved  # the crew's job stays where its crew is booked
    for move in fix.moves:
        if move.order.pk == waiting.pk and move.technician == sarah:
            assert move.start >= _at(first, 14) or move.start + dt.timedelta(hours=2) <= _at(first, 8)
    assert any(move.order.pk == waiting.pk for move in fix.moves)  # placed somewhere that is free


def test_a_job_on_its_second_day_runs_over_only_past_that_visits_end(install, days):
    import time_machine

    from fieldops.events import overruns

    first, second = days
    visit = services.visit_add(
        work_order=install,
        actor=OFFICE,
        starts_at=_at(second, 8),
        lead=install.assigned_technician,
        estimated_minutes=240,
    )
    WorkOrder.objects.filter(pk=install.pk).update(status=WorkOrderStatus.IN_PROGRESS)
    install.refresh_from_db()
    # Day one, 3:00 PM: an hour past the first visit's six hours.
    assert [o.pk for o in overruns(_at(first, 15))] == [install.pk]
    # Day two, 10:00 AM: on the second visit, which ends at noon.
    assert overruns(_at(second, 10)) == []
    assert [o.pk for o in overruns(_at(second, 13))] == [install.pk]
    assert scheduling.later_visits_begun([install], _at(second, 10)) == {install.pk: (visit.starts_at, 240)}
    with time_machine.travel(_at(second, 10), tick=False):
        grid = __import__("dispatch.selectors", fromlist=["board_grid"]).board_grid(
            "day", first, 10, None, 15
        )
    cards = [o for row in grid["rows"] for _, cell in row["cells"] for o in cell if o.pk == install.pk]
    assert cards and all(not card.overrun for card in cards)


def test_today_shows_a_helpers_visit_on_their_row(office_client, install, now):
    sarah = TechnicianFactory(name="Sarah Lee")
    # Today at 9:00 (the page is about showing it: the row is written as the service would).
    WorkOrder.objects.filter(pk=install.pk).update(scheduled_for=_at(timezone.localdate(now), 9))
    VisitHelper.objects.create(work_order=install, technician=sarah)
    page = office_client.get("/office/").content.decode()
    sarah_row = page.split("Sarah Lee")[1].split("</tr>")[0]
    assert f"#{install.pk} " in sarah_row and "Helping Mike Johnson" in sarah_row
