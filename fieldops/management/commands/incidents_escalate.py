from django.core.management.base import BaseCommand

from fieldops.incidents import incidents_escalate_due


class Command(BaseCommand):
    help = (
        "Escalate, once each, the technicians' emergencies nobody in the office acknowledged within "
        "TECHFLOW_INCIDENT_ESCALATE_AFTER seconds: a second alert and a critical operational event. "
        "Open office pages do this on their incident poll; run this from a timer (every minute) so an "
        "emergency escalates when no office page is open. Safe to run on several machines at once."
    )

    def handle(self, *args, **options) -> None:
        escalated = incidents_escalate_due()
        for incident in escalated:
            self.stdout.write(f"Escalated: {incident}")
        self.stdout.write(f"{len(escalated)} incident{'s' if len(escalated) != 1 else ''} escalated.")
