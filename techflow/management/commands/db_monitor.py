"""The long-running-query monitor, for a timer: each query over the threshold becomes an operational event."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from techflow.system import blocked_sessions, long_queries_record, long_running_queries


class Command(BaseCommand):
    help = (
        "List the statements running longer than TECHFLOW_LONG_QUERY_SECONDS (or --threshold) and the "
        "sessions blocked by a lock, and record an operational event for each long query not yet "
        "recorded. PostgreSQL only: SQLite has no view of its running statements."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--threshold", type=int, help="Seconds (default: TECHFLOW_LONG_QUERY_SECONDS).")

    def handle(self, *args, **options) -> None:
        if connection.vendor != "postgresql":
            raise CommandError("db_monitor needs PostgreSQL: SQLite has no pg_stat_activity.")
        queries = long_running_queries(options["threshold"])
        recorded = long_queries_record(queries)
        for query in queries:
            self.stdout.write(
                f"  pid {query.pid} {query.seconds:.0f}s {query.wait or query.state}: {query.query[:80]}"
            )
        blocked = blocked_sessions()
        for row in blocked:
            self.stdout.write(f"  pid {row['pid']} blocked by {row['blocked_by']} for {row['seconds']:.0f}s")
        self.stdout.write(
            f"{len(queries)} long queries ({recorded} new events), {len(blocked)} blocked sessions."
        )
