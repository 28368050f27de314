import contextlib
import datetime as dt
import threading
import time
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from conftest import PASSWORD
from dispatch.tests.factories import TechnicianFactory, WorkOrderFactory
from fieldops.models import OperationalEvent, ProcessedAction
from techflow.models import BackupRun
from techflow.tests.browser import DESKTOP, shot

ZONE = ZoneInfo("America/New_York")
NOW = dt.datetime(2025, 11, 5, 10, 30, tzinfo=ZONE)


@pytest.fixture
def admin_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password=PASSWORD))
    return client


def _server_connection():
    config = connection.settings_dict
    return psycopg2.connect(
        dbname=config["NAME"], user=config["USER"], host=config["HOST"], port=config["PORT"] or 5432
    )


@pytest.mark.django_db
def test_the_system_page_is_for_admins_only(client, office_client):
    assert office_client.get("/admin/system/").status_code == 403
    client.logout()
    response = client.get("/admin/system/")
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="what the page says on SQLite")
@pytest.mark.django_db
def test_on_sqlite_the_system_page_says_what_it_cannot_show(admin_client):
    BackupRun.objects.create(kind="backup", ok=True, name="techflow-20251105-020000", size_bytes=2048)
    response = admin_client.get("/admin/system/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "What this page cannot show on SQLite" in html
    assert "long-running query monitor" in html and "Largest tables" not in html
    assert "techflow-20251105-020000" in html and "2.0 KiB" in html


@pytest.mark.postgres
@pytest.mark.django_db
def test_on_postgresql_the_system_page_shows_tables_backups_and_keys(admin_client, technician):
    WorkOrderFactory.create_batch(3)
    ProcessedAction.objects.create(
        key="6f1c1a9e-4f7e-4bb1-9a0e-1b2f3c4d5e6f", technician=technician, action="x"
    )
    BackupRun.objects.create(kind="verify", ok=True, name="techflow-20251105-020000", differences=0)
    BackupRun.objects.create(kind="backup", ok=False, name="techflow-20251106-020000", message="disk full")
    response = admin_client.get("/admin/system/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "Largest tables" in html and "<td>work_orders</td>" in html
    assert "cannot show" not in html
    assert "OK, 0 differences" in html and "FAILED" in html and "disk full" in html
    assert "processed_actions" in html and "deletes keys older than 30 days" in html


@pytest.mark.postgres
@pytest.mark.django_db
def test_the_system_page_runs_the_same_queries_whatever_the_data(admin_client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert admin_client.get("/admin/system/").status_code == 200
        return len(queries)

    few = count()
    TechnicianFactory.create_batch(5)
    WorkOrderFactory.create_batch(20)
    for kind in ("backup", "verify", "restore"):
        BackupRun.objects.bulk_create([BackupRun(kind=kind, ok=True) for _ in range(8)])
    assert count() == few


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_long_queries_and_a_blocked_session_show_and_raise_one_event_each(admin_client, settings):
    settings.TECHFLOW_LONG_QUERY_SECONDS = 1
    order = WorkOrderFactory()
    holder, waiter = _server_connection(), _server_connection()
    holder.cursor().execute("SELECT 1 FROM work_orders WHERE id = %s FOR UPDATE", [order.pk])
    waiting = waiter.cursor()
    waiting.execute("SET lock_timeout = 0")

    def blocked_update():
        # Rolled back with the holder at the end; any error is the test's teardown, not its subject.
        with contextlib.suppress(psycopg2.Error):
            waiting.execute("UPDATE work_orders SET title = 'x' WHERE id = %s", [order.pk])

    thread = threading.Thread(target=blocked_update)
    thread.start()
    try:
        # The server's clock decides when the statement has run longer than the threshold.
        html = ""
        for _ in range(100):
            html = admin_client.get("/admin/system/").content.decode()
            if OperationalEvent.objects.filter(event_type="long_running_query").count() >= 2:
                break
            time.sleep(0.1)
        assert "Queries running longer than 1s" in html
        assert "UPDATE work_orders SET title" in html
        assert "Lock: transactionid" in html or "Lock: tuple" in html
        assert "No session is waiting" not in html
        admin_client.get("/admin/system/")  # seen again: still one event
        # The waiting UPDATE, and the lock holder idle in its transaction: one event each.
        events = OperationalEvent.objects.filter(event_type="long_running_query")
        assert sorted(e.metadata["pid"] for e in events) == sorted(
            [holder.get_backend_pid(), waiter.get_backend_pid()]
        )
        assert {e.severity for e in events} == {"warning"}
        assert "idle in transaction" in html
    finally:
        holder.rollback()
        thread.join(timeout=10)
        holder.close()
        waiter.close()


@pytest.mark.django_db(transaction=True)
def test_db_maintenance_vacuums_and_prunes_keys_past_their_retention(technician, capsys):
    with time_machine.travel(NOW - dt.timedelta(days=40), tick=False):
        ProcessedAction.objects.create(
            key="11111111-1111-4111-8111-111111111111", technician=technician, action="old"
        )
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        ProcessedAction.objects.create(
            key="22222222-2222-4222-8222-222222222222", technician=technician, action="new"
        )
    with time_machine.travel(NOW, tick=False):
        call_command("db_maintenance")
    out = capsys.readouterr().out
    assert "Pruned 1 idempotency keys" in out
    assert ("VACUUM (ANALYZE) done" if connection.vendor == "postgresql" else "VACUUM; ANALYZE; done") in out
    assert list(ProcessedAction.objects.values_list("action", flat=True)) == ["new"]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_an_admin_opens_the_system_page(browser, live_server, django_user_model):
    django_user_model.objects.create_superuser("root", password=PASSWORD)
    WorkOrderFactory.create_batch(3)
    BackupRun.objects.create(
        kind="backup",
        ok=True,
        name="techflow-20251105-020000",
        size_bytes=211_000,
        rows=2263,
        tables=45,
        duration_seconds=0.48,
    )
    BackupRun.objects.create(
        kind="verify",
        ok=True,
        name="techflow-20251105-020000",
        differences=0,
        duration_seconds=2.95,
        rows=2263,
        message="Stock check passed: 68 truck/item stock rows match their movements.",
    )
    page = browser.new_context(viewport=DESKTOP).new_page()
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/admin/")
    page.get_by_role("link", name="System").click()
    page.get_by_role("heading", name="Largest tables").wait_for()
    assert page.get_by_text("OK, 0 differences").is_visible()
    shot(page, "system-page")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_db_monitor_records_a_session_busy_past_the_threshold_once(capsys):
    holder = _server_connection()
    pid = holder.get_backend_pid()
    holder.cursor().execute("SELECT 1")  # now idle in transaction, the kind of session that holds locks
    try:
        call_command("db_monitor", "--threshold", "0")
        call_command("db_monitor", "--threshold", "0")
    finally:
        holder.rollback()
        holder.close()
    first, second = capsys.readouterr().out.split("blocked sessions.")[:2]
    assert f"pid {pid}" in first and "(1 new events)" in first
    assert f"pid {pid}" in second and "(0 new events)" in second
    events = OperationalEvent.objects.filter(event_type="long_running_query")
    assert [e.metadata["pid"] for e in events] == [pid]


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite refusal")
def test_db_monitor_says_it_needs_postgresql():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="needs PostgreSQL"):
        call_command("db_monitor")
