"""Running the real background worker from a test."""

import io
import signal

from django.core.management import call_command

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def run_worker() -> str:
    """`manage.py db_worker --batch`: run every queued task, then exit. The worker installs its own
    signal handlers (a graceful stop on Ctrl-C); the test runner's are put back afterwards."""
    saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGQUIT)}
    out = io.StringIO()
    try:
        call_command("db_worker", batch=True, reload=False, startup_delay=False, stdout=out)
    finally:
        for number, handler in saved.items():
            signal.signal(number, handler)
    return out.getvalue()
