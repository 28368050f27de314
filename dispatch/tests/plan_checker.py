"""An independent checker of a plan against an optimiser instance: every broken rule, in words.

Written from the rules in dispatch/optimiser.py's docstring, sharing none of its code: it reads
only the instance's and the plan's fields. Used by the tests and by bench/optimiser.py.

Rules checked:
- every assignment names a known order, once, on a technician-day that has a shift;
- start >= shift start, start + duration <= shift end;
- start inside the arrival window when the order has one;
- the technician has every required skill;
- jobs that day (fixed bookings included) <= the shift's cap when it has one;
- on each technician-day, all stops (jobs and bookings) sorted by start: each ends, plus the
  drive to the next, no later than the next starts;
- the reported drive total, when given, equals home -> first stop + stop -> stop for every day.
"""

import math


def violations(instance, assignments, reported_drive=None) -> list[str]:
    problems = []
    jobs = {}
    for job in instance.jobs:
        jobs[job.order_id] = job
    shifts = {}
    for shift in instance.shifts:
        shifts[(shift.technician_id, shift.day)] = shift

    def minutes(a, b):
        if a is None or b is None or a == b:
            return 0
        return int(math.ceil(instance.drive(a, b)))

    seen = set()
    days = {key: [] for key in shifts}
    for booking in instance.bookings:
        days.setdefault((booking.technician_id, booking.day), []).append(
            (booking.start, booking.end, booking.location, f"booking {booking.order_id}")
        )
    for a in assignments:
        label = f"order {a.order_id}"
        if a.order_id not in jobs:
            problems.append(f"{label}: not an order of the instance")
            continue
        if a.order_id in seen:
            problems.append(f"{label}: placed more than once")
        seen.add(a.order_id)
        job = jobs[a.order_id]
        shift = shifts.get((a.technician_id, a.day))
        if shift is None:
            problems.append(f"{label}: technician {a.technician_id} does not work on {a.day}")
            continue
        end = a.start + job.duration
        if a.start < shift.start:
            problems.append(f"{label}: starts {a.start} before the shift starts {shift.start}")
        if end > shift.end:
            problems.append(f"{label}: ends {end} after the shift ends {shift.end}")
        if job.window is not None and not (job.window[0] <= a.start <= job.window[1]):
            problems.append(f"{label}: starts {a.start} outside its window {job.window}")
        missing = set(job.skills) - set(shift.skills)
        if missing:
            problems.append(f"{label}: technician {a.technician_id} lacks {sorted(missing)}")
        days[(a.technician_id, a.day)].append((a.start, end, job.location, label))
    total = 0
    for key, stops in days.items():
        shift = shifts.get(key)
        stops.sort(key=lambda s: (s[0], s[1]))
        if shift is not None and shift.max_jobs is not None and len(stops) > shift.max_jobs:
            problems.append(
                f"technician {key[0]} on {key[1]}: {len(stops)} jobs over the cap {shift.max_jobs}"
            )
        here = shift.home if shift is not None else None
        for i, stop in enumerate(stops):
            total += minutes(here, stop[2])
            here = stop[2]
            if i == 0:
                continue
            before = stops[i - 1]
            gap = minutes(before[2], stop[2])
            if before[1] + gap > stop[0]:
                problems.append(
                    f"technician {key[0]} on {key[1]}: {before[3]} ends {before[1]}, {gap} min drive, "
                    f"but {stop[3]} starts {stop[0]}"
                )
    if reported_drive is not None and reported_drive != total:
        problems.append(f"reported drive {reported_drive} min, the plan drives {total} min")
    return problems


def drive_minutes(instance, assignments) -> int:
    """Total drive of a plan by the same rules (home -> first stop, then stop to stop)."""
    jobs = {j.order_id: j for j in instance.jobs}
    homes = {(s.technician_id, s.day): s.home for s in instance.shifts}
    days = {}
    for b in instance.bookings:
        days.setdefault((b.technician_id, b.day), []).append((b.start, b.location))
    for a in assignments:
        days.setdefault((a.technician_id, a.day), []).append((a.start, jobs[a.order_id].location))
    total = 0
    for key, stops in days.items():
        here = homes.get(key)
        for _, loc in sorted(stops, key=lambda s: s[0]):
            if here is not None and loc is not None and here != loc:
                total += int(math.ceil(instance.drive(here, loc)))
            here = loc
    return total
