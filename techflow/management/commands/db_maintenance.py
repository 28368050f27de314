"""VACUUM and ANALYZE with timing, and the idempotency keys' retention."""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection

from techflow.operations import lift_statement_timeout, operational_event_record
from techflow.system import database_maintain


class Command(BaseCommand):
    help = (
        "Run VACUUM (ANALYZE) on every table (PostgreSQL; on SQLite VACUUM; ANALYZE;) and print how long "
        "each took; first delete processed_actions (the phones' idempotency keys) older than "
        "TECHFLOW_PROCESSED_ACTIONS_RETENTION_DAYS (or --retention-days). Meant for a nightly timer."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--retention-days", type=int, help="Override the idempotency-key retention.")

    def handle(self, *args, **options) -> None:
        days = options["retention_days"]
        if days is not None and days < 1:
            raise CommandError("--retention-days must be at least 1: a phone may still be replaying today's.")
        lift_statement_timeout()
        try:
            result = database_maintain(retention_days=days)
        except DatabaseError as error:
            operational_event_record(
                event_type="maintenance_failed", title="Database maintenance failed", description=str(error)
            )
            raise CommandError(f"Maintenance failed: {error}") from error
        self.stdout.write(f"Pruned {result.pruned} idempotency keys past their retention.")
        slowest = sorted(result.steps, key=lambda step: step[1], reverse=True)[:5]
        for label, seconds in slowest:
            self.stdout.write(f"  {label:<32}{seconds:8.3f}s")
        what = "VACUUM (ANALYZE)" if connection.vendor == "postgresql" else "VACUUM; ANALYZE;"
        self.stdout.write(
            self.style.SUCCESS(f"{what} done in {result.seconds:.2f}s ({len(result.steps)} steps).")
        )
