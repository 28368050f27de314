"""Periodic jobs run by the background worker: one run per interval however many workers tick."""

import datetime as dt
import threading

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from techflow import periodic
from techflow.models import PeriodicJob
from techflow.tests.worker import DATABASE_TASKS, run_worker

pytestmark = pytest.mark.django_db(transaction=True)
TICK_TASK = "techflow.tasks.periodic_tick"


class Recorder:
    """Periodic jobs for the tests: each run is appended (thread-safe) and returns a result."""

    def __init__(self):
        self.runs: list[str] = []
        self.lock = threading.Lock()

    def job(self, name: str, every: int) -> periodic.Job:
        def run() -> str:
            with self.lock:
                self.runs.append(name)
            return f"{name} ran"

        return periodic.Job(name, every, run, "a test job")


@pytest.fixture
def recorder():
    return Recorder()


def test_a_due_job_runs_and_a_not_due_one_does_not_until_its_time(recorder, now):
    jobs = {j.name: j for j in (recorder.job("often", 60), recorder.job("rarely", 3600))}
    periodic.periodic_sync(jobs=jobs, now=now)
    PeriodicJob.objects.filter(name="rarely").update(next_run_at=now + dt.timedelta(minutes=30))

    assert periodic.periodic_run_due(jobs=jobs, now=now) == {"often": "often ran"}
    assert recorder.runs == ["often"]
    row = PeriodicJob.objects.get(name="often")
    assert (row.runs, row.last_result, row.next_run_at) == (1, "often ran", now + dt.timedelta(seconds=60))
    # Again at once: nothing is due.
    assert periodic.periodic_run_due(jobs=jobs, now=now) == {}
    with time_machine.travel(now + dt.timedelta(seconds=61)):
        assert set(periodic.periodic_run_due(jobs=jobs)) == {"often"}
    with time_machine.travel(now + dt.timedelta(minutes=31)):
        assert set(periodic.periodic_run_due(jobs=jobs)) == {"often", "rarely"}
    assert recorder.runs == ["often", "often", "often", "rarely"]


def test_a_failing_job_is_recorded_and_the_others_still_run(recorder, now):
    def broken() -> str:
        raise RuntimeError("provider down")

    jobs = {"broken": periodic.Job("broken", 60, broken, "fails"), "fine": recorder.job("fine", 60)}
    outcomes = periodic.periodic_run_due(jobs=jobs, now=now)
    assert "provider down" in outcomes["broken"] and outcomes["fine"] == "fine ran"
    row = PeriodicJob.objects.get(name="broken")
    assert "provider down" in row.last_error and row.last_result == "failed"
    assert row.next_run_at == now + dt.timedelta(seconds=60)  # tried again next interval


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SKIP LOCKED: PostgreSQL")
def test_two_workers_claiming_at_once_run_a_job_once(recorder, now):
    jobs = {j.name: j for j in (recorder.job("a", 60), recorder.job("b", 60), recorder.job("c", 60))}
    periodic.periodic_sync(jobs=jobs, now=now)
    start = threading.Barrier(4)

    def tick():
        start.wait()
        try:
            periodic.periodic_run_due(jobs=jobs, now=now)
        finally:
            connection.close()

    threads = [threading.Thread(target=tick) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(recorder.runs) == ["a", "b", "c"]
    assert set(PeriodicJob.objects.filter(name__in=jobs).values_list("runs", flat=True)) == {1}


def test_the_real_jobs_run_on_the_worker_and_one_tick_stays_queued(settings, now):
    settings.TASKS = DATABASE_TASKS
    call_command("schedule_periodic")
    call_command("schedule_periodic")  # a second worker starting: still one tick
    assert DBTaskResult.objects.filter(task_path=TICK_TASK).count() == 1

    log = run_worker()  # runs the tick; the next one waits for its run_after

    ran = {row.name: row for row in PeriodicJob.objects.exclude(name=periodic.TICK)}
    assert set(ran) == set(periodic.JOBS), log
    assert all(row.runs == 1 and not row.last_error for row in ran.values()), [
        (r.name, r.last_error) for r in ran.values()
    ]
    assert ran["incidents_escalate"].last_result == "0 incident(s) escalated"
    ticks = DBTaskResult.objects.filter(task_path=TICK_TASK)
    assert sorted(ticks.values_list("status", flat=True)) == ["READY", "SUCCESSFUL"]
    queued = ticks.get(status="READY")
    assert queued.run_after > now
    assert PeriodicJob.objects.get(name=periodic.TICK).scheduled_task_id == str(queued.id)

    # A duplicate tick (an old chain, a restart) stops without queuing another.
    from techflow.tasks import periodic_tick

    periodic_tick.enqueue()
    run_worker()
    assert ticks.filter(status="READY").count() == 1 and ticks.get(status="READY").id == queued.id
    assert set(PeriodicJob.objects.exclude(name=periodic.TICK).values_list("runs", flat=True)) == {1}


def test_without_a_worker_the_command_says_to_use_cron():
    with pytest.raises(CommandError, match="schedule_periodic --once"):
        call_command("schedule_periodic")  # the tests' immediate backend
    call_command("schedule_periodic", "--once")
    assert PeriodicJob.objects.filter(runs=1).count() == len(periodic.JOBS)
