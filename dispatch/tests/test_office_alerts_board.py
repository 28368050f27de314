"""Alerts that are alerts, a live inbox, and a board that shows each order in one place."""

import datetime as dt

import pytest
from django.utils import timezone

from dispatch import clock, selectors, services
from dispatch.models import Notification, WorkOrderStatus
from dispatch.services import Actor
from dispatch.tests.factories import NotificationFactory, TechnicianFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


def test_routine_status_changes_are_not_alerts(office_client):
    order = WorkOrderFactory()
    NotificationFactory(work_order=order, message="Back door needs a camera")
    NotificationFactory(
        work_order=order,
        notification_type=Notification.Type.STATUS_CHANGE,
        message=f"Mike started #{order.pk}",
    )
    NotificationFactory(work_order=order, notification_type=Notification.Type.SYSTEM, message="URGENT: stop")
    assert selectors.unread_alert_count() == 2
    inbox = office_client.get("/office/notifications/").content.decode()
    assert "Back door needs a camera" in inbox and "URGENT: stop" in inbox and "started #" not in inbox
    today = office_client.get("/office/").content.decode()
    assert "2 unread alerts" in today and "started #" not in today
    assert office_client.get("/office/notifications/badge/?n=3").content.decode().count(">2<") == 1


def test_the_inbox_poll_is_204_until_an_alert_arrives(office_client):
    order = WorkOrderFactory()
    NotificationFactory(work_order=order)
    html = office_client.get("/office/notifications/").content.decode()
    since = html.split("&since=")[1].split('"')[0]
    url = f"/office/notifications/?show=all&page=1&since={since}"
    assert office_client.get(url, headers=HX).status_code == 204
    NotificationFactory(work_order=order, notification_type=Notification.Type.STATUS_CHANGE)
    assert office_client.get(url, headers=HX).status_code == 204  # routine: nothing for the inbox
    services.work_order_note_add(
        work_order=order, text="Dog in the yard", actor=Actor.system(), alert_office=True
    )
    answer = office_client.get(url, headers=HX)
    assert answer.status_code == 200 and "Dog in the yard" in answer.content.decode()
    assert "<html" not in answer.content.decode()


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def test_each_order_is_in_one_place_on_the_board(office_client):
    today = clock.localdate()
    mike = TechnicianFactory()
    pending_today = WorkOrderFactory(
        assigned_technician=mike, status=WorkOrderStatus.PENDING, scheduled_for=_at(today, 13)
    )
    missed = WorkOrderFactory(
        assigned_technician=mike,
        status=WorkOrderStatus.PENDING,
        scheduled_for=_at(today - dt.timedelta(days=1), 9),
    )
    unassigned = WorkOrderFactory(
        assigned_technician=None, status=WorkOrderStatus.PENDING, scheduled_for=None
    )
    for view in ("day", "week"):
        for day in (today, today - dt.timedelta(days=1)):
            html = office_client.get(f"/office/board/?view={view}&date={day}").content.decode()
            grid, tray = html.split('id="tray"')
            for order in (pending_today, missed, unassigned):
                assert html.count(f'id="card-{order.pk}"') <= 1, (view, day, order.title)
            assert f'id="card-{missed.pk}"' in tray and f'id="card-{unassigned.pk}"' in tray
            assert f'id="card-{pending_today.pk}"' not in tray
