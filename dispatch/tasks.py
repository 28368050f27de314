"""dispatch's background work, through Django's tasks framework (settings.TASKS picks the backend)."""

from django.tasks import task

from dispatch import messaging


@task
def send_customer_message(message_id: str) -> str:
    """Send one queued customer message; safe to run twice (the row says whether it was sent)."""
    return messaging.customer_message_send(message_id=message_id)
