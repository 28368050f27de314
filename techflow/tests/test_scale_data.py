"""generate_scale_data at a tiny size: counts, the ledger, sequences, states, logins, refusals."""

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from dispatch.models import Customer, Technician, WorkOrder, WorkOrderHistory, WorkOrderStatus
from fieldops.models import ClockRecord, TechnicianActivity, TravelLog
from fieldops.selectors import State, technician_states
from inventory.models import StockMovement, Truck, TruckInventory
from inventory.selectors import stock_discrepancies
from techflow import scale

# 15:00 in New York: today's steps have room before now.
NOW = dt.datetime(2026, 3, 11, 19, 0, tzinfo=dt.UTC)
TECHNICIANS = len(scale.TODAY_STATES)


def _generate(**options) -> str:
    out = StringIO()
    call_command(
        "generate_scale_data",
        technicians=options.pop("technicians", TECHNICIANS),
        customers=options.pop("customers", 30),
        days=options.pop("days", 8),
        now=NOW,
        no_progress=True,
        stdout=out,
        **options,
    )
    return out.getvalue()


@pytest.fixture
def pinned():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.django_db
def test_generates_a_company_whose_stock_matches_its_ledger(pinned):
    output = _generate()
    assert "Generated up to 2026-03-11T19:00:00+00:00" in output
    assert Technician.objects.count() == TECHNICIANS
    assert Truck.objects.filter(is_office_truck=False).count() == TECHNICIANS
    assert Customer.objects.count() == 30
    checked, wrong = stock_discrepancies()
    assert wrong == []
    assert checked == TruckInventory.objects.count() > 0
    assert StockMovement.objects.filter(kind="used_on_job").exists()
    call_command("check_stock", stdout=StringIO())
    # Every order has the history its creation writes; completed orders their status changes too.
    assert WorkOrder.objects.filter(history__isnull=True).count() == 0
    completed = WorkOrder.objects.filter(status=WorkOrderStatus.COMPLETED)
    assert completed.exists()
    assert WorkOrderHistory.objects.filter(work_order__in=completed, new_value="completed").count() == (
        completed.count()
    )
    assert TravelLog.objects.count() > 0 and ClockRecord.objects.count() > 0


@pytest.mark.django_db
def test_each_technicians_activity_is_numbered_in_time_order(pinned):
    _generate()
    for technician in Technician.objects.all():
        rows = list(
            TechnicianActivity.objects.filter(technician=technician)
            .order_by("sequence")
            .values_list("sequence", "created_at")
        )
        assert [sequence for sequence, _ in rows] == list(range(1, len(rows) + 1))
        times = [at for _, at in rows]
        assert times == sorted(times), f"{technician}: sequence does not follow time"
        assert max(times) <= NOW


@pytest.mark.django_db
def test_today_has_technicians_in_every_state_and_nothing_after_now(pinned):
    _generate()
    states = {s.state for s in technician_states()}
    assert states == set(State.values)
    today = WorkOrder.objects.today()
    assert {o.status for o in today} >= {
        WorkOrderStatus.SCHEDULED,
        WorkOrderStatus.IN_PROGRESS,
        WorkOrderStatus.COMPLETED,
        WorkOrderStatus.CANCELLED,
    }
    assert ClockRecord.objects.filter(clock_in_time__gt=NOW).count() == 0
    assert WorkOrder.objects.filter(scheduled_for__gt=NOW).exists()  # the next week is booked


@pytest.mark.django_db
def test_same_seed_and_now_give_the_same_rows(pinned):
    _generate()
    first = list(WorkOrder.objects.order_by("pk").values_list("pk", "title", "scheduled_for", "status"))
    _generate(reset=True)
    assert (
        list(WorkOrder.objects.order_by("pk").values_list("pk", "title", "scheduled_for", "status")) == first
    )


@pytest.mark.django_db
def test_demo_logins_open_their_pages(pinned, client):
    _generate(password="scale-pass-1")
    assert client.login(username="office", password="scale-pass-1")
    assert client.get("/office/").status_code == 200
    client.logout()
    assert client.login(username="mike", password="scale-pass-1")
    response = client.get("/tech/")
    assert response.status_code == 200
    mike = Technician.objects.get(user__username="mike")
    todays = WorkOrder.objects.today().for_technician(mike)
    assert todays.count() == 2
    assert all(f'href="/tech/jobs/{order.pk}/"' in response.content.decode() for order in todays)


@pytest.mark.django_db
def test_refuses_a_database_with_other_data_unless_reset(pinned):
    Customer.objects.create(name="Someone Else", address="1 Main St", phone="555")
    with pytest.raises(CommandError, match="already holds TechFlow data"):
        _generate()
    assert Customer.objects.count() == 1
    assert not Technician.objects.exists()
    _generate(reset=True)
    assert not Customer.objects.filter(name="Someone Else").exists()
    assert Customer.objects.count() == 30


@pytest.mark.django_db
def test_ids_continue_after_the_generated_rows(pinned):
    _generate()
    order = WorkOrder.objects.create(title="After", brief_description="after the load")
    assert order.pk == WorkOrder.objects.order_by("-pk").values_list("pk", flat=True)[1] + 1


@pytest.mark.django_db
def test_bad_sizes_are_refused():
    with pytest.raises(CommandError, match="--technicians must be at least 1"):
        call_command("generate_scale_data", technicians=0, no_progress=True)


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_load_keeps_every_foreign_key_on_postgresql(pinned):
    def foreign_keys() -> set[tuple[str, str]]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f'")
            return set(cursor.fetchall())

    before = foreign_keys()
    _generate()
    assert foreign_keys() == before


@pytest.mark.django_db
def test_rows_are_dated_by_now_not_by_the_clock():
    with time_machine.travel(NOW + dt.timedelta(days=3), tick=False):
        _generate(technicians=3, days=3)
    assert not WorkOrder.objects.filter(updated_at__gt=NOW).exists()
    assert not TruckInventory.objects.filter(last_updated__gt=NOW).exists()
    assert not TechnicianActivity.objects.filter(created_at__gt=NOW).exists()
