"""Bounded parsers for what a request carries: days, moments, ids and whole numbers.

Every view reads a date, a time or an id from a query string or a form through these (or through a
form field that carries the same bounds, `dispatch.forms.DayField` / `MomentField`), so input that
the product cannot hold is refused with a sentence instead of ending in a 500 further down:
a year 9999 that overflows `day + 7`, `int("²")` (a digit to `str.isdigit` but not to `int`), an id
larger than the database's integer.

`BadInput` is a `BadRequest` (Django answers 400 through `handler400`, which shows its message) and a
`ValueError` (a view that already catches `ValueError` for its own message keeps doing so).
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import BadRequest, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils import timezone

# The calendar TechFlow plans in. Far wider than any job, narrow enough that a week or a month either
# side of it is still a date (Python's calendar ends at 9999-12-31 and starts at 0001-01-01).
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2099, 12, 31)
# The largest key of an integer column (PostgreSQL's `integer`, the seed's SERIAL).
MAX_ID = 2**31 - 1


class BadInput(BadRequest, ValueError):
    """Input a request carried that TechFlow can't use; the message says what to send instead."""


def _shown(raw: str) -> str:
    text = raw[:40].replace("\x00", "\\0")
    return f"“{text}”"


def day_range_message() -> str:
    return f"Pick a date between {FIRST_DAY:%Y} and {LAST_DAY:%Y}."


def check_day(day: dt.date, *, what: str = "date") -> dt.date:
    if not FIRST_DAY <= day <= LAST_DAY:
        raise BadInput(f"The {what} {day.isoformat()} is out of range. {day_range_message()}")
    return day


def parse_day(raw: str | None, *, default: dt.date | None = None, what: str = "date") -> dt.date:
    """A calendar day (YYYY-MM-DD) within FIRST_DAY..LAST_DAY; `default` when absent or empty."""
    raw = (raw or "").strip()
    if not raw and default is not None:
        return default
    try:
        if not raw.isascii() or len(raw) != 10:
            raise ValueError(raw)
        day = dt.date.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"{_shown(raw)} is not a {what}: give it as YYYY-MM-DD.") from None
    return check_day(day, what=what)


def parse_moment(raw: str | None, *, what: str = "time") -> dt.datetime:
    """A date and time (YYYY-MM-DDTHH:MM, the company's zone when it names none), aware, in range."""
    raw = (raw or "").strip()
    try:
        if not raw.isascii() or len(raw) > 32:
            raise ValueError(raw)
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        raise BadInput(f"{_shown(raw)} is not a {what}: give it as YYYY-MM-DDTHH:MM.") from None
    check_day(moment.date(), what=what)
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_id(raw: str | None, *, what: str = "id") -> int:
    """A row's key: plain ASCII digits, 1..MAX_ID."""
    raw = (raw or "").strip()
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_ID:
        raise BadInput(f"{_shown(raw)} is not a {what}: it should be a number like 42.")
    return int(raw)


def parse_optional_id(raw: str | None, *, what: str = "id") -> int | None:
    """An id, or None when absent or empty."""
    return parse_id(raw, what=what) if (raw or "").strip() else None


def is_id(raw: object) -> bool:
    """Whether `raw` reads as a row's key (for a lookup that ignores anything else)."""
    text = str(raw or "")
    return text.isascii() and text.isdigit() and 1 <= int(text) <= MAX_ID


def day_validators() -> list:
    """For a form's DateField: the same bounds as parse_day."""
    return [
        MinValueValidator(FIRST_DAY, message=day_range_message()),
        MaxValueValidator(LAST_DAY, message=day_range_message()),
    ]


def moment_in_range(value: dt.datetime | None) -> None:
    """A form DateTimeField's validator: its day within FIRST_DAY..LAST_DAY."""
    if value is not None and not FIRST_DAY <= value.date() <= LAST_DAY:
        raise ValidationError(day_range_message(), code="out_of_range")
