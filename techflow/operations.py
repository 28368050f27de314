"""What the operations commands share: parsing their durations and recording what went wrong."""

import re
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection

from fieldops.models import EventCategory, OperationalEvent, Severity

SOURCE = "techflow-ops"
DURATION = re.compile(r"^\s*(\d+)\s*([dwh])\s*$")
UNITS = {"h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str) -> timedelta:
    """'365d', '52w' or '12h' as a timedelta; anything else is refused with the accepted forms."""
    match = DURATION.match(text or "")
    if not match or int(match.group(1)) < 1:
        raise ValidationError(
            f"{text!r} is not a duration: write a whole number and a unit, e.g. 365d, 52w or 12h."
        )
    return timedelta(**{UNITS[match.group(2)]: int(match.group(1))})


def operational_event_record(
    *,
    event_type: str,
    title: str,
    severity: str = Severity.ERROR,
    description: str = "",
    metadata: Any = None,
) -> OperationalEvent:
    """An operational event (category system) for the office and the System page, committed on its own."""
    # Callers record a failure after its transaction rolled back, so the record survives.
    return OperationalEvent.objects.create(
        event_type=event_type,
        event_category=EventCategory.SYSTEM,
        severity=severity,
        source_system=SOURCE,
        title=title,
        description=description or None,
        metadata=metadata or {},
    )


def lift_statement_timeout() -> None:
    """Long maintenance work (VACUUM, archive batches) is not held to a web request's statement limit."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")
