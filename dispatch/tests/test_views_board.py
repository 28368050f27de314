"""The dispatch board: day and week views, the tray, moves by the rules, the cheap poll."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch.models import WorkOrderHistory, WorkOrderStatus
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

HX = {"HX-Request": "true"}
DAY = dt.date(2030, 3, 11)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def test_the_day_view_puts_cards_in_technician_rows_and_hour_columns(office_client):
    tech = TechnicianFactory(name="Mike")
    order = WorkOrderFactory(assigned_technician=tech, scheduled_for=at(9), title="Bank vault")
    html = office_client.get(f"/office/board/?date={DAY}").content.decode()
    assert "<html" in html and "Mike" in html and "Bank vault" in html
    assert html.count('class="slot"') == 10  # 7 AM to 4 PM
    assert f'data-id="{order.pk}"' in html and 'data-start="2030-03-11T09:00"' in html


def test_the_week_view_has_a_column_per_day(office_client):
    TechnicianFactory()
    WorkOrderFactory(scheduled_for=at(9, day=DAY + dt.timedelta(days=2)), title="Wednesday job")
    html = office_client.get(f"/office/board/?view=week&date={DAY}").content.decode()
    assert "Wed Mar 13" in html and "Wednesday job" in html
    assert 'data-keep-time="1"' in html


def test_the_tray_holds_unassigned_and_pending_orders(office_client):
    WorkOrderFactory(assigned_technician=None, status=WorkOrderStatus.PENDING, title="Needs a tech")
    WorkOrderFactory(status=WorkOrderStatus.COMPLETED, assigned_technician=None, title="Done job")
    html = office_client.get(f"/office/board/?date={DAY}").content.decode()
    tray = html.split('id="tray"')[1]
    assert "Needs a tech" in tray and "Done job" not in tray


def test_the_board_as_htmx_is_a_fragment_and_a_poll_with_nothing_new_is_204(office_client):
    TechnicianFactory()
    response = office_client.get(f"/office/board/?date={DAY}", headers=HX)
    html = response.content.decode()
    assert "<html" not in html and 'id="board-live"' in html
    since = html.split("since=")[1].split('"')[0]
    assert office_client.get(f"/office/board/?date={DAY}&since={since}", headers=HX).status_code == 204
    WorkOrderFactory()
    assert office_client.get(f"/office/board/?date={DAY}&since={since}", headers=HX).status_code == 200


def _move(client, order, technician, start, **extra):
    data = {
        "work_order": order.pk,
        "version": order.version,
        "technician": technician.pk if technician else "",
        "start": start,
        "view": "day",
        "date": str(DAY),
        **extra,
    }
    return client.post("/office/board/move/", data, headers=HX)


def test_dropping_a_tray_card_on_a_slot_assigns_and_schedules_it(office_client):
    tech = TechnicianFactory(name="Mike")
    order = WorkOrderFactory(assigned_technician=None, status=WorkOrderStatus.PENDING, scheduled_for=None)
    response = _move(office_client, order, tech, "2030-03-11T10:00")
    assert response.status_code == 200
    assert "→ Mike" in response.content.decode()
    order.refresh_from_db()
    assert (order.assigned_technician, order.scheduled_for, order.status) == (tech, at(10), "scheduled")
    assert WorkOrderHistory.objects.filter(work_order=order, field_changed="assigned_technician").exists()


def test_a_drop_in_the_week_view_keeps_the_time_of_day(office_client):
    tech = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=tech, scheduled_for=at(9))
    response = _move(office_client, order, tech, "2030-03-13", keep_time="1", view="week")
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.scheduled_for == at(9, day=DAY + dt.timedelta(days=2))


def test_a_third_job_is_refused_with_the_reason_and_nothing_moves(office_client):
    tech = TechnicianFactory(name="Mike")
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(8))
    WorkOrderFactory(assigned_technician=tech, scheduled_for=at(11))
    order = WorkOrderFactory(assigned_technician=None, status=WorkOrderStatus.PENDING, scheduled_for=None)
    response = _move(office_client, order, tech, "2030-03-11T14:00")
    assert response.status_code == 422
    assert "Not moved." in response.content.decode() and "the limit is 2" in response.content.decode()
    order.refresh_from_db()
    assert order.assigned_technician is None


def test_a_drop_after_hours_is_refused(office_client):
    order = WorkOrderFactory(
        customer=CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=None)
    )
    response = _move(office_client, order, TechnicianFactory(), "2030-03-11T16:00")
    assert response.status_code == 422 and "working hours" in response.content.decode()


def test_outside_the_window_the_board_offers_book_it_anyway(office_client):
    tech = TechnicianFactory()
    customer = CustomerFactory(preferred_schedule_start=dt.time(8), preferred_schedule_end=dt.time(10))
    order = WorkOrderFactory(
        customer=customer, assigned_technician=None, status="pending", scheduled_for=None
    )
    response = _move(office_client, order, tech, "2030-03-11T13:00")
    assert response.status_code == 422 and "Book it anyway" in response.content.decode()
    response = _move(office_client, order, tech, "2030-03-11T13:00", override_window="on")
    assert response.status_code == 200
    order.refresh_from_db()
    assert order.scheduled_for == at(13)


def test_a_stale_card_is_refused_with_409(office_client):
    tech = TechnicianFactory()
    order = WorkOrderFactory(scheduled_for=at(9))
    response = _move(office_client, order, tech, "2030-03-11T13:00", version=order.version + 5)
    assert response.status_code == 409 and "changed while you were editing it" in response.content.decode()


def test_dropping_on_the_tray_unassigns(office_client):
    order = WorkOrderFactory(scheduled_for=at(9))
    response = _move(office_client, order, None, "")
    assert response.status_code == 200
    order.refresh_from_db()
    assert (order.assigned_technician, order.status) == (None, "pending")


@pytest.mark.parametrize(
    "data",
    [{}, {"work_order": "abc"}, {"work_order": "1", "technician": "x"}],
)
def test_a_malformed_move_is_422_not_500(office_client, data):
    assert office_client.post("/office/board/move/", data, headers=HX).status_code == 422


def test_a_bad_slot_time_is_422(office_client):
    order = WorkOrderFactory()
    assert _move(office_client, order, TechnicianFactory(), "yesterday-ish").status_code == 422


def test_moving_an_unknown_order_or_technician_is_404(office_client):
    order = WorkOrderFactory()
    assert office_client.post("/office/board/move/", {"work_order": 999999}).status_code == 404
    response = office_client.post("/office/board/move/", {"work_order": order.pk, "technician": 999999})
    assert response.status_code == 404


def test_the_move_needs_post_and_the_office(office_client, tech_client):
    assert office_client.get("/office/board/move/").status_code == 405
    assert tech_client.post("/office/board/move/", {}).status_code == 403
