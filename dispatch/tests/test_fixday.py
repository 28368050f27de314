""" "Fix my day" (dispatch/fixday.py, services.day_fix_apply, the board's button): after a
cancellation, an overrun or an emergency, the fewest moves that make the day valid, and which
customers need a new time; applied all or nothing through work_order_schedule."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import fixday, services
from dispatch.models import WorkOrder, WorkOrderHistory, WorkOrderNote, WorkOrderStatus
from dispatch.services import Actor
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def job(tech, start, title, status=WorkOrderStatus.SCHEDULED, minutes=120, phone="555-0100"):
    customer = CustomerFactory(
        name=f"{title} customer", phone=phone, preferred_schedule_start=None, preferred_schedule_end=None
    )
    return WorkOrderFactory(
        assigned_technician=tech,
        scheduled_for=start,
        title=title,
        status=status,
        estimated_minutes=minutes,
        customer=customer,
    )


def waiting(title, start=None, minutes=120):
    order = job(None, start, title, status=WorkOrderStatus.PENDING, minutes=minutes)
    return order


@pytest.fixture
def tomorrow(now):
    return timezone.localdate(now) + dt.timedelta(days=1)


def _cancel(order):
    services.work_order_change_status(
        work_order=order, status=WorkOrderStatus.CANCELLED, actor=Actor.system(), reason="Customer cancelled"
    )


def test_a_cancellation_leaves_a_gap_the_fix_fills_with_the_days_waiting_order(settings, tomorrow):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = None
    ann = TechnicianFactory(name="Ann")
    first = job(ann, at(tomorrow, 7), "First")
    gone = job(ann, at(tomorrow, 9), "Cancelled one")
    rest = [job(ann, at(tomorrow, h), f"Later {h}") for h in (11, 13, 15)]
    wanting = waiting("Wants Friday", start=at(tomorrow, 9))
    before = fixday.day_fix(tomorrow, [ann])
    assert before.moves == []  # a full day: no room for it before the cancellation
    assert [o.pk for o, _ in before.unplaced] == [wanting.pk]
    _cancel(gone)
    fix = fixday.day_fix(tomorrow, [ann])
    assert fix.found and [m.order.pk for m in fix.moves] == [wanting.pk]
    move = fix.moves[0]
    assert move.added and move.technician == ann and move.start == at(tomorrow, 9)
    assert not fix.calls  # its customer keeps the time they asked for
    assert "waiting in the tray" in move.why and "job of the day" in move.why
    outcome = services.day_fix_apply(
        moves=[services.FixPlacement(m.order, m.technician, m.start, m.version, m.why) for m in fix.moves],
        actor=Actor.system(),
    )
    assert outcome.refused == [] and outcome.applied == [wanting]
    wanting.refresh_from_db()
    assert (wanting.assigned_technician, wanting.scheduled_for, wanting.status) == (
        ann,
        at(tomorrow, 9),
        WorkOrderStatus.SCHEDULED,
    )
    assert WorkOrderNote.objects.filter(work_order=wanting, note_text__startswith="Fix my day").exists()
    for order in [first, *rest]:  # nobody else moved
        assert WorkOrder.objects.get(pk=order.pk).scheduled_for == order.scheduled_for


def test_an_overrun_moves_the_fewest_later_jobs_and_lists_the_customers_to_call(settings, now):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = None
    today = timezone.localdate(now)  # the suite's clock: 10:30
    bo = TechnicianFactory(name="Bo")
    running = job(bo, at(today, 8), "Running over", status=WorkOrderStatus.IN_PROGRESS)  # until 10:00
    late = job(bo, at(today, 10), "Next one", phone="555-0199")
    kept = job(bo, at(today, 12, 30), "After lunch")
    fix = fixday.day_fix(today, [bo], now=now)
    assert any("running over" in p for p in fix.problems)
    assert [m.order.pk for m in fix.moves] == [late.pk]  # one move, not two
    move = fix.moves[0]
    end_of_overrun = now + fixday.OVERRUN_MARGIN
    assert move.start >= end_of_overrun and move.technician == bo
    assert not (move.start < at(today, 14, 30) and at(today, 12, 30) < move.start + dt.timedelta(hours=2))
    assert f"#{running.pk} runs over" in move.why
    assert [m.order.pk for m in fix.calls] == [late.pk]
    assert fix.calls[0].order.customer.phone == "555-0199"
    assert kept.pk not in {m.order.pk for m in fix.moves}


def test_nothing_is_half_applied_when_one_move_is_refused(settings, tomorrow):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = None
    cy = TechnicianFactory(name="Cy")
    a, b = waiting("Waiting A", start=at(tomorrow, 9)), waiting("Waiting B", start=at(tomorrow, 13))
    fix = fixday.day_fix(tomorrow, [cy])
    assert {m.order.pk for m in fix.moves} == {a.pk, b.pk}
    target = next(m for m in fix.moves if m.order == b)
    job(cy, target.start, "Booked meanwhile")  # someone takes B's slot before the fix is applied
    outcome = services.day_fix_apply(
        moves=[services.FixPlacement(m.order, m.technician, m.start, m.version) for m in fix.moves],
        actor=Actor.system(),
    )
    assert outcome.applied == [] and outcome.refused[0] == "Nothing was changed."
    assert any(f"#{b.pk}" in line and "overlap" in line for line in outcome.refused)
    a.refresh_from_db()
    assert a.assigned_technician is None and a.status == WorkOrderStatus.PENDING
    assert not WorkOrderHistory.objects.filter(
        work_order=a, field_changed="assigned_technician", new_value=str(cy.pk)
    ).exists()


def test_moves_that_depend_on_each_other_are_applied_in_an_order_that_works(settings, tomorrow):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = None
    di = TechnicianFactory(name="Di")
    one = job(di, at(tomorrow, 9), "One")
    two = job(di, at(tomorrow, 11), "Two")
    # Swap them: One's move is refused while Two still sits at 11, then booked once Two has moved.
    moves = [
        services.FixPlacement(one, di, at(tomorrow, 11), one.version),
        services.FixPlacement(two, di, at(tomorrow, 13), two.version),
    ]
    outcome = services.day_fix_apply(moves=moves, actor=Actor.system())
    assert outcome.refused == [] and {o.pk for o in outcome.applied} == {one.pk, two.pk}
    assert WorkOrder.objects.get(pk=one.pk).scheduled_for == at(tomorrow, 11)


def test_a_past_day_is_not_fixed(now):
    fix = fixday.day_fix(timezone.localdate(now) - dt.timedelta(days=1), [TechnicianFactory()])
    assert not fix.found and "is over" in fix.problems[0]


def test_the_board_proposes_and_applies_a_fix_recorded_in_history(
    office_client, office_user, settings, tomorrow
):
    settings.TECHFLOW_MAX_JOBS_PER_DAY = 2
    ed = TechnicianFactory(name="Ed")
    job(ed, at(tomorrow, 9), "Stays")
    gone = job(ed, at(tomorrow, 13), "Goes")
    wanting = waiting("Waits", start=at(tomorrow, 15))
    page = office_client.get(f"/office/board/?date={tomorrow}").content.decode()
    assert 'id="fix-day"' in page and "1 waiting" in page
    _cancel(gone)
    response = office_client.post(
        "/office/board/fix/", {"date": tomorrow.isoformat(), "page": "1"}, headers=HX
    )
    html = response.content.decode()
    assert response.status_code == 200 and 'id="fix-proposal"' in html and "<html" not in html
    assert f"#{wanting.pk} Waits" in html and "Ed, 3:00 PM" in html
    value = html.split('name="move" value="')[1].split('"')[0]
    assert value == f"{wanting.pk}|{ed.pk}|{tomorrow}T15:00|{wanting.version}"
    applied = office_client.post(
        "/office/board/fix/apply/", {"date": tomorrow.isoformat(), "page": "1", "move": [value]}, headers=HX
    )
    assert applied.status_code == 200 and "Day fixed: 1 move made." in applied.content.decode()
    row = WorkOrderHistory.objects.get(
        work_order=wanting, field_changed="assigned_technician", new_value=str(ed.pk)
    )
    assert (row.changed_by_type, row.changed_by_id) == ("office", office_user.pk)


def test_an_unreadable_or_empty_fix_is_a_400(office_client, tomorrow):
    url = "/office/board/fix/apply/"
    assert office_client.post(url, {"date": tomorrow.isoformat(), "move": ["1|x|y"]}).status_code == 400
    assert office_client.post(url, {"date": tomorrow.isoformat()}).status_code == 400
    assert office_client.post(url, {"date": tomorrow.isoformat(), "move": ["999999|||1"]}).status_code == 404
