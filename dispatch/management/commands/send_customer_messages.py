"""Queue tomorrow's reminders and send the customer messages that are due (retries, lost tasks)."""

from django.core.management.base import BaseCommand

from dispatch import messaging


class Command(BaseCommand):
    help = (
        "Queue the day-before reminders (from TECHFLOW_REMINDER_HOUR on) and enqueue customer messages "
        "due a retry or whose task never ran. Run it every few minutes."
    )

    def handle(self, *args, **options) -> None:
        reminders = messaging.reminders_queue()
        due = messaging.messages_retry_due()
        self.stdout.write(f"{reminders} reminder(s) queued, {due} message(s) sent again.")
