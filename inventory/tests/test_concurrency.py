"""The stock service under concurrent requests, on PostgreSQL (row locks are real there)."""

import threading
from collections.abc import Callable

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from dispatch.services import Actor
from dispatch.tests.factories import WorkOrderFactory
from inventory.models import MovementKind, StockMovement
from inventory.services import truck_stock_consume, truck_stock_transfer
from inventory.tests.factories import InventoryItemFactory, TruckFactory
from inventory.tests.helpers import ledger, on_truck, stock

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _at_once(tasks: list[Callable[[], object]]) -> tuple[list[object], list[BaseException]]:
    """Run every task in its own thread, released together; their results and their errors."""
    barrier = threading.Barrier(len(tasks))
    results: list[object] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run(task: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=10)
            result = task()
            with lock:
                results.append(result)
        except BaseException as error:  # noqa: BLE001 - collected and asserted on by the test
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(task,)) for task in tasks]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck: deadlock?"
    return results, errors


def test_twenty_jobs_using_one_each_of_ten_units_leave_exactly_ten_refused_and_zero_stock():
    truck = TruckFactory()
    camera = InventoryItemFactory(name="IP Dome Camera", standard_quantity=10, minimum_quantity=2)
    stock(truck, camera, 10)
    jobs = WorkOrderFactory.create_batch(20)

    def use(job) -> Callable[[], object]:
        return lambda: truck_stock_consume(
            truck=truck, item=camera, quantity=1, work_order=job, actor=Actor.system()
        )

    results, errors = _at_once([use(job) for job in jobs])

    assert len(results) == 10
    assert len(errors) == 10
    assert all(isinstance(error, ValidationError) and "Not enough" in str(error) for error in errors)
    assert on_truck(truck, camera) == 0 == ledger(truck, camera)
    used = StockMovement.objects.filter(kind=MovementKind.USED_ON_JOB)
    assert used.count() == 10
    assert sorted(used.values_list("quantity_after", flat=True)) == list(range(10))


def test_opposite_transfers_between_two_trucks_at_once_both_finish_without_deadlock():
    a, b = TruckFactory(), TruckFactory()
    camera = InventoryItemFactory(standard_quantity=10, minimum_quantity=2)
    cable = InventoryItemFactory(standard_quantity=10, minimum_quantity=2)
    for truck in (a, b):
        stock(truck, camera, 10)
        stock(truck, cable, 10)

    def transfer(source, target, quantity) -> Callable[[], object]:
        return lambda: truck_stock_transfer(
            from_truck=source, to_truck=target, item=camera, quantity=quantity, actor=Actor.system()
        )

    # Several rounds, so the two transactions really do overlap.
    tasks = []
    for _ in range(5):
        tasks += [transfer(a, b, 2), transfer(b, a, 1)]
    results, errors = _at_once(tasks)

    assert errors == []
    assert len(results) == 10
    assert (on_truck(a, camera), on_truck(b, camera)) == (5, 15)
    assert on_truck(a, camera) + on_truck(b, camera) == 20
    for truck in (a, b):
        assert on_truck(truck, camera) == ledger(truck, camera)
        assert on_truck(truck, cable) == 10
