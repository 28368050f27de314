"""Queue the periodic jobs' tick on the background worker (README "Background worker")."""

from django.core.management.base import BaseCommand, CommandError
from django.tasks import default_task_backend

from techflow.periodic import JOBS, periodic_run_due, periodic_schedule


class Command(BaseCommand):
    help = (
        "Queue the tick that runs the periodic jobs (incidents_escalate, raise_due_events, "
        "send_customer_messages, the service-report sweep, the stored files check) on the database "
        "worker, unless one is "
        "queued already: safe to run at every worker's start, on any number of machines. "
        "--once runs the due jobs here and now instead (a cron line, or the immediate backend)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--once", action="store_true", help="run the due jobs now, queue nothing")

    def handle(self, *args, once: bool = False, **options) -> None:
        if once:
            outcomes = periodic_run_due()
            for name, outcome in outcomes.items():
                self.stdout.write(f"{name}: {outcome}")
            self.stdout.write(f"{len(outcomes)} of {len(JOBS)} periodic job(s) were due.")
            return
        if not default_task_backend.supports_defer:
            raise CommandError(
                "The task backend runs tasks at once (TECHFLOW_TASKS_BACKEND=immediate): there is no "
                "worker to tick. Run `manage.py schedule_periodic --once` from cron every minute instead."
            )
        task_id = periodic_schedule()
        self.stdout.write(f"Periodic tick queued ({task_id}); the worker runs it every few seconds.")
