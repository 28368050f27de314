"""Drive time between places, in minutes.

By default a straight line (haversine) times a road factor at an average speed
(TECHFLOW_ROAD_FACTOR, TECHFLOW_AVERAGE_SPEED_KMH); with TECHFLOW_ROUTING_URL, an OSRM server's
`/table/v1/driving/` answer. A routing server that fails or answers nonsense is logged and the
straight line is used instead. Nothing is cached in process memory.
"""

import json
import logging
import math
import urllib.error
import urllib.request
from collections.abc import Sequence
from decimal import Decimal

from django.conf import settings

log = logging.getLogger(__name__)

EARTH_RADIUS_KM = 6371.0088

Point = tuple[float | Decimal, float | Decimal]  # (latitude, longitude)


def straight_km(a: Point, b: Point) -> float:
    """Great-circle distance between two (latitude, longitude) points, in km."""
    lat1, lon1, lat2, lon2 = (math.radians(float(v)) for v in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def straight_minutes(a: Point, b: Point) -> float:
    """The default estimate: straight line × road factor at the average speed."""
    factor = float(getattr(settings, "TECHFLOW_ROAD_FACTOR", 1.3))
    speed = float(getattr(settings, "TECHFLOW_AVERAGE_SPEED_KMH", 40.0))
    return straight_km(a, b) * factor / speed * 60


def drive_minutes(a: Point, b: Point) -> float:
    """Minutes to drive from `a` to `b`."""
    return drive_matrix([a, b])[0][1]


def drive_matrix(points: Sequence[Point]) -> list[list[float]]:
    """Minutes from every point to every other ([i][j] is from points[i] to points[j]): one request
    to the routing server when one is set, else the straight-line estimate."""
    points = list(points)
    if len(points) < 2:
        return [[0.0] * len(points) for _ in points]
    url = getattr(settings, "TECHFLOW_ROUTING_URL", "")
    if url:
        try:
            return _osrm_table(url, points)
        except (OSError, ValueError, KeyError, TypeError) as error:
            log.warning("Routing server %s failed (%s); using straight-line drive times.", url, error)
    return [
        [0.0 if i == j else straight_minutes(a, b) for j, b in enumerate(points)]
        for i, a in enumerate(points)
    ]


def _osrm_table(url: str, points: list[Point]) -> list[list[float]]:
    # OSRM takes longitude,latitude pairs separated by semicolons.
    coordinates = ";".join(f"{float(lng):.6f},{float(lat):.6f}" for lat, lng in points)
    timeout = float(getattr(settings, "TECHFLOW_ROUTING_TIMEOUT", 5.0))
    request = urllib.request.Request(
        f"{url.rstrip('/')}/table/v1/driving/{coordinates}?annotations=duration",
        headers={"Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the configured server)
        body = json.load(response)
    if body.get("code") != "Ok":
        raise ValueError(f"answered code {body.get('code')!r}")
    durations = body["durations"]
    if len(durations) != len(points) or any(len(row) != len(points) for row in durations):
        raise ValueError("answered a table of the wrong size")
    matrix = []
    for i, row in enumerate(durations):
        out = []
        for j, seconds in enumerate(row):
            # OSRM answers null for a pair it can't route: estimate that pair instead.
            out.append(straight_minutes(points[i], points[j]) if seconds is None else float(seconds) / 60)
        matrix.append(out)
    return matrix
