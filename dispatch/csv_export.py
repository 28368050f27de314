"""The one CSV writer for exports: a cell a spreadsheet would run as a formula is escaped."""

import csv
from collections.abc import Iterable
from typing import Any

# A spreadsheet runs a cell starting with one of these as a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: Any) -> Any:
    """Text that starts like a formula gets a leading apostrophe; anything else is left as it is."""
    if isinstance(value, str) and value[:1] in FORMULA_STARTS:
        return f"'{value}"
    return value


class SafeWriter:
    """csv.writer over `out` (a response, or anything with write()) that escapes every text cell.

    `writerow` returns what the underlying write returned, so a streaming export can yield it.
    """

    def __init__(self, out: Any) -> None:
        self._writer = csv.writer(out)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow([safe_cell(value) for value in row])


class Echo:
    """A file that hands back what is written: for streaming rows with StreamingHttpResponse."""

    def write(self, value: str) -> str:
        return value
