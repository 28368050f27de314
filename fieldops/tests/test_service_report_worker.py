"""The service report is made by the background worker and stored; the download serves the file.

These tests use the database backend and run the real worker (`db_worker --batch`), with real
commits (transaction=True), so a task is queued exactly when the job's change commits.
"""

import datetime as dt
import io
import threading

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.db import connection
from django_tasks_db.models import DBTaskResult
from pypdf import PdfReader

from fieldops import record_services, report
from fieldops.models import ServiceReport
from fieldops.tasks import service_report_task
from fieldops.tests.test_record_sign_off import done, signature_data_url  # noqa: F401  (a fixture)
from techflow.tests.worker import DATABASE_TASKS, run_worker

pytestmark = pytest.mark.django_db(transaction=True)
TASK = "fieldops.tasks.service_report_task"


def _text(response) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.getvalue())).pages)


def _tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(task_path=TASK))


def _files(order) -> list[str]:
    directory = f"reports/{order.pk}"
    return sorted(default_storage.listdir(directory)[1]) if default_storage.exists(directory) else []


@pytest.fixture
def queued(settings):
    settings.TASKS = DATABASE_TASKS


@pytest.fixture
def order(queued, done):  # noqa: F811
    return done


def test_completing_a_job_queues_its_report_and_the_download_waits_for_the_worker(order, tech_client, now):
    [task] = _tasks()
    assert task.args_kwargs["args"] == [order.pk]
    pending = tech_client.get(f"/tech/jobs/{order.pk}/report.pdf")
    assert pending.status_code == 202 and pending["Retry-After"] == "3"
    body = pending.content.decode()
    assert "being prepared" in body and '<meta http-equiv="refresh" content="3">' in body
    # Polling does not queue it again.
    assert tech_client.get(f"/tech/jobs/{order.pk}/report.pdf").status_code == 202
    assert len(_tasks()) == 1

    log = run_worker()

    stored = ServiceReport.objects.get(work_order=order)
    assert stored.renders == 1 and now <= stored.generated_at < now + dt.timedelta(minutes=5), log
    assert _files(order) == [f"{stored.version}.pdf"]
    response = tech_client.get(f"/tech/jobs/{order.pk}/report.pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="service-report-{order.pk}.pdf"'
    text = _text(response)
    assert "Two dome cameras installed and aimed" in text and "Not signed by the customer" in text


def test_a_retried_task_writes_nothing_twice(order):
    run_worker()
    made = ServiceReport.objects.get(work_order=order)
    # The same task delivered again (a worker killed after finishing it), twice.
    service_report_task.enqueue(order.pk)
    service_report_task.enqueue(order.pk)
    run_worker()
    again = ServiceReport.objects.get(work_order=order)
    assert (again.renders, again.version, again.file.name) == (1, made.version, made.file.name)
    assert len(_files(order)) == 1
    assert {t.status for t in _tasks()} == {"SUCCESSFUL"} and len(_tasks()) == 3


def test_a_signature_after_the_report_makes_it_again_and_the_old_file_goes(order, technician, tech_client):
    run_worker()
    first = ServiceReport.objects.get(work_order=order)
    record_services.job_sign_off(
        technician=technician, work_order=order, signer_name="Dana Smith", signature=signature_data_url()
    )
    # The stored report shows an older record: not served; the worker is asked for the new one.
    assert tech_client.get(f"/tech/jobs/{order.pk}/report.pdf").status_code == 202
    assert len(_tasks()) == 2
    run_worker()
    second = ServiceReport.objects.get(work_order=order)
    assert second.renders == 2 and second.version != first.version
    assert _files(order) == [f"{second.version}.pdf"]
    response = tech_client.get(f"/tech/jobs/{order.pk}/report.pdf")
    assert response.status_code == 200 and "Dana Smith" in _text(response)


def test_a_request_whose_task_was_lost_is_asked_again_by_the_sweep(order, now):
    DBTaskResult.objects.all().delete()  # the enqueue was lost
    assert report.reports_request_due() == 0  # asked a moment ago: not yet
    with time_machine.travel(now + dt.timedelta(minutes=3)):
        assert report.reports_request_due() == 1
    assert len(_tasks()) == 1
    run_worker()
    assert ServiceReport.objects.get(work_order=order).renders == 1
    with time_machine.travel(now + dt.timedelta(minutes=10)):
        assert report.reports_request_due() == 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks: PostgreSQL")
def test_two_workers_making_the_same_report_at_once_write_it_once(order):
    results, start = [], threading.Barrier(2)

    def make():
        start.wait()
        try:
            results.append(report.service_report_make(work_order_id=order.pk))
        finally:
            connection.close()

    threads = [threading.Thread(target=make) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.split(": ")[1] for r in results) == ["already made", "made"]
    assert ServiceReport.objects.get(work_order=order).renders == 1 and len(_files(order)) == 1
