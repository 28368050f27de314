"""The agent's "running low" is the stock pages' "below the minimum": one rule."""

import pytest

from dispatch.tests.factories import TechnicianFactory
from fieldops import services
from fieldops.agent import actions
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory

pytestmark = pytest.mark.django_db


def test_the_agent_calls_low_only_what_needs_restocking():
    tech, truck = TechnicianFactory(), TruckFactory()
    at_minimum = InventoryItemFactory(name="BNC End", standard_quantity=10, minimum_quantity=3)
    below = InventoryItemFactory(name="RJ45 End", standard_quantity=10, minimum_quantity=3)
    TruckInventoryFactory(truck=truck, item=at_minimum, quantity=3)
    row = TruckInventoryFactory(truck=truck, item=below, quantity=2)
    services.clock_in(technician=tech, truck=truck)

    said = actions.check_stock(actions.context_for(tech), {}).reply

    assert "Running low: RJ45 End (2)." in said
    assert "BNC End" not in said
    assert row.is_low and not at_minimum.needs_restock(3)
