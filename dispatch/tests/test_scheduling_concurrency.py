"""Two dispatchers booking the same technician's last slot at once: one wins, one is told why."""

import datetime as dt
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from dispatch.models import WorkOrder, WorkOrderStatus
from dispatch.services import Actor, work_order_schedule
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_two_simultaneous_bookings_of_one_slot_cannot_both_succeed():
    tech = TechnicianFactory()
    customer = CustomerFactory(preferred_schedule_start=None, preferred_schedule_end=None)
    orders = [
        WorkOrderFactory(
            customer=customer, assigned_technician=None, scheduled_for=None, status=WorkOrderStatus.PENDING
        )
        for _ in range(2)
    ]
    start = timezone.make_aware(dt.datetime(2030, 3, 11, 9))
    barrier = threading.Barrier(2)
    results: list[str] = []

    def book(order: WorkOrder) -> None:
        try:
            barrier.wait()
            work_order_schedule(work_order=order, actor=Actor.system(), technician=tech, scheduled_for=start)
            results.append("booked")
        except ValidationError as error:
            results.append(" ".join(error.messages))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(order,)) for order in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results.count("booked") == 1
    assert any("would overlap" in result for result in results)
    assert WorkOrder.objects.filter(assigned_technician=tech).count() == 1
