"""Raise the operational events the clock has made due: late starts, overruns, unanswered missed calls."""

from django.core.management.base import BaseCommand

from fieldops.events import raise_due_events


class Command(BaseCommand):
    help = (
        "Raise operational events for technicians late to start, jobs past their planned end and "
        "missed calls not called back in time; each cause once. Run it every few minutes."
    )

    def handle(self, *args, **options) -> None:
        raised = raise_due_events()
        for event in raised:
            self.stdout.write(f"{event.severity}: {event.title}")
        self.stdout.write(f"{len(raised)} event(s) raised.")
