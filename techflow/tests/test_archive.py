import datetime as dt
import os
import signal
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import time_machine
from django.conf import settings
from django.core.management import call_command
from django.db import connection

from dispatch.db import archive_table
from dispatch.models import WorkOrder
from inventory.selectors import stock_discrepancies
from techflow import demo
from techflow.archive import archive_plan, eligible_orders, work_orders_archive
from techflow.models import ArchivedWorkOrder

ZONE = ZoneInfo("America/New_York")
NOW = dt.datetime(2025, 11, 5, 10, 30, tzinfo=ZONE)
LATER = NOW + dt.timedelta(days=30)  # every order the demo closed is older than 20 days by then
CUTOFF = LATER - dt.timedelta(days=20)


@pytest.fixture
def demo_loaded():
    with time_machine.travel(NOW, tick=False):
        demo.load_demo(today=NOW.date(), now=NOW)


@pytest.fixture
def empty_archive_after():
    """A transaction=True test's flush empties Django's tables only; the archive tables too, here."""
    yield
    with connection.cursor() as cursor:
        for step in archive_plan():
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(archive_table(step.model))}")


def _everything() -> dict[str, list[str]]:
    """Every row of every archived table, live and archived together, as text in a stable order."""
    qn = connection.ops.quote_name
    rows = {}
    with connection.cursor() as cursor:
        for step in archive_plan():
            columns = [c.name for c in connection.introspection.get_table_description(cursor, step.table)]
            listed = ", ".join(qn(c) for c in columns)
            archive = qn(archive_table(step.model))
            cursor.execute(f"SELECT {listed} FROM {qn(step.table)} UNION ALL SELECT {listed} FROM {archive}")
            rows[step.table] = sorted(repr(row) for row in cursor.fetchall())
    return rows


def _archived_ids() -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM work_orders_archive ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@pytest.mark.django_db
def test_archiving_moves_closed_orders_with_everything_that_references_them(demo_loaded):
    before = _everything()
    closed = set(eligible_orders(CUTOFF).values_list("pk", flat=True))
    assert len(closed) > 10
    with time_machine.travel(LATER, tick=False):
        out = StringIO()
        call_command("archive_work_orders", "--older-than", "20d", "--batch-size", "7", stdout=out)
    assert f"Moved {len(closed)} closed work orders" in out.getvalue()
    assert "Totals add up" in out.getvalue()
    assert set(_archived_ids()) == closed
    assert not WorkOrder.objects.filter(pk__in=closed).exists()
    assert WorkOrder.objects.count() == 120 - len(closed)
    # Nothing lost, nothing doubled, nothing changed.
    assert _everything() == before
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM stock_movements_archive")
        assert cursor.fetchone()[0] > 0
        cursor.execute(
            "SELECT COUNT(*) FROM work_order_history "
            "WHERE work_order_id IN (SELECT id FROM work_orders_archive)"
        )
        assert cursor.fetchone()[0] == 0
    # The stock is still explained by its ledger, archived movements included.
    checked, wrong = stock_discrepancies()
    assert checked > 0 and wrong == []

    with time_machine.travel(LATER, tick=False):
        again = work_orders_archive(cutoff=CUTOFF)
    assert again.orders == 0 and again.rows == 0


@pytest.mark.django_db
def test_a_dry_run_counts_what_would_move_and_moves_nothing(demo_loaded):
    before = WorkOrder.objects.count()
    with time_machine.travel(LATER, tick=False):
        out = StringIO()
        call_command("archive_work_orders", "--older-than", "20d", "--dry-run", stdout=out)
        result = work_orders_archive(cutoff=CUTOFF, dry_run=True)
    assert result.orders == eligible_orders(CUTOFF).count() > 0
    assert f"Would move {result.orders} closed work orders" in out.getvalue()
    assert WorkOrder.objects.count() == before and _archived_ids() == []


@pytest.mark.django_db
def test_a_bad_duration_is_refused_with_the_accepted_forms():
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="e.g. 365d"):
        call_command("archive_work_orders", "--older-than", "a year")


@pytest.mark.django_db
def test_an_error_inside_a_batch_rolls_that_batch_back_and_a_rerun_finishes(demo_loaded, monkeypatch):
    from techflow import archive

    before = _everything()
    real_delete = archive._delete
    calls = {"n": 0}

    def failing_delete(step, keys):
        # The second batch fails after copying into the archive and deleting some children.
        if step.table == "work_orders":
            calls["n"] += 1
            if calls["n"] == 2:
                raise RuntimeError("injected crash")
        return real_delete(step, keys)

    monkeypatch.setattr(archive, "_delete", failing_delete)
    with time_machine.travel(LATER, tick=False), pytest.raises(RuntimeError, match="injected"):
        work_orders_archive(cutoff=CUTOFF, batch_size=5)
    assert len(_archived_ids()) == 5  # batch 1 committed, batch 2 rolled back whole
    assert _everything() == before
    monkeypatch.setattr(archive, "_delete", real_delete)
    with time_machine.travel(LATER, tick=False):
        result = work_orders_archive(cutoff=CUTOFF, batch_size=5)
    assert len(_archived_ids()) == 5 + result.orders == len(set(_archived_ids()))
    assert _everything() == before


KILLABLE_RUN = """
import sys, django, time_machine, datetime as dt
django.setup()
from django.core.management import call_command
with time_machine.travel(dt.datetime.fromisoformat(sys.argv[1]), tick=True):
    call_command("archive_work_orders", "--older-than", "20d", "--batch-size", "5")
"""


def _run_archive_process(**env: str) -> subprocess.Popen:
    config = connection.settings_dict
    url = f"postgres://{config['USER']}@{config['HOST']}:{config['PORT']}/{config['NAME']}"
    return subprocess.Popen(
        [sys.executable, "-c", KILLABLE_RUN, LATER.isoformat()],
        cwd=Path(settings.BASE_DIR),
        env={**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "techflow.test_settings", **env},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _server_connection():
    config = connection.settings_dict
    return psycopg2.connect(
        dbname=config["NAME"], user=config["USER"], host=config["HOST"], port=config["PORT"] or 5432
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_killing_the_archive_job_mid_batch_loses_nothing_and_a_rerun_finishes(
    demo_loaded, empty_archive_after
):
    before = _everything()
    closed = list(eligible_orders(CUTOFF).order_by("pk").values_list("pk", flat=True))
    assert len(closed) > 10
    in_second_batch = closed[6]
    history_row = WorkOrder.objects.get(pk=in_second_batch).history.values_list("pk", flat=True).first()

    # Another session holds a lock on a history row of the second batch: the job copies that
    # batch into the archive, then waits on the lock to delete it. That is where it is killed.
    locker = _server_connection()
    cursor = locker.cursor()
    cursor.execute("SELECT 1 FROM work_order_history WHERE id = %s FOR UPDATE", [history_row])
    job = _run_archive_process(DB_LOCK_TIMEOUT_MS="0")
    watcher = _server_connection()
    watcher.autocommit = True
    pid = None
    try:
        deadline = time.monotonic() + 60
        while pid is None and time.monotonic() < deadline:
            with watcher.cursor() as watch:
                watch.execute(
                    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                    "AND wait_event_type = 'Lock' AND query LIKE 'DELETE FROM \"work_order_history\"%%'"
                )
                row = watch.fetchone()
            pid = row[0] if row else None
            if pid is None:
                assert job.poll() is None, job.communicate()
                time.sleep(0.1)
        assert pid is not None, "the job never reached the second batch's delete"
        with watcher.cursor() as watch:
            watch.execute("SELECT COUNT(*) FROM work_orders_archive")
            assert watch.fetchone()[0] == 5  # batch 1 committed; batch 2 copied but not committed
        job.send_signal(signal.SIGKILL)
        job.wait(timeout=30)
        assert job.returncode == -signal.SIGKILL
    finally:
        locker.rollback()
        locker.close()
        if job.poll() is None:
            job.kill()
    # The killed session's transaction is rolled back by the server.
    deadline = time.monotonic() + 30
    with watcher.cursor() as watch:
        while time.monotonic() < deadline:
            watch.execute("SELECT COUNT(*) FROM pg_stat_activity WHERE pid = %s", [pid])
            if watch.fetchone()[0] == 0:
                break
            time.sleep(0.1)
    watcher.close()

    assert _archived_ids() == closed[:5]
    assert _everything() == before

    rerun = _run_archive_process()
    out, err = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, err
    assert f"Moved {len(closed) - 5} closed work orders" in out and "Totals add up" in out
    assert _archived_ids() == closed
    assert _everything() == before
    assert stock_discrepancies()[1] == []


@pytest.mark.django_db
def test_the_office_list_finds_archived_orders_only_when_asked(demo_loaded, office_client):
    closed = eligible_orders(CUTOFF).select_related("customer").order_by("pk").first()
    word = closed.customer.name.split()[0]
    with time_machine.travel(LATER, tick=False):
        work_orders_archive(cutoff=CUTOFF)

        def page(**query: str) -> str:
            return office_client.get("/office/work-orders/", query).content.decode()

        plain = page(q=word)
        asked = page(q=word, include_archived="on")
        nothing = page(q="no-such-words-anywhere", include_archived="on")
    assert "Archived work orders" not in plain
    section = asked.split('id="archived-orders"', 1)[1]
    assert f"<td>{closed.pk}</td>" in section and closed.title in section
    assert closed.customer.name in section
    assert "No archived work order matches." in nothing


@pytest.mark.django_db
def test_the_archive_is_read_only_in_the_admin(demo_loaded, client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", password="x-password-1"))
    with time_machine.travel(LATER, tick=False):
        work_orders_archive(cutoff=CUTOFF)
    archived = _archived_ids()[0]
    title = ArchivedWorkOrder.objects.get(pk=archived).title
    listing = client.get("/admin/techflow/archivedworkorder/")
    assert listing.status_code == 200 and title in listing.content.decode()
    detail = client.get(f"/admin/techflow/archivedworkorder/{archived}/change/")
    assert detail.status_code == 200 and title in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert client.get("/admin/techflow/archivedworkorder/add/").status_code == 403
    assert (
        client.post(f"/admin/techflow/archivedworkorder/{archived}/delete/", {"post": "yes"}).status_code
        == 403
    )
    for model in ("archivedworkordernote", "archivedworkorderhistory", "archivedstockmovement", "backuprun"):
        assert client.get(f"/admin/techflow/{model}/").status_code == 200, model
    assert _archived_ids()[0] == archived
