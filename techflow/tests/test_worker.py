"""The background worker: a task enqueued by a page is a database row that `db_worker` runs.

These tests use the database backend (the rest of the suite runs tasks inside the request with the
immediate backend) and run the real worker command in its run-once mode (--batch).
"""

import datetime as dt

import pytest
from django.urls import reverse
from django_tasks_db.models import DBTaskResult

from dispatch.models import PlanRun, PlanRunStatus, WorkOrder, WorkOrderStatus
from dispatch.tasks import plan_week_task
from dispatch.tests.factories import CustomerFactory, TechnicianFactory, WorkOrderFactory
from techflow.models import BackupRun
from techflow.tests.worker import DATABASE_TASKS, run_worker

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY = dt.date(2030, 3, 11)
HX = {"HX-Request": "true"}


@pytest.fixture
def pending_week():
    mike = TechnicianFactory(name="Mike Johnson")
    orders = [
        WorkOrderFactory(
            title=f"Job {i}",
            customer=CustomerFactory(),
            assigned_technician=None,
            scheduled_for=None,
            status=WorkOrderStatus.PENDING,
        )
        for i in range(3)
    ]
    return mike, orders


def test_the_board_queues_the_plan_and_the_worker_makes_it(settings, office_client, pending_week):
    settings.TASKS = DATABASE_TASKS
    response = office_client.post(
        reverse("dispatch:board_plan"), {"view": "week", "date": MONDAY.isoformat()}, headers=HX
    )
    assert response.status_code == 200
    body = response.content.decode()
    run = PlanRun.objects.get()
    status_url = reverse("dispatch:board_plan_status", args=[run.pk])
    # Nothing planned in the request: the page waits for the worker and polls the run.
    assert run.status == PlanRunStatus.QUEUED and run.result is None
    assert "Waiting for the background worker" in body and 'hx-trigger="every 1s"' in body
    assert status_url in body
    task = DBTaskResult.objects.get()
    assert task.task_path == "dispatch.tasks.plan_week_task" and task.args_kwargs["args"] == [str(run.pk)]

    log = run_worker()

    run.refresh_from_db()
    assert run.status == PlanRunStatus.DONE, (run.error, log)
    assert run.started_at is not None and run.finished_at >= run.started_at
    assert run.considered == run.total == 3
    assert len(run.result["placements"]) == 3 and not run.result["partial"]
    task.refresh_from_db()
    assert task.status == "SUCCESSFUL"
    body = office_client.get(
        status_url + f"?view=week&date={MONDAY.isoformat()}", headers=HX
    ).content.decode()
    assert "Apply the plan (3)" in body and "every 1s" not in body and "<html" not in body
    # Nothing is booked until the office applies the proposal.
    _, orders = pending_week
    assert set(
        WorkOrder.objects.filter(pk__in=[o.pk for o in orders]).values_list("status", "assigned_technician")
    ) == {(WorkOrderStatus.PENDING, None)}


def test_a_task_for_a_run_already_made_does_nothing(settings, office_client, pending_week):
    """A task delivered twice (a worker killed after finishing it) leaves the proposal as it was."""
    settings.TASKS = DATABASE_TASKS
    office_client.post(reverse("dispatch:board_plan"), {"view": "week", "date": MONDAY.isoformat()})
    run_worker()
    run = PlanRun.objects.get()
    finished = run.finished_at
    plan_week_task.enqueue(str(run.pk))
    run_worker()
    run.refresh_from_db()
    assert run.status == PlanRunStatus.DONE and run.finished_at == finished
    assert DBTaskResult.objects.filter(status="SUCCESSFUL").count() == 2


def test_an_admin_queues_a_backup_from_the_system_page_and_the_worker_runs_it(
    settings, tmp_path, admin_client
):
    settings.TASKS = DATABASE_TASKS
    settings.TECHFLOW_BACKUP_DIR = tmp_path
    response = admin_client.post(reverse("system_backup"))
    assert response.status_code == 302 and response["Location"] == reverse("system")
    assert "Backup queued" in admin_client.get(reverse("system")).content.decode()
    assert not BackupRun.objects.exists()
    task = DBTaskResult.objects.get()
    assert task.task_path == "techflow.tasks.backup_task"

    run_worker()

    task.refresh_from_db()
    assert task.status == "SUCCESSFUL", task.exception_class_path
    kinds = set(BackupRun.objects.values_list("kind", "ok"))
    assert (BackupRun.Kind.BACKUP, True) in kinds and (BackupRun.Kind.VERIFY, True) in kinds
    assert any(p.name.endswith(".sha256") for p in tmp_path.iterdir())


def test_only_admins_may_queue_a_backup(settings, office_client):
    settings.TASKS = DATABASE_TASKS
    assert office_client.post(reverse("system_backup")).status_code == 403
    assert not DBTaskResult.objects.exists()
