"""A technician's day for the agent's tests: a truck with stock, two jobs today, another technician's job."""

from dataclasses import dataclass

from django.utils import timezone

from dispatch.models import Technician, WorkOrder
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from fieldops.agent.dialogue import Turn, respond
from inventory.models import InventoryItem, Truck
from inventory.tests.factories import InventoryItemFactory, TruckFactory, TruckInventoryFactory


@dataclass
class Day:
    technician: Technician
    truck: Truck
    first: WorkOrder
    second: WorkOrder
    others: WorkOrder
    rj45: InventoryItem
    cat6: InventoryItem


def make_day(technician: Technician) -> Day:
    truck = TruckFactory(name="Service Truck 201", id=201)
    TruckFactory(name="Service Truck 202", id=202)
    rj45 = InventoryItemFactory(name="RJ45 Connector", category="connectors")
    cat6 = InventoryItemFactory(name="Cat6 Cable", category="cables", unit="ft")
    bnc = InventoryItemFactory(name="BNC Connector", category="connectors")
    TruckInventoryFactory(truck=truck, item=rj45, quantity=100)
    TruckInventoryFactory(truck=truck, item=cat6, quantity=1000)
    TruckInventoryFactory(truck=truck, item=bnc, quantity=20)
    at = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    first = WorkOrderFactory(
        assigned_technician=technician,
        customer=CustomerFactory(name="City Bank", address="1 Main St, Springfield"),
        title="Install four dome cameras",
        scheduled_for=at,
    )
    second = WorkOrderFactory(
        assigned_technician=technician,
        customer=CustomerFactory(name="Riverside Dental", address="12 River Rd"),
        title="Replace NVR drive",
        scheduled_for=at.replace(hour=14),
    )
    sarah = TechnicianFactory(name="Sarah Williams")
    others = WorkOrderFactory(
        assigned_technician=sarah,
        customer=CustomerFactory(name="Harbor Pharmacy"),
        title="Sarah's job",
        scheduled_for=at.replace(hour=10),
    )
    return Day(technician, truck, first, second, others, rj45, cat6)


def say(technician: Technician, *lines: str) -> Turn:
    turn = None
    for line in lines:
        turn = respond(technician=technician, text=line)
    return turn
