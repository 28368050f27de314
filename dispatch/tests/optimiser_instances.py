"""Generated optimiser instances with coordinates (tests and bench/optimiser.py).

A city about 30 km across around 40.0N -75.0E; a few zones (the city's quadrants); skills;
an arrival window on about 30% of orders; durations 30 min to 6 h. Drive time: straight-line
distance x 1.3 (road factor) at 40 km/h, rounded up to whole minutes (the stand-in for
dispatch/routing.py's default).
"""

import math
import random

from dispatch.optimiser import Booking, Instance, Job, Shift

CENTRE = (40.0, -75.0)
SKILLS = ("PTZ", "access control", "fibre splicing")
DURATIONS = (30, 45, 60, 60, 90, 90, 120, 120, 180, 240, 360)
WINDOWS = ((480, 600), (540, 720), (780, 900), (720, 960))


def drive_minutes(a, b) -> float:
    lat1, lng1, lat2, lng2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lng2 - lng1) / 2) ** 2
    km = 2 * 6371.0 * math.asin(math.sqrt(h))
    return km * 1.3 / 40.0 * 60.0


def _point(rng, radius_km=15.0):
    r = radius_km * math.sqrt(rng.random())
    t = rng.random() * 2 * math.pi
    dlat = r * math.cos(t) / 111.0
    dlng = r * math.sin(t) / (111.0 * math.cos(math.radians(CENTRE[0])))
    return (round(CENTRE[0] + dlat, 5), round(CENTRE[1] + dlng, 5))


def _zone(p):
    return ("N" if p[0] >= CENTRE[0] else "S") + ("E" if p[1] >= CENTRE[1] else "W")


def generate(
    technicians: int,
    days: int = 5,
    load: float = 0.9,
    seed: int = 1,
    *,
    jobs: int | None = None,
    max_jobs: int | None = None,
    booking_rate: float = 0.2,
    durations=DURATIONS,
    no_location_rate: float = 0.03,
    booked_to_load: bool = False,
) -> Instance:
    """`load` is the orders' minutes over the shifts' free minutes (ignoring drive).

    Default: a few bookings (`booking_rate` of the days), then orders until `load` of the free
    minutes. `booked_to_load`: exactly `jobs` orders, and the week is already booked (fixed
    jobs chained through each day) so that the orders are `load` of what is left free.
    """
    rng = random.Random(seed)
    shifts, bookings = [], []
    for t in range(1, technicians + 1):
        home = _point(rng)
        skills = frozenset(s for s in SKILLS if rng.random() < 0.45)
        start, end = rng.choice([(420, 1020), (420, 1020), (480, 1020), (420, 960)])
        for d in range(days):
            shifts.append(Shift(t, d, start, end, max_jobs, skills, home, _zone(home), f"Tech {t}"))
    out = []

    def new_job(i):
        loc = None if rng.random() < no_location_rate else _point(rng)
        duration = rng.choice(durations)
        need = frozenset(s for s in SKILLS if rng.random() < 0.15)
        window = rng.choice(WINDOWS) if rng.random() < 0.3 else None
        priority = rng.choices(("emergency", "high", "normal", "low"), (1, 4, 20, 5))[0]
        due = rng.randrange(days) if rng.random() < 0.2 else None
        return Job(1000 + i, duration, need, loc, window, priority, due, _zone(loc) if loc else None)

    if booked_to_load:
        out = [new_job(i) for i in range(jobs)]
        # Open days (one short booking at most) and full days (fixed jobs all day, little gap),
        # mixed so the free minutes come to the orders' minutes over `load`.
        free_each = sum(j.duration for j in out) / load / len(shifts)
        length = sum(s.end - s.start for s in shifts) / len(shifts)
        open_share = min(1.0, max(0.0, (free_each - 30) / (length - 60)))
        for shift in shifts:
            if rng.random() < open_share:
                if rng.random() < 0.5:
                    start = shift.start
                    bookings.append(Booking(shift.technician_id, shift.day, start, start + 60, _point(rng)))
            else:
                _book_day(rng, shift, rng.choice((0, 30, 60)), bookings)
        return Instance(shifts=shifts, jobs=out, drive=drive_minutes, bookings=bookings)
    for shift in shifts:
        if rng.random() < booking_rate:
            b_start = rng.choice([shift.start, shift.start + 120, 720])
            b_end = b_start + rng.choice([60, 90, 120])
            bookings.append(Booking(shift.technician_id, shift.day, b_start, b_end, _point(rng), None))
    free = sum(s.end - s.start for s in shifts) - sum(b.end - b.start for b in bookings)
    total, i = 0, 0
    while (jobs is None and total < load * free) or (jobs is not None and i < jobs):
        job = new_job(i)
        out.append(job)
        total += job.duration
        i += 1
    return Instance(shifts=shifts, jobs=out, drive=drive_minutes, bookings=bookings)


def _book_day(rng, shift, free, bookings):
    """Fixed jobs through the day leaving about `free` minutes in gaps (drive included)."""
    length = shift.end - shift.start
    free = max(0.0, min(length, free))
    count = rng.choice((2, 3, 3, 4))
    booked = length - free
    if booked < 30 * count:
        return
    cuts = sorted(rng.random() for _ in range(count))
    gaps = [free * (b - a) for a, b in zip([0.0, *cuts], [*cuts, 1.0], strict=True)]
    size = booked / count
    at, prev = shift.start + gaps[0], None
    for k in range(count):
        loc = _point(rng)
        if prev is not None:
            at = max(at, bookings[-1].end + math.ceil(drive_minutes(prev, loc)))
        start, end = int(at), int(at + size)
        if end > shift.end:
            break
        bookings.append(Booking(shift.technician_id, shift.day, start, end, loc, None))
        prev = loc
        at = end + gaps[k + 1]
