"""Truck stock and its ledger, through inventory.services (parts used go through fieldops' job_part_use).

The trucks are stocked to standard the day before the week starts; each past morning at
6:45 the office runs "Restock to standard" on every service truck; the jobs take their
parts off their technician's truck as they are done. The afternoon before today the office
moves RJ45 connectors from truck 201 to truck 203, so truck 201 starts today below its
minimum. Every movement is a service call, so the ledger explains every truck's stock.
"""

import random
from datetime import time

from dispatch.services import Actor
from inventory.models import Truck, TruckInventory
from inventory.services import truck_stock_restock, truck_stock_restock_to_standard, truck_stock_transfer
from techflow.demo.builder import Build
from techflow.demo.catalogue import (
    CANCELLED,
    DAYS_BACK,
    NO_ACCESS,
    PARTS_USED,
    SEED,
    SERVICE_TRUCK_IDS,
    SHORT_ITEM,
    SHORT_LEFT,
    STANDARD_QUANTITY,
    UNFINISHED,
)

MORNING_RESTOCK = time(6, 45)
STOCKED = time(15)
SHORT_TRANSFER = (201, 203, time(15, 30))


def plan_parts(build: Build) -> None:
    """What each job that gets done takes off the truck: (item, quantity, minutes before completion)."""
    rng = random.Random(SEED + 2)  # its own draws: the rest of the plan stays as it is
    for visit in build.visits:
        if visit.offset > 0 or visit.key in CANCELLED | NO_ACCESS:
            continue
        if visit.offset == 0 and (visit.tech, visit.slot) == UNFINISHED:
            continue
        used = PARTS_USED.get(visit.title.split(":")[0], ())
        before = rng.sample(range(10, 41), len(used))
        for (name, fewest, most), minutes in zip(used, before, strict=True):
            quantity = rng.randint(fewest, most)
            if quantity > 0:
                visit.parts.append((name, quantity, minutes))


def _restock_if_needed(truck: Truck, office: Actor) -> None:
    """The office presses "Restock to standard" on a truck that has something below its minimum."""
    rows = TruckInventory.objects.filter(truck=truck).select_related("item")
    if any(row.item.needs_restock(row.quantity) for row in rows):
        truck_stock_restock_to_standard(truck=truck, actor=office)


def plan_stock(build: Build) -> None:
    system, office = Actor.system(), build.office_actor()
    stocked = build.local(build.day(-DAYS_BACK - 1), STOCKED)

    def stock_up() -> None:
        for number in SERVICE_TRUCK_IDS:
            for item in build.items.values():
                truck_stock_restock(
                    truck=build.trucks[number],
                    item=item,
                    quantity=STANDARD_QUANTITY[item.category],
                    actor=system,
                    reason="Stocked to standard",
                )

    build.add(stocked, stock_up)
    for offset in range(-DAYS_BACK, 0):
        at = build.local(build.day(offset), MORNING_RESTOCK)
        for number in SERVICE_TRUCK_IDS:
            build.add(at, lambda truck=build.trucks[number]: _restock_if_needed(truck, office))

    source, target, at = SHORT_TRANSFER
    item = build.items[SHORT_ITEM]

    def move_short() -> None:
        held = TruckInventory.objects.get(truck_id=source, item=item).quantity
        if held > SHORT_LEFT:
            truck_stock_transfer(
                from_truck=build.trucks[source],
                to_truck=build.trucks[target],
                item=item,
                quantity=held - SHORT_LEFT,
                actor=office,
                reason=f"Truck {target} is short for tomorrow's installs",
            )

    build.add(build.local(build.day(-1), at), move_short)
