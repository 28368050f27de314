"""fieldops' background tasks (Django's tasks framework; README "Background worker")."""

from django.tasks import task

from fieldops import report


# Below the default priority: a queue of reports never holds up a plan or a customer message.
@task(priority=-10)
def service_report_task(work_order_id: int) -> str:
    """Render and store a completed job's service report; safe to run twice (one file per version)."""
    try:
        return report.service_report_make(work_order_id=work_order_id)
    except Exception as error:
        report.service_report_failed(work_order_id=work_order_id, error=error)
        raise
