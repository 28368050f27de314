"""The one clock that TechFlow's writes and "now" read.

`now()` is `django.utils.timezone.now()` unless a caller fixed it for a block of code:
the demo builder replays a whole day through the same services the app calls, with the
clock set to each step's moment (`with clock.frozen(at): job_arrive(...)`), so the demo's
rows are by construction the rows the app would write. Tests pin time with time_machine,
which this reads through timezone.now(). A context variable, so a fixed clock never leaks
into another thread or request.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.utils import timezone

_fixed: ContextVar[datetime | None] = ContextVar("techflow_clock", default=None)


def now() -> datetime:
    """The current time (aware, UTC), or the time a caller fixed with `frozen`."""
    fixed = _fixed.get()
    return fixed if fixed is not None else timezone.now()


def localdate() -> date:
    """Today in the company's time zone, by `now()`."""
    return timezone.localdate(now())


@contextmanager
def frozen(at: datetime) -> Iterator[datetime]:
    """Within the block, `now()` answers `at` (an aware datetime)."""
    if timezone.is_naive(at):
        raise ValueError("clock.frozen needs an aware datetime")
    token = _fixed.set(at)
    try:
        yield at
    finally:
        _fixed.reset(token)
