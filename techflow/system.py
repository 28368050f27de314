"""What the System page and db_maintenance read about the database itself.

Each reader runs a fixed number of queries against PostgreSQL's statistics views, whose cost
follows the number of tables and sessions, not the number of rows.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection
from django.utils import timezone

from fieldops.models import OperationalEvent, ProcessedAction, Severity
from techflow.models import BackupKind, BackupRun
from techflow.operations import operational_event_record

LARGEST = 12


def _rows(sql: str, params: list | None = None) -> list[dict[str, Any]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        names = [c[0] for c in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def database_overview() -> dict[str, Any]:
    if connection.vendor == "postgresql":
        row = _rows(
            "SELECT current_database() AS name, pg_database_size(current_database()) AS size, "
            "current_setting('server_version') AS version"
        )[0]
        return {**row, "vendor": "PostgreSQL"}
    row = _rows(
        "SELECT page_count * page_size AS size, sqlite_version() AS version "
        "FROM pragma_page_count(), pragma_page_size()"
    )[0]
    return {**row, "name": str(connection.settings_dict["NAME"]), "vendor": "SQLite"}


def largest_tables(limit: int = LARGEST) -> list[dict[str, Any]]:
    """The biggest tables with their dead-tuple ratio and last (auto)vacuum and (auto)analyze."""
    rows = _rows(
        "SELECT s.relname AS name, pg_total_relation_size(s.relid) AS size, s.n_live_tup AS live, "
        "s.n_dead_tup AS dead, GREATEST(s.last_vacuum, s.last_autovacuum) AS vacuumed, "
        "GREATEST(s.last_analyze, s.last_autoanalyze) AS analyzed "
        "FROM pg_stat_user_tables s WHERE s.schemaname = 'public' "
        "ORDER BY pg_total_relation_size(s.relid) DESC, s.relname LIMIT %s",
        [limit],
    )
    for row in rows:
        total = row["live"] + row["dead"]
        row["dead_ratio"] = row["dead"] / total if total else 0.0
    return rows


@dataclass
class LongQuery:
    pid: int
    seconds: float
    state: str
    wait: str
    query: str
    started: datetime
    user: str


def long_running_queries(threshold_seconds: int | None = None) -> list[LongQuery]:
    """This database's sessions busy on one statement longer than the threshold (the seed's monitor, fixed).

    The seed's query used pg_stat_activity.waiting and '<IDLE>', both gone since 9.6: a session
    is busy when state <> 'idle', and wait_event says what it waits for.
    """
    threshold = settings.TECHFLOW_LONG_QUERY_SECONDS if threshold_seconds is None else threshold_seconds
    rows = _rows(
        "SELECT pid, EXTRACT(EPOCH FROM now() - query_start)::float AS seconds, state, "
        "COALESCE(wait_event_type || ': ' || wait_event, '') AS wait, query, query_start AS started, "
        "COALESCE(usename, '') AS user "
        "FROM pg_stat_activity "
        "WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid() "
        "AND backend_type = 'client backend' "
        "AND query_start < now() - make_interval(secs => %s) "
        "ORDER BY query_start",
        [threshold],
    )
    return [LongQuery(**row) for row in rows]


def blocked_sessions() -> list[dict[str, Any]]:
    """Sessions waiting for a lock, with the sessions holding it."""
    return _rows(
        "SELECT pid, pg_blocking_pids(pid) AS blocked_by, "
        "EXTRACT(EPOCH FROM now() - COALESCE(state_change, query_start))::float AS seconds, "
        "COALESCE(wait_event_type || ': ' || wait_event, '') AS wait, query "
        "FROM pg_stat_activity WHERE datname = current_database() AND cardinality(pg_blocking_pids(pid)) > 0 "
        "ORDER BY pid"
    )


def long_queries_record(queries: list[LongQuery]) -> int:
    """An operational event per long query not yet recorded (one per session and statement start)."""
    if not queries:
        return 0
    keys = {f"{q.pid}:{q.started.isoformat()}" for q in queries}
    seen = set(
        OperationalEvent.objects.filter(
            event_type="long_running_query", metadata__key__in=list(keys)
        ).values_list("metadata__key", flat=True)
    )
    created = 0
    for query in queries:
        key = f"{query.pid}:{query.started.isoformat()}"
        if key in seen:
            continue
        operational_event_record(
            event_type="long_running_query",
            title=f"Query running {query.seconds:.0f}s (pid {query.pid})",
            severity=Severity.WARNING,
            description=query.query[:2000],
            metadata={"key": key, "pid": query.pid, "seconds": round(query.seconds), "wait": query.wait},
        )
        created += 1
    return created


@dataclass
class KeyTable:
    rows: int
    size: int | None
    oldest: datetime | None
    retention_days: int
    estimated: bool


def processed_actions_overview() -> KeyTable:
    table = ProcessedAction._meta.db_table
    oldest = ProcessedAction.objects.order_by("created_at").values_list("created_at", flat=True).first()
    days = settings.TECHFLOW_PROCESSED_ACTIONS_RETENTION_DAYS
    if connection.vendor == "postgresql":
        row = _rows(
            "SELECT GREATEST(c.reltuples, 0)::bigint AS rows, pg_total_relation_size(c.oid) AS size "
            "FROM pg_class c WHERE c.oid = %s::regclass",
            [table],
        )[0]
        return KeyTable(row["rows"], row["size"], oldest, days, estimated=True)
    return KeyTable(ProcessedAction.objects.count(), None, oldest, days, estimated=False)


def recent_runs(limit: int = 5) -> dict[str, list[BackupRun]]:
    return {kind.label: list(BackupRun.objects.filter(kind=kind)[:limit]) for kind in BackupKind}


# -- db_maintenance ---------------------------------------------------------------------------


@dataclass
class MaintenanceResult:
    vendor: str
    seconds: float = 0.0
    steps: list[tuple[str, float]] = field(default_factory=list)
    pruned: int = 0


def _timed(result: MaintenanceResult, label: str, sql: str) -> None:
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(sql)
    result.steps.append((label, time.monotonic() - started))


def database_maintain(*, now: datetime | None = None, retention_days: int | None = None) -> MaintenanceResult:
    """VACUUM (ANALYZE) every table (SQLite: VACUUM; ANALYZE), then prune old idempotency keys."""
    started = time.monotonic()
    result = MaintenanceResult(vendor=connection.vendor)
    days = settings.TECHFLOW_PROCESSED_ACTIONS_RETENTION_DAYS if retention_days is None else retention_days
    cutoff = (now or timezone.now()) - timedelta(days=days)
    while True:
        # In slices, so a year of keys doesn't hold one long lock.
        batch = list(
            ProcessedAction.objects.filter(created_at__lt=cutoff).values_list("pk", flat=True)[:5000]
        )
        if not batch:
            break
        result.pruned += ProcessedAction.objects.filter(pk__in=batch).delete()[0]
    if connection.vendor == "postgresql":
        qn = connection.ops.quote_name
        tables = [
            r["relname"] for r in _rows("SELECT relname FROM pg_stat_user_tables WHERE schemaname = 'public'")
        ]
        for table in sorted(tables):
            _timed(result, table, f"VACUUM (ANALYZE) {qn(table)}")
    else:
        _timed(result, "VACUUM", "VACUUM")
        _timed(result, "ANALYZE", "ANALYZE")
    result.seconds = time.monotonic() - started
    return result
