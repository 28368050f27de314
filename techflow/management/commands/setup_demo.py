"""Load the seed's demo company, relative to today in the company's time zone."""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from dispatch import clock
from techflow import demo


class Command(BaseCommand):
    help = (
        "Load the demo company (the seed's trucks, technicians, stock, customers and 120 work "
        "orders from 7 days ago to 7 days ahead) and its demo logins. Runs only with DEBUG on "
        "unless --force. Does nothing if the demo is already loaded; --reset wipes ALL TechFlow "
        "data and the demo logins first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--password",
            default=demo.DEFAULT_PASSWORD,
            help=f"Password for every demo login (default: {demo.DEFAULT_PASSWORD}).",
        )
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete every row of the TechFlow tables and the demo logins, then load the demo.",
        )
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off. The demo logins have a published password.",
        )

    def handle(self, *args, password: str, reset: bool, force: bool, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError(
                "setup_demo creates logins with a published password, so it runs only with DEBUG=True. "
                "Pass --force to load the demo anyway (never on a server others can reach)."
            )
        started = time.monotonic()
        now = clock.now()
        today = timezone.localdate(now)
        with transaction.atomic():
            if reset:
                demo.wipe_techflow_data()
            elif demo.demo_is_loaded():
                self.stdout.write(
                    "The demo is already loaded; nothing changed. "
                    "Run with --reset to wipe it and load it again relative to today."
                )
                self._print_logins(demo.demo_logins(), password=None)
                return
            elif demo.techflow_has_data():
                raise CommandError(
                    "This database already holds TechFlow data that is not the demo; setup_demo will not "
                    "mix demo rows into it. Run with --reset to delete ALL TechFlow data and load the demo."
                )
            elif taken := demo.existing_demo_usernames():
                raise CommandError(
                    f"These logins already exist: {', '.join(taken)}. The demo would take them over. "
                    "Remove them, or run with --reset to replace them."
                )
            summary = demo.load_demo(today=today, password=password, now=now)
        counts = ", ".join(f"{count} {name}" for name, count in summary.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo loaded for {summary.today:%a %Y-%m-%d} ({settings.TIME_ZONE}): {counts} "
                f"in {time.monotonic() - started:.1f} s."
            )
        )
        self.stdout.write(f"Weekends: {summary.weekend_rota}.")
        self._print_logins(summary.logins, password=password)

    def _print_logins(self, logins: list[tuple[str, str]], *, password: str | None) -> None:
        self.stdout.write(self.style.WARNING("Demo logins (DEMO ONLY: never use them on a real server):"))
        for username, role in logins:
            self.stdout.write(f"  {username:<8} {role}")
        if password is None:
            self.stdout.write("Password: the one given when the demo was loaded.")
        else:
            self.stdout.write(f"Password for all of them: {password}")
