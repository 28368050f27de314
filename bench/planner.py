"""Time "Plan the week" on a generated week: `python bench/planner.py [--technicians 500] [--orders 2000]
[--engine ortools|search]`.

The planner is pure (plan_week takes the week's rows as arguments), so the week is built in memory:
technicians, customers with a mix of preferred windows, open orders, some days already booked,
and customers served before. It prints how long the planner took, how many orders it placed, and
whether the time box (TECHFLOW_PLANNER_TIME_BOX, default 25 s) cut it short. No database is needed.
"""

import argparse
import datetime as dt
import os
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "techflow.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from django.utils import timezone  # noqa: E402

from dispatch.models import Customer, Technician, WorkOrder  # noqa: E402
from dispatch.planner import plan_week, planner_engine, time_box  # noqa: E402
from dispatch.scheduling import at_time, max_jobs_per_day, week_start  # noqa: E402

WINDOWS = [(8, 16), (8, 10), (9, 12), (13, 15), (12, 17), None, None]


def week(technicians: int, orders: int, seed: int = 11):
    rng = random.Random(seed)
    monday = week_start(dt.date(2030, 3, 11))
    days = [monday + dt.timedelta(days=i) for i in range(5)]
    techs = [Technician(pk=i + 1, name=f"Tech {i:04d}", active=True) for i in range(technicians)]
    customers = []
    for i in range(orders):
        window = rng.choice(WINDOWS)
        customers.append(
            Customer(
                pk=10_000 + i,
                name=f"Customer {i}",
                preferred_schedule_start=dt.time(window[0]) if window else None,
                preferred_schedule_end=dt.time(window[1]) if window else None,
            )
        )
    work = [
        WorkOrder(
            pk=100_000 + i,
            title=f"Job {i}",
            customer=customers[i],
            assigned_technician_id=rng.choice(techs).pk if rng.random() < 0.1 else None,
        )
        for i in range(orders)
    ]
    booked = defaultdict(list)
    for tech in techs:
        for day in days:
            if rng.random() < 0.4:
                start = at_time(day, dt.time(rng.choice([8, 13])))
                booked[(tech.pk, day)].append((start, start + dt.timedelta(hours=2)))
    assert all(len(v) <= (max_jobs_per_day() or len(v)) for v in booked.values())
    served = {(rng.choice(techs).pk, c.pk): 1 for c in customers if rng.random() < 0.3}
    load = defaultdict(int)
    for (tech_id, _), starts in booked.items():
        load[tech_id] += len(starts)
    now = timezone.make_aware(dt.datetime.combine(monday - dt.timedelta(days=1), dt.time(12)))
    return dict(
        orders=work, technicians=techs, days=days, booked=dict(booked), served=served, week_load=dict(load)
    ), now


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--technicians", type=int, default=500)
    parser.add_argument("--orders", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=None, help="the time box (default: the setting)")
    parser.add_argument(
        "--engine", choices=["ortools", "search"], default=None, help="default: TECHFLOW_PLANNER_ENGINE"
    )
    args = parser.parse_args()
    rows, now = week(args.technicians, args.orders)
    started = time.monotonic()
    plan = plan_week(**rows, now=now, seconds=args.seconds, engine=args.engine)
    took = time.monotonic() - started
    print(
        f"planner ({args.engine or planner_engine()}): {args.technicians} technicians, "
        f"{args.orders} orders, time box "
        f"{args.seconds if args.seconds is not None else time_box():g} s: {took:.1f} s, "
        f"placed {len(plan.placements)}, not placed {len(plan.unplaced)}, search nodes {plan.nodes}, "
        f"{'partial (time box hit)' if plan.partial else 'complete'}"
        f"{'' if plan.exhaustive else ', search cut short'}"
    )


if __name__ == "__main__":
    main()
