"""Move closed work orders older than a cut-off, with everything that references them, into the archive."""

import time

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError
from django.utils import timezone

from techflow.archive import work_orders_archive
from techflow.operations import lift_statement_timeout, operational_event_record, parse_duration


class Command(BaseCommand):
    help = (
        "Move completed and cancelled work orders whose last change is older than --older-than (e.g. 365d), "
        "with their notes, history, travel, activity, parts movements, calls, notifications and voice "
        "sessions, into the <table>_archive tables, one transaction per batch: a crash loses nothing and "
        "a re-run continues. Prints the totals before and after; --dry-run prints what would move."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than", required=True, help="Age of the last change, e.g. 365d, 52w.")
        parser.add_argument("--batch-size", type=int, default=200, help="Work orders per transaction.")
        parser.add_argument("--dry-run", action="store_true", help="Count what would move; move nothing.")

    def handle(self, *args, **options) -> None:
        try:
            cutoff = timezone.now() - parse_duration(options["older_than"])
        except ValidationError as error:
            raise CommandError(error.messages[0]) from error
        verb = "Would move" if options["dry_run"] else "Moved"

        def progress(batch: int, moved: dict[str, int]) -> None:
            if options["verbosity"] > 1:
                self.stdout.write(f"  batch {batch}: {moved.get('work_orders', 0)} work orders")

        lift_statement_timeout()
        started = time.monotonic()
        try:
            result = work_orders_archive(
                cutoff=cutoff, batch_size=options["batch_size"], dry_run=options["dry_run"], progress=progress
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except (DatabaseError, RuntimeError) as error:
            operational_event_record(
                event_type="archive_failed",
                title="Work-order archive failed",
                description=f"{error}. Batches already committed stay archived; run it again to continue.",
                metadata={"older_than": options["older_than"]},
            )
            raise CommandError(f"Archive stopped: {error}. Run it again to continue.") from error

        self.stdout.write(
            f"{verb} {result.orders} closed work orders last changed before "
            f"{timezone.localtime(cutoff):%Y-%m-%d %H:%M %Z} in {result.batches} batches, "
            f"{result.rows} rows in all ({time.monotonic() - started:.2f}s)."
        )
        self.stdout.write(
            f"{'table':<28}{'live before':>12}{'archived before':>16}{'moved':>8}"
            f"{'live after':>12}{'archived after':>16}"
        )
        for table, (live, archived) in result.before.items():
            after = result.after[table]
            moved = result.moved.get(table, 0)
            self.stdout.write(f"{table:<28}{live:>12}{archived:>16}{moved:>8}{after[0]:>12}{after[1]:>16}")
        totals_match = all(sum(result.before[t]) == sum(result.after[t]) for t in result.before)
        if not totals_match:
            raise CommandError("Totals before and after do not add up; see the table above.")
        self.stdout.write(self.style.SUCCESS("Totals add up: every row is either live or archived, once."))
