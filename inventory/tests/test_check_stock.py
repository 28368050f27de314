"""python manage.py check_stock: the sum of each truck's movements is its stock."""

import io

import pytest
from django.core.management import CommandError, call_command

from dispatch.tests.factories import WorkOrderFactory
from inventory.models import TruckInventory
from inventory.services import truck_stock_consume, truck_stock_transfer
from inventory.tests.factories import InventoryItemFactory, TruckFactory
from inventory.tests.helpers import OFFICE, stock

pytestmark = pytest.mark.django_db


def _run() -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("check_stock", stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def trucks_with_stock():
    truck, other = TruckFactory(name="Service Truck 201"), TruckFactory(name="Service Truck 202")
    camera = InventoryItemFactory(name="IP Dome Camera")
    stock(truck, camera, 5)
    truck_stock_transfer(from_truck=truck, to_truck=other, item=camera, quantity=2, actor=OFFICE)
    truck_stock_consume(truck=other, item=camera, quantity=1, work_order=WorkOrderFactory(), actor=OFFICE)
    return truck, other, camera


def test_check_passes_with_a_summary_when_the_ledger_explains_all_stock(trucks_with_stock):
    out, err = _run()
    assert "Stock check passed: 2 truck/item stock rows match their movements." in out
    assert err == ""


def test_check_fails_and_reports_a_stock_row_changed_behind_the_ledgers_back(trucks_with_stock):
    truck, other, camera = trucks_with_stock
    TruckInventory.objects.filter(truck=other, item=camera).update(quantity=7)

    with pytest.raises(CommandError, match="1 mismatch") as excinfo:
        _run()

    assert excinfo.value.returncode == 1
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_stock", stderr=err)
    report = err.getvalue()
    assert (
        f"Service Truck 202 (#{other.pk}) · IP Dome Camera (#{camera.pk}): stock 7, movements add up to 1"
        in report
    )
    assert "Service Truck 201" not in report


def test_check_fails_for_movements_without_a_stock_row(trucks_with_stock):
    truck, _, camera = trucks_with_stock
    TruckInventory.objects.filter(truck=truck, item=camera).delete()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("check_stock", stderr=err)
    assert "stock 0, movements add up to 3" in err.getvalue()


def test_check_exits_non_zero_from_the_command_line(trucks_with_stock, capsys):
    _, other, camera = trucks_with_stock
    TruckInventory.objects.filter(truck=other, item=camera).update(quantity=0)
    from django.core.management import ManagementUtility

    with pytest.raises(SystemExit) as exit_info:
        ManagementUtility(["manage.py", "check_stock"]).execute()
    assert exit_info.value.code == 1
    assert "Stock check failed" in capsys.readouterr().err
