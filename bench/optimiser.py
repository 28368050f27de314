"""Benchmark the OR-Tools planner: `python bench/optimiser.py [--sizes 5,20,100,500] [--long 10]`.

Generated weeks (dispatch/tests/optimiser_instances.py): technicians x 5 days, 4 open orders
per technician (500 -> 2,000), customers over a city ~30 km across, four zones, three skills,
windows on ~30% of orders, durations 30 min-6 h; the week is already partly booked (2-4 fixed
jobs a day, routed around) so that the open orders are 60%, 90% or 110% of the free hours.
Each size runs at its time limit, then (for all but the largest) again with a limit `--long`
times longer, for the drive comparison. Every plan is checked by the independent
dispatch/tests/plan_checker.py.

Columns: placed / the placeable upper bound (orders some shift could take alone, capped by the
free minutes when filled shortest first, and by the daily caps); violations; drive minutes and
its excess over the long run's drive (when the long run placed as much); wall and CPU seconds.
No database or Django setup is needed: the optimiser is pure.
"""

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dispatch.optimiser import solve, time_limit  # noqa: E402
from dispatch.tests.optimiser_instances import generate  # noqa: E402
from dispatch.tests.plan_checker import drive_minutes, violations  # noqa: E402

LOADS = (0.6, 0.9, 1.1)


def placeable_bound(instance) -> int:
    """An upper bound on how many orders any valid plan places.

    An order counts only if it fits alone into some free gap of some shift (skills, window,
    the drive from the booking before and to the booking after). Then the count is capped by
    filling the gaps' total minutes with the shortest such orders, and by the daily caps.
    """
    import math

    def minutes(a, b):
        return 0 if a is None or b is None or a == b else math.ceil(instance.drive(a, b))

    gaps = []  # (shift, from, to, location before, location after)
    for shift in instance.shifts:
        mine = sorted(
            (b for b in instance.bookings if (b.technician_id, b.day) == (shift.technician_id, shift.day)),
            key=lambda b: b.start,
        )
        at, where = shift.start, None
        for b in mine:
            gaps.append((shift, at, b.start, where, b.location))
            at, where = b.end, b.location
        gaps.append((shift, at, shift.end, where, None))

    def fits(job, gap):
        shift, lo_t, hi_t, before, after = gap
        if not job.skills <= shift.skills:
            return False
        lo = lo_t + minutes(before, job.location)
        hi = hi_t - job.duration - minutes(job.location, after)
        if job.window:
            lo, hi = max(lo, job.window[0]), min(hi, job.window[1])
        return lo <= hi

    by_shape = {}
    for gap in gaps:
        by_shape.setdefault(gap[0].skills, []).append(gap)
    alone = [j for j in instance.jobs if any(fits(j, g) for g in gaps)]
    free = sum(max(0, g[2] - g[1]) for g in gaps)
    count, used = 0, 0
    for job in sorted(alone, key=lambda j: j.duration):
        if used + job.duration > free:
            break
        used += job.duration
        count += 1
    caps = [s.max_jobs for s in instance.shifts]
    if all(c is not None for c in caps):
        count = min(count, sum(caps) - len(instance.bookings))
    return count


def run(instance, limit):
    # As Plan the week does: the booked jobs are the week's load, and the plan is balanced on it.
    instance.week_load = dict(Counter(b.technician_id for b in instance.bookings))
    wall, cpu = time.perf_counter(), time.process_time()
    plan = solve(instance, limit)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    found = violations(instance, plan.assignments, plan.drive_minutes)
    return plan, found, wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="5,20,100,500")
    parser.add_argument("--loads", default=",".join(str(x) for x in LOADS))
    parser.add_argument("--long", type=float, default=10.0, help="the long run's limit multiple (0: skip)")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(
        "| technicians | load | orders | limit s | placed / placeable bound | violations | drive min "
        "| long-run drive (placed) | drive vs long run | wall s | CPU s |"
    )
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for size in (int(x) for x in args.sizes.split(",")):
        for load in (float(x) for x in args.loads.split(",")):
            instance = generate(size, days=5, load=load, seed=args.seed, jobs=4 * size, booked_to_load=True)
            limit = time_limit(size)
            plan, found, wall, cpu = run(instance, limit)
            assert drive_minutes(instance, plan.assignments) == plan.drive_minutes
            long_text, versus = "-", "-"
            if args.long and size < 500:
                long_plan, long_found, _, _ = run(instance, limit * args.long)
                long_text = f"{long_plan.drive_minutes} ({len(long_plan.assignments)})"
                if long_found:
                    long_text += f" {len(long_found)} violations"
                if len(long_plan.assignments) <= len(plan.assignments):
                    versus = f"{100 * (plan.drive_minutes / max(1, long_plan.drive_minutes) - 1):+.1f}%"
                else:
                    versus = "long run placed more"
            print(
                f"| {size} | {load:.0%} | {len(instance.jobs)} | {limit:g} | {len(plan.assignments)} / "
                f"{placeable_bound(instance)} | {len(found)} | {plan.drive_minutes} | {long_text} | {versus} "
                f"| {wall:.1f} | {cpu:.1f} |",
                flush=True,
            )


if __name__ == "__main__":
    main()
