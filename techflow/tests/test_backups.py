import datetime as dt
import json
import uuid
from io import StringIO
from pathlib import Path
from zoneinfo import ZoneInfo

import psycopg2
import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection

from fieldops.models import OperationalEvent
from techflow import demo
from techflow.backups import (
    BackupError,
    Figures,
    _url_for,
    backup_create,
    backup_restore,
    backup_storage,
    figures_differences,
    pg_figures,
    sets_to_keep,
)
from techflow.models import BackupRun

ZONE = ZoneInfo("America/New_York")
NOW = dt.datetime(2025, 11, 5, 10, 30, tzinfo=ZONE)


@pytest.fixture
def demo_loaded():
    with time_machine.travel(NOW, tick=False):
        demo.load_demo(today=NOW.date(), now=NOW)
    yield


def _scratch_url(tag: str) -> str:
    """A scratch database on the test server, named after the project's database, dropped by _drop."""
    base = connection.settings_dict["NAME"].removeprefix("test_")
    return _url_for(connection.settings_dict, f"{base}_{tag}_{uuid.uuid4().hex[:8]}")


def _drop(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    conn = psycopg2.connect(dbname="postgres", **_server())
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    conn.close()


def _server() -> dict:
    config = connection.settings_dict
    return {
        k: v
        for k, v in {
            "user": config.get("USER"),
            "password": config.get("PASSWORD"),
            "host": config.get("HOST"),
            "port": config.get("PORT"),
        }.items()
        if v
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_demo_backed_up_and_restored_into_a_new_database_has_no_differences(demo_loaded, tmp_path):
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=True):
        result = backup_create(storage=backup_storage(directory=tmp_path))
    dump = tmp_path / f"{result.stem}.dump"
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(f"{result.stem}{s}" for s in (".dump", ".manifest.json", ".roles.sql", ".sha256"))
    manifest = json.loads((tmp_path / f"{result.stem}.manifest.json").read_text())
    assert manifest["tables"]["work_orders"]["rows"] == 120
    assert manifest["tables"]["stock_movements"]["rows"] > 0

    url = _scratch_url("restore")
    try:
        restored = backup_restore(path=dump, into=url)
        assert restored.differences == []
        assert "Stock check passed" in restored.stock_check
        # The checker is not blind: a changed row in the restored database is a difference.
        conn = psycopg2.connect(dbname=url.rsplit("/", 1)[1], **_server())
        with conn.cursor() as cursor:
            cursor.execute(
                "UPDATE work_orders SET title = title || '!' WHERE id = (SELECT MIN(id) FROM work_orders)"
            )
            changed = pg_figures(cursor)
        conn.rollback()
        conn.close()
    finally:
        _drop(url)
    differences = figures_differences(Figures.from_json(manifest), changed)
    assert differences == ["table work_orders: same 120 rows but different contents (checksum)"]
    runs = list(BackupRun.objects.order_by("started_at", "id").values_list("kind", "ok", "differences"))
    assert runs == [("backup", True, None), ("restore", True, 0)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_backup_verify_restores_into_a_scratch_database_and_drops_it(demo_loaded, tmp_path):
    out = StringIO()
    with time_machine.travel(NOW, tick=True):
        call_command("backup", "--dir", str(tmp_path), "--verify", stdout=out)
    assert "0 differences in" in out.getvalue()
    verify = BackupRun.objects.get(kind="verify")
    assert verify.ok and verify.differences == 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_database WHERE datname LIKE %s",
            [f"{connection.settings_dict['NAME']}_verify_%"],
        )
        assert cursor.fetchone()[0] == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_database_that_is_not_empty_and_a_damaged_file(demo_loaded, tmp_path):
    with time_machine.travel(NOW, tick=True):
        result = backup_create(storage=backup_storage(directory=tmp_path))
    dump = tmp_path / f"{result.stem}.dump"
    with pytest.raises(CommandError, match="is not empty"):
        call_command(
            "restore",
            str(dump),
            "--into",
            _url_for(connection.settings_dict, connection.settings_dict["NAME"]),
        )
    data = bytearray(dump.read_bytes())
    data[-10] ^= 0xFF
    dump.write_bytes(bytes(data))
    with pytest.raises(CommandError, match="does not match its checksum"):
        call_command("restore", str(dump), "--into", _scratch_url("never"))
    assert not BackupRun.objects.filter(kind="restore", ok=True).exists()
    assert BackupRun.objects.filter(kind="restore", ok=False).count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_failed_backup_is_recorded_with_an_operational_event(demo_loaded, tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "no-tools-here"))
    with pytest.raises(CommandError, match="pg_dump is not installed"):
        call_command("backup", "--dir", str(tmp_path / "backups"))
    run = BackupRun.objects.get()
    assert (run.kind, run.ok) == ("backup", False) and "pg_dump" in run.message
    event = OperationalEvent.objects.get(event_type="backup_failed")
    assert event.severity == "error" and event.event_category == "system"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_backup_carries_the_provisioned_roles_to_a_cluster_without_them(tmp_path, monkeypatch):
    tech = f"tf_test_tech_{uuid.uuid4().hex[:8]}"
    office = f"tf_test_office_{uuid.uuid4().hex[:8]}"
    call_command(
        "provision_db_roles",
        "--office-role",
        office,
        "--tech-role",
        tech,
        office_password="office-pass-1",
        tech_password="tech-pass-2",
        stdout=StringIO(),
    )
    with time_machine.travel(NOW, tick=True):
        result = backup_create(storage=backup_storage(directory=tmp_path))
    roles_sql = (tmp_path / f"{result.stem}.roles.sql").read_text()
    assert f"CREATE ROLE {tech};" in roles_sql and f"CREATE ROLE {office};" in roles_sql
    # A cluster without the roles: drop them here, as if this were a fresh server.
    with connection.cursor() as cursor:
        for role in (tech, office):
            cursor.execute(f"DROP OWNED BY {role}")
            cursor.execute(f"DROP ROLE {role}")
    url = _scratch_url("roles")
    try:
        restored = backup_restore(path=tmp_path / f"{result.stem}.dump", into=url)
        assert restored.differences == []
        assert sorted(restored.roles_created) == sorted([tech, office])
        conn = psycopg2.connect(dbname=url.rsplit("/", 1)[1], **_server())
        with conn.cursor() as cursor:
            cursor.execute("SELECT has_table_privilege(%s, 'work_orders', 'UPDATE')", [tech])
            assert cursor.fetchone() == (True,)
        conn.close()
    finally:
        _drop(url)
        with connection.cursor() as cursor:
            for role in (tech, office):
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone():
                    cursor.execute(f"DROP OWNED BY {role}")
                    cursor.execute(f"DROP ROLE {role}")


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backup API path")
@pytest.mark.django_db(transaction=True)
def test_on_sqlite_the_online_backup_restores_the_demo_with_no_differences(demo_loaded, tmp_path):
    with time_machine.travel(NOW, tick=True):
        result = backup_create(storage=backup_storage(directory=tmp_path))
    copy = tmp_path / f"{result.stem}.sqlite3"
    assert copy.exists() and (tmp_path / f"{result.stem}.sha256").exists()
    target = tmp_path / "restored.sqlite3"
    restored = backup_restore(path=copy, into=f"sqlite:///{target}")
    assert restored.differences == [] and "Stock check passed" in restored.stock_check
    with pytest.raises(BackupError, match="is not empty"):
        backup_restore(path=copy, into=f"sqlite:///{target}")


def test_rotation_keeps_the_newest_backup_of_each_recent_day_and_week():
    stems = [
        "techflow-20251103-020000",  # Monday, week 45
        "techflow-20251104-020000",
        "techflow-20251104-140000",  # second of the day: the newer one stays
        "techflow-20251105-020000",
        "techflow-20251027-020000",  # week 44
        "techflow-20251020-020000",  # week 43
        "techflow-20251013-020000",  # week 42
    ]
    kept = sets_to_keep(stems, keep_daily=2, keep_weekly=3)
    assert kept == [
        "techflow-20251020-020000",
        "techflow-20251027-020000",
        "techflow-20251104-140000",
        "techflow-20251105-020000",
    ]


def test_rotation_deletes_only_our_old_files(tmp_path):
    storage = backup_storage(directory=tmp_path)
    for stem in ("techflow-20251101-020000", "techflow-20251102-020000", "techflow-20251103-020000"):
        for suffix in (".dump", ".sha256"):
            (tmp_path / f"{stem}{suffix}").write_text("x")
    (tmp_path / "notes.txt").write_text("mine")
    from techflow.backups import backups_rotate

    deleted = backups_rotate(storage=storage, keep_daily=2, keep_weekly=0)
    assert deleted == ["techflow-20251101-020000.dump", "techflow-20251101-020000.sha256"]
    assert sorted(p.name for p in Path(tmp_path).iterdir())[-1] == "techflow-20251103-020000.sha256"
    assert (tmp_path / "notes.txt").exists()


@pytest.mark.django_db(transaction=True)
def test_backup_into_a_configured_storage_verifies_from_there(demo_loaded, tmp_path, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "backups": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "bucket")},
        },
    }
    out = StringIO()
    with time_machine.travel(NOW, tick=True):
        call_command("backup", "--storage", "backups", "--verify", stdout=out)
    assert "0 differences" in out.getvalue()
    saved = sorted(p.suffix for p in (tmp_path / "bucket").iterdir())
    assert ".sha256" in saved and ".json" in saved
    assert list(BackupRun.objects.order_by("started_at", "id").values_list("kind", "ok")) == [
        ("backup", True),
        ("verify", True),
    ]


@pytest.mark.django_db
def test_an_unknown_storage_is_a_clear_error():
    with pytest.raises(CommandError, match="is not in STORAGES"):
        call_command("backup", "--storage", "nowhere")
