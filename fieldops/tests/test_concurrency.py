"""Two devices of one technician at the same moment, on PostgreSQL."""

import threading
import uuid

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops import services
from fieldops.models import ClockRecord, ProcessedAction, TechnicianActivity
from inventory.tests.factories import TruckFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _race(*calls) -> list[object]:
    """Run the calls at once, each in its own thread and connection; their results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as error:  # the test looks at what each thread got
            results[index] = error
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_two_devices_clocking_in_at_once_open_exactly_one_record():
    tech, truck_a, truck_b = TechnicianFactory(), TruckFactory(), TruckFactory()
    results = _race(
        lambda: services.clock_in(technician=tech, truck=truck_a),
        lambda: services.clock_in(technician=tech, truck=truck_b),
    )
    assert ClockRecord.objects.filter(technician=tech, clock_out_time__isnull=True).count() == 1
    assert sum(isinstance(r, ClockRecord) for r in results) == 1
    refused = [r for r in results if isinstance(r, ValidationError)]
    assert len(refused) == 1 and "already clocked in" in refused[0].messages[0]
    assert TechnicianActivity.objects.filter(technician=tech).count() == 1


def test_the_same_key_sent_twice_at_once_acts_once_and_both_get_the_same_answer():
    tech, truck = TechnicianFactory(), TruckFactory()
    key = uuid.uuid4()

    def send():
        return services.action_perform(
            technician=tech,
            key=key,
            action="clock_in",
            perform=lambda: services.clock_in(technician=tech, truck=truck),
            success_message="Clocked in.",
            redirect_to="/tech/",
        )

    first, second = _race(send, send)
    assert (first.ok, first.message) == (second.ok, second.message) == (True, "Clocked in.")
    assert ClockRecord.objects.filter(technician=tech).count() == 1
    assert ProcessedAction.objects.filter(key=key).count() == 1


def test_two_devices_starting_travel_at_once_start_it_once():
    tech = TechnicianFactory()
    order = WorkOrderFactory(assigned_technician=tech)
    services.clock_in(technician=tech, truck=TruckFactory())
    results = _race(
        lambda: services.job_travel_start(technician=tech, work_order=order),
        lambda: services.job_travel_start(technician=tech, work_order=order),
    )
    assert sum(isinstance(r, ValidationError) for r in results) == 1
    assert TechnicianActivity.objects.filter(technician=tech, activity_type="travel_start").count() == 1
