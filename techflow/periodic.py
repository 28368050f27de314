"""Periodic work run by the background worker, not by cron or any one process (README
"Background worker"; DESIGN "When one machine is not enough").

Each job is a row of periodic_jobs (name, every_seconds, next_run_at). A tick, itself a task of
the database worker, claims the due rows with SELECT ... FOR UPDATE SKIP LOCKED, moves each one's
next_run_at on and commits *before* running it: two workers ticking at once never run a job
twice (the second skips the locked rows, or finds them no longer due). It then runs the jobs it
claimed and queues the next tick with run_after. One tick is queued at a time: the TICK row holds
its task id, and a tick that is not the queued one (a duplicate from a restart) stops there.

A job killed mid-run runs again at its next interval; every job here is safe to run again.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from dispatch import clock
from techflow.models import PeriodicJob

logger = logging.getLogger(__name__)
TICK = "_tick"
# A tick still RUNNING after this long belonged to a worker that died: another may take over.
STUCK_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: int
    run: Callable[[], str]
    what: str


def _raise_due_events() -> str:
    from fieldops.events import raise_due_events

    return f"{len(raise_due_events())} event(s) raised"


def _send_customer_messages() -> str:
    from dispatch import messaging

    return f"{messaging.reminders_queue()} reminder(s) queued, {messaging.messages_retry_due()} sent again"


def _incidents_escalate() -> str:
    from fieldops.incidents import incidents_escalate_due

    return f"{len(incidents_escalate_due())} incident(s) escalated"


def _service_reports() -> str:
    from fieldops.report import reports_request_due

    return f"{reports_request_due()} report(s) asked for again"


def _report_days() -> str:
    from fieldops.reports import report_days_catch_up

    return report_days_catch_up()


def _stored_files_check() -> str:
    from techflow.storage_check import stored_files_check

    return str(stored_files_check())


JOBS: dict[str, Job] = {
    job.name: job
    for job in (
        Job("incidents_escalate", 60, _incidents_escalate, "manage.py incidents_escalate"),
        Job("raise_due_events", 120, _raise_due_events, "manage.py raise_due_events"),
        Job("send_customer_messages", 300, _send_customer_messages, "manage.py send_customer_messages"),
        Job("report_days", 900, _report_days, "the reports page's rollup of each closed day"),
        Job("service_reports", 120, _service_reports, "reports whose task was lost, asked for again"),
        Job("stored_files_check", 600, _stored_files_check, "manage.py check_stored_files"),
    )
}


def periodic_sync(*, jobs: dict[str, Job] | None = None, now: datetime | None = None) -> None:
    """A row for each job (due at once when new); an interval changed in code is taken over."""
    jobs = JOBS if jobs is None else jobs
    now = now or clock.now()
    for job in jobs.values():
        row, created = PeriodicJob.objects.get_or_create(
            name=job.name, defaults={"every_seconds": job.every_seconds, "next_run_at": now}
        )
        if not created and row.every_seconds != job.every_seconds:
            PeriodicJob.objects.filter(pk=row.pk).update(every_seconds=job.every_seconds)


def periodic_claim_due(*, jobs: dict[str, Job] | None = None, now: datetime | None = None) -> list[str]:
    """Claim the due jobs (no other worker's claim waits on or gets them) and move them on."""
    jobs = JOBS if jobs is None else jobs
    now = now or clock.now()
    with transaction.atomic():
        due = list(
            PeriodicJob.objects.select_for_update(skip_locked=True)
            .filter(name__in=list(jobs), next_run_at__lte=now)
            .order_by("next_run_at")
        )
        for row in due:
            row.next_run_at = now + timedelta(seconds=row.every_seconds)
            row.last_started_at = now
            row.save(update_fields=["next_run_at", "last_started_at"])
    return [row.name for row in due]


def periodic_run_due(*, jobs: dict[str, Job] | None = None, now: datetime | None = None) -> dict[str, str]:
    """Sync, claim and run the due jobs; each outcome (or error) is recorded on its row."""
    jobs = JOBS if jobs is None else jobs
    periodic_sync(jobs=jobs, now=now)
    outcomes = {}
    for name in periodic_claim_due(jobs=jobs, now=now):
        try:
            result, error = jobs[name].run() or "", ""
        except Exception as exc:  # one job's failure never stops the others or the tick
            logger.exception("periodic job %s failed", name)
            result, error = "failed", repr(exc)[:2000]
        PeriodicJob.objects.filter(name=name).update(
            last_finished_at=clock.now(), last_result=result[:300], last_error=error, runs=F("runs") + 1
        )
        outcomes[name] = error or result
    return outcomes


def tick_seconds() -> int:
    return settings.TECHFLOW_PERIODIC_TICK


def _pending(task_id: str) -> bool:
    """Whether the tick task with this id is still to run (queued or running)."""
    from django.tasks import TaskResultStatus

    from techflow.tasks import periodic_tick

    if not task_id:
        return False
    try:
        result = periodic_tick.get_result(task_id)
    except Exception:  # gone (pruned) or unknown
        return False
    if result.status == TaskResultStatus.RUNNING:
        # A worker killed mid-tick leaves its row RUNNING for ever: after a while it is not a tick.
        return bool(result.started_at) and result.started_at > clock.now() - STUCK_AFTER
    return result.status == TaskResultStatus.READY


def _another_queued(row: PeriodicJob, task_id: str) -> bool:
    return (
        bool(row.scheduled_task_id) and row.scheduled_task_id != task_id and _pending(row.scheduled_task_id)
    )


def periodic_schedule(*, current_task_id: str = "") -> str:
    """Queue the next tick unless one other than the running one is queued already; returns the
    queued tick's id. Called by `manage.py schedule_periodic` (a worker's start) and by each tick."""
    from techflow.tasks import periodic_tick

    now = clock.now()
    with transaction.atomic():
        PeriodicJob.objects.get_or_create(
            name=TICK, defaults={"every_seconds": tick_seconds(), "next_run_at": now}
        )
        row = PeriodicJob.objects.select_for_update().get(name=TICK)
        if _another_queued(row, current_task_id):
            return row.scheduled_task_id
        run_after = now + timedelta(seconds=tick_seconds()) if current_task_id else now
        queued = periodic_tick.using(run_after=run_after).enqueue()
        row.scheduled_task_id, row.next_run_at, row.every_seconds = queued.id, run_after, tick_seconds()
        row.save(update_fields=["scheduled_task_id", "next_run_at", "every_seconds"])
    return queued.id


def periodic_tick_run(*, task_id: str) -> str:
    """The tick: unless it is a duplicate, run the due jobs and queue the next tick."""
    row = PeriodicJob.objects.filter(name=TICK).first()
    if row and _another_queued(row, task_id):
        return "another tick is queued: this one stops"
    outcomes = periodic_run_due()
    periodic_schedule(current_task_id=task_id)
    return "; ".join(f"{name}: {outcome}" for name, outcome in outcomes.items()) or "nothing due"
