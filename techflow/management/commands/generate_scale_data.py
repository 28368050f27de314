"""Fill an empty database with a company at scale, to measure the pages (bench/, the plan tests)."""

import sys
import time
from datetime import datetime

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from dispatch import clock
from techflow import demo, scale


def _aware(value: str) -> datetime:
    parsed = parse_datetime(value)
    if parsed is None:
        raise ValueError(f"not a date and time: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)


class Command(BaseCommand):
    help = (
        "Generate a company at scale (default: 500 technicians, 20,000 customers, a year of work) "
        "into an empty database: COPY on PostgreSQL, bulk inserts on SQLite. Refuses a database that "
        "holds TechFlow data or logins unless --reset, which deletes ALL TechFlow data and ALL logins."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--technicians", type=int, default=scale.DEFAULT_TECHNICIANS)
        parser.add_argument("--customers", type=int, default=scale.DEFAULT_CUSTOMERS)
        parser.add_argument(
            "--days", type=int, default=scale.DEFAULT_DAYS, help="Days of history before today."
        )
        parser.add_argument("--seed", type=int, default=scale.DEFAULT_SEED)
        parser.add_argument(
            "--now",
            type=_aware,
            default=None,
            help="The moment the data ends at (ISO 8601; default: now). Same --now and --seed, same rows.",
        )
        parser.add_argument(
            "--password", default=demo.DEFAULT_PASSWORD, help="Password of every generated login."
        )
        parser.add_argument(
            "--reset", action="store_true", help="Delete ALL TechFlow data and ALL logins first."
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar on stderr.")

    def handle(self, *args, **options) -> None:
        for name in ("technicians", "customers", "days"):
            if options[name] < 1:
                raise CommandError(f"--{name} must be at least 1.")
        if options["reset"]:
            scale.wipe()
        elif scale.database_has_data():
            raise CommandError(
                "This database already holds TechFlow data or logins; generate_scale_data fills only an "
                "empty one. Run with --reset to delete ALL TechFlow data and ALL logins first."
            )
        now = options["now"] or clock.now()
        started = time.monotonic()
        progress = None if options["no_progress"] else _progress_bar(started)
        summary = scale.generate(
            technicians=options["technicians"],
            customers=options["customers"],
            days=options["days"],
            seed=options["seed"],
            now=now,
            password=options["password"],
            progress=progress,
        )
        if progress:
            sys.stderr.write("\n")
        counts = ", ".join(f"{count:,} {table}" for table, count in summary.counts.items())
        self.stdout.write(
            self.style.SUCCESS(f"Generated up to {now.isoformat()} in {summary.seconds:.1f} s: {counts}.")
        )
        logins = ", ".join(username for username, _ in summary.logins)
        self.stdout.write(f"Logins: {logins} (and one per technician); password: {options['password']}")


def _progress_bar(started: float):
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // total
        elapsed = time.monotonic() - started
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] day {done}/{total}  {elapsed:5.0f} s")
        sys.stderr.flush()

    return show
