"""Roll up the reports' days again: after a correction to old records (a job's type, parts used late)."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError

from dispatch import clock
from fieldops.reports import report_day_stale, report_days_build, report_jobs_settle


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"{text!r} is not a date (YYYY-MM-DD).") from error


class Command(BaseCommand):
    help = (
        "Roll up the reports page's numbers again for the days FROM..TO (closed days only; today is "
        "always worked out live). The periodic job rolls up each day once it has ended; run this "
        "after correcting records of days already rolled up."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("first", type=_day, metavar="FROM", help="The first day, YYYY-MM-DD.")
        parser.add_argument(
            "last", type=_day, nargs="?", metavar="TO", help="The last day (default: yesterday)."
        )

    def handle(self, *args, first: date, last: date | None, **options) -> None:
        last = last or clock.localdate() - timedelta(days=1)
        if last < first:
            raise CommandError(f"{last} is before {first}.")
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        for day in days:
            report_day_stale(day)  # rolled up again even where nothing says its records changed
        built = report_days_build(days)
        self.stdout.write(f"{built} day(s) rolled up, {report_jobs_settle()} job(s) settled.")
