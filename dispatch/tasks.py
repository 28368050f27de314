"""dispatch's background tasks (Django's tasks framework; README "Background worker").

A task is a thin entry point: it takes JSON-able arguments (ids, not objects) and calls one
service, which does the work and records its outcome where the pages read it.
"""

from django.tasks import task

from dispatch import messaging, services


@task()
def plan_week_task(run_id: str) -> None:
    """Plan the week of a PlanRun (dispatch.services.plan_run_execute)."""
    services.plan_run_execute(run_id=run_id)


@task()
def send_customer_message(message_id: str) -> str:
    """Send one queued customer message; safe to run twice (the row says whether it was sent)."""
    return messaging.customer_message_send(message_id=message_id)
