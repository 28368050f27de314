"""ORM queries compiled to SQL once per process and run with new values on every call.

Some of the hottest reads are one statement of a dozen correlated subqueries (a technician's state,
the phone's "anything new?" summary). PostgreSQL answers them in a millisecond or two; Django took
ten to twenty to build and compile them on every request. A `CompiledQuery` builds the queryset once
with sentinel values, finds those sentinels among the compiled statement's parameters, and from then
on runs the same SQL with the real values in their places, converting the row the way the ORM would.

The queryset stays the one definition (its filters and subqueries are ordinary ORM code, reviewed and
tested as such); if a sentinel does not come out as a parameter of its own (the ORM folded it into
the SQL, or into another value), the query is not cached and every call runs the ORM as before.
"""

import threading
from collections.abc import Callable
from datetime import date, datetime
from typing import Any

from django.db import connections
from django.db.models import QuerySet


class CompiledQuery:
    """`build(**values)` returns a `.values(...)` queryset; `rows(**values)` runs it.

    `sentinels` gives, for each keyword of `build`, a value of the real values' type that no real
    call will pass and that equals no constant of the query (a negative id, a date in 1900).
    """

    def __init__(self, build: Callable[..., QuerySet], **sentinels: Any) -> None:
        self._build = build
        self._sentinels = sentinels
        self._compiled: dict[str, tuple | None] = {}
        self._lock = threading.Lock()

    def rows(self, using: str = "default", **values: Any) -> list[dict[str, Any]]:
        if set(values) != set(self._sentinels):
            raise TypeError(f"expected {sorted(self._sentinels)}, got {sorted(values)}")
        if using not in self._compiled:
            with self._lock:
                if using not in self._compiled:
                    self._compiled[using] = self._compile(using)
        compiled = self._compiled[using]
        if compiled is None:
            return list(self._build(**values).using(using))
        sql, slots, names, converters = compiled
        connection = connections[using]
        prepared = {name: _prepare(connection, value) for name, value in values.items()}
        params = [prepared[name] if is_slot else name for is_slot, name in slots]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            fetched = cursor.fetchall()
        out = []
        for row in fetched:
            row = list(row)
            for position, (functions, expression) in converters.items():
                value = row[position]
                for function in functions:
                    value = function(value, expression, connection)
                row[position] = value
            out.append(dict(zip(names, row, strict=True)))
        return out

    def _compile(self, using: str) -> tuple | None:
        connection = connections[using]
        query = self._build(**self._sentinels).using(using).query
        compiler = query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        wanted = {name: _prepare(connection, value) for name, value in self._sentinels.items()}
        slots, found = [], set()
        for param in params:
            name = next((n for n, v in wanted.items() if type(param) is type(v) and param == v), None)
            if name is None:
                slots.append((False, param))
            else:
                slots.append((True, name))
                found.add(name)
        if found != set(wanted):
            return None
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        columns = [column for column, _, _ in compiler.select[: compiler.col_count]]
        if len(names) != len(columns):
            return None
        return sql, slots, names, compiler.get_converters(columns)


def _prepare(connection, value: Any) -> Any:
    """A value as the ORM passes it to the driver (SQLite takes datetimes as text)."""
    if isinstance(value, datetime):
        return connection.ops.adapt_datetimefield_value(value)
    if isinstance(value, date):
        return connection.ops.adapt_datefield_value(value)
    return value
