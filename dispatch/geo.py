"""Address search for the customer form: a Nominatim-compatible geocoder (TECHFLOW_GEOCODER_URL,
`/search?q=...&format=json`), called from the server with a short timeout."""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings

log = logging.getLogger(__name__)

MAX_RESULTS = 5


class GeocoderError(Exception):
    """The geocoder is not configured, unreachable or answered something unusable; the message says which."""


@dataclass(frozen=True)
class Place:
    label: str
    latitude: float
    longitude: float


def geocoder_configured() -> bool:
    return bool(getattr(settings, "TECHFLOW_GEOCODER_URL", ""))


def geocode(query: str) -> list[Place]:
    """Places matching an address, best first (at most MAX_RESULTS)."""
    url = getattr(settings, "TECHFLOW_GEOCODER_URL", "")
    if not url:
        raise GeocoderError("Address search is not set up (TECHFLOW_GEOCODER_URL); place the pin on the map.")
    query = query.strip()
    if not query:
        raise GeocoderError("Type an address to search for.")
    params = urllib.parse.urlencode({"q": query, "format": "json", "limit": MAX_RESULTS})
    request = urllib.request.Request(
        f"{url.rstrip('/')}/search?{params}",
        headers={"Accept": "application/json", "User-Agent": "TechFlow (self-hosted field service)"},
    )
    timeout = float(getattr(settings, "TECHFLOW_GEOCODER_TIMEOUT", 5.0))
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (the configured server)
            rows = json.load(response)
    except (OSError, ValueError) as error:
        log.warning("Geocoder %s failed: %s", url, error)
        raise GeocoderError(
            "The address search didn't answer in time or failed; try again, or place the pin on the map."
        ) from error
    places = []
    for row in rows if isinstance(rows, list) else []:
        try:
            lat, lng = float(row["lat"]), float(row["lon"])
        except (KeyError, TypeError, ValueError):
            continue
        if -90 <= lat <= 90 and -180 <= lng <= 180:
            places.append(Place(str(row.get("display_name") or query)[:300], lat, lng))
    return places[:MAX_RESULTS]
