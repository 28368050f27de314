"""Backups that prove themselves: a consistent dump, the figures to check it by, a verified restore.

PostgreSQL: one REPEATABLE READ transaction exports its snapshot; the per-table row counts and
checksums of ordered rows are computed in that snapshot and `pg_dump -Fc --snapshot` dumps the
very same one, so the figures describe exactly what the dump holds. The roles that hold
privileges on the tables (those `provision_db_roles` made) come from `pg_dumpall --roles-only`,
because a dump that GRANTs to tech_app does not restore on a cluster without tech_app.
SQLite: the online backup API copies the live database page by page into the backup file, and
the figures are computed from that copy.

A backup set is four files sharing a stem (`techflow-20261201-020000`): the dump (`.dump` or
`.sqlite3`), the roles (`.roles.sql`, PostgreSQL), the figures (`.manifest.json`) and
`.sha256` in `sha256sum -c` format.
"""

import hashlib
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import environ
import psycopg2
from django.conf import settings
from django.core.files import File
from django.core.files.storage import FileSystemStorage, Storage, storages
from django.db import connection
from django.utils import timezone
from psycopg2 import sql
from psycopg2.extensions import quote_ident

from techflow.models import BackupKind, BackupRun
from techflow.operations import operational_event_record

STEM = re.compile(r"^techflow-(\d{8})-(\d{6})$")
SUFFIXES = (".dump", ".sqlite3", ".roles.sql", ".manifest.json", ".sha256")
FORMAT = 1
logger = logging.getLogger(__name__)


class BackupError(Exception):
    """A backup, restore or verification that could not be done, with what to do about it."""


@dataclass
class Figures:
    tables: dict[str, dict[str, Any]] = field(default_factory=dict)  # table: {"rows": n, "checksum": hex}
    sequences: dict[str, int | None] = field(default_factory=dict)

    @property
    def rows(self) -> int:
        return sum(t["rows"] for t in self.tables.values())

    def as_json(self) -> dict[str, Any]:
        return {"tables": self.tables, "sequences": self.sequences}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Figures":
        return cls(tables=data["tables"], sequences=data["sequences"])


def figures_differences(expected: Figures, actual: Figures) -> list[str]:
    """Every way `actual` differs from `expected`, as sentences; empty when they are the same."""
    found = []
    for table in sorted(set(expected.tables) | set(actual.tables)):
        want, got = expected.tables.get(table), actual.tables.get(table)
        if want is None:
            found.append(f"table {table} is not in the backup")
        elif got is None:
            found.append(f"table {table} is missing")
        elif want["rows"] != got["rows"]:
            found.append(f"table {table}: {got['rows']} rows, the backup had {want['rows']}")
        elif want["checksum"] != got["checksum"]:
            found.append(f"table {table}: same {got['rows']} rows but different contents (checksum)")
    for sequence in sorted(set(expected.sequences) | set(actual.sequences)):
        want, got = expected.sequences.get(sequence, "absent"), actual.sequences.get(sequence, "absent")
        if want != got:
            found.append(f"sequence {sequence}: {got}, the backup had {want}")
    return found


# -- PostgreSQL ---------------------------------------------------------------------------------

PG_STABLE_TEXT = [
    # Rows are compared as text: the text of a row must not depend on the session.
    "SET LOCAL TimeZone = 'UTC'",
    "SET LOCAL DateStyle = 'ISO, YMD'",
    "SET LOCAL IntervalStyle = 'postgres'",
    "SET LOCAL extra_float_digits = 3",
    "SET LOCAL bytea_output = 'hex'",
    "SET LOCAL statement_timeout = 0",
]


def pg_settings_from_url(url: str) -> dict[str, Any]:
    config = environ.Env.db_url_config(url)
    if "postgres" not in config["ENGINE"]:
        raise BackupError(f"{_safe_url(url)} is not a PostgreSQL URL (postgres://user@host:port/name).")
    return config


def _pg_params(config: dict[str, Any], database: str | None = None) -> dict[str, Any]:
    params = {"dbname": database or config["NAME"], "user": config.get("USER") or None}
    if config.get("PASSWORD"):
        params["password"] = config["PASSWORD"]
    if config.get("HOST"):
        params["host"] = config["HOST"]
    if config.get("PORT"):
        params["port"] = str(config["PORT"])
    return {k: v for k, v in params.items() if v is not None}


def _pg_env(config: dict[str, Any], database: str | None = None) -> dict[str, str]:
    """libpq's variables for the client tools: the password never appears in the process list."""
    env = {**os.environ}
    names = {
        "dbname": "PGDATABASE",
        "user": "PGUSER",
        "password": "PGPASSWORD",
        "host": "PGHOST",
        "port": "PGPORT",
    }
    for key, value in _pg_params(config, database).items():
        env[names[key]] = str(value)
    env.pop("PGOPTIONS", None)
    return env


def _pg_connect(config: dict[str, Any], database: str | None = None):
    return psycopg2.connect(**_pg_params(config, database), connect_timeout=10)


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if not found:
        raise BackupError(
            f"{name} is not installed: install the PostgreSQL client of your server's version "
            f"(Debian: apt-get install postgresql-client)."
        )
    return found


def _run(command: list[str], env: dict[str, str]) -> str:
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def pg_figures(cursor) -> Figures:
    """Row count and a checksum of the rows in primary-key order, per table of schema public."""
    cursor.execute(
        "SELECT c.oid, c.relname, "
        "  (SELECT array_agg(quote_ident(a.attname) ORDER BY k.n) FROM pg_index i "
        "   CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
        "   JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
        "   WHERE i.indrelid = c.oid AND i.indisprimary) "
        "FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') "
        "ORDER BY c.relname"
    )
    figures = Figures()
    for _oid, table, key in cursor.fetchall():
        order = ", ".join(key) if key else "t::text"
        cursor.execute(
            f"SELECT COUNT(*), COALESCE(md5(string_agg(md5(t::text), '' ORDER BY {order})), '') "
            f"FROM public.{quote_ident(table, cursor)} AS t"
        )
        rows, checksum = cursor.fetchone()
        figures.tables[table] = {"rows": rows, "checksum": checksum}
    cursor.execute("SELECT sequencename, last_value FROM pg_sequences WHERE schemaname = 'public'")
    figures.sequences = dict(sorted(cursor.fetchall()))
    return figures


def _pg_roles_of_tables(cursor) -> list[str]:
    """The roles that own or hold privileges on the tables of schema public."""
    cursor.execute(
        "SELECT r.rolname FROM pg_roles r WHERE r.oid IN ("
        "  SELECT a.grantee FROM pg_class c, aclexplode(c.relacl) a "
        "  WHERE c.relnamespace = 'public'::regnamespace "
        "  UNION SELECT c.relowner FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace"
        ") ORDER BY r.rolname"
    )
    return [row[0] for row in cursor.fetchall()]


ROLE_LINE = re.compile(r'^(CREATE|ALTER) ROLE ("?)(?P<name>[^\s";]+)\2[\s;]')


def _pg_roles_sql(config: dict[str, Any], roles: list[str]) -> tuple[str, bool]:
    """CREATE/ALTER ROLE statements of these roles from pg_dumpall; False when without passwords."""
    tool = _pg_tool("pg_dumpall")
    env = _pg_env(config)
    try:
        dumped, passwords = _run([tool, "--roles-only", "-l", config["NAME"]], env), True
    except BackupError:
        # Only a superuser reads the password hashes; the roles are still worth keeping.
        dumped, passwords = (
            _run([tool, "--roles-only", "--no-role-passwords", "-l", config["NAME"]], env),
            False,
        )
    wanted = set(roles)
    lines = [
        line
        for line in dumped.splitlines()
        if (match := ROLE_LINE.match(line + " ")) and match.group("name") in wanted
    ]
    header = "-- Roles that own or hold privileges on TechFlow's tables (pg_dumpall --roles-only).\n"
    return header + "\n".join(lines) + "\n", passwords


def _pg_backup(directory: Path, stem: str) -> tuple[Figures, dict[str, Any]]:
    config = connection.settings_dict
    dump = directory / f"{stem}.dump"
    tool = _pg_tool("pg_dump")
    snapshot_conn = _pg_connect(config)
    try:
        snapshot_conn.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with snapshot_conn.cursor() as cursor:
            for statement in PG_STABLE_TEXT:
                cursor.execute(statement)
            cursor.execute("SELECT pg_export_snapshot(), current_setting('server_version')")
            snapshot, server = cursor.fetchone()
            # pg_dump runs while this transaction holds the snapshot open.
            process = subprocess.Popen(
                [tool, "-Fc", "--no-password", f"--snapshot={snapshot}", "-f", str(dump)],
                env=_pg_env(config),
                stderr=subprocess.PIPE,
                text=True,
            )
            try:
                figures = pg_figures(cursor)
                roles = _pg_roles_of_tables(cursor)
            finally:
                _, errors = process.communicate()
            if process.returncode != 0:
                raise BackupError(f"pg_dump failed: {errors.strip()}")
        snapshot_conn.rollback()
    finally:
        snapshot_conn.close()
    roles_sql, passwords = _pg_roles_sql(config, roles)
    (directory / f"{stem}.roles.sql").write_text(roles_sql)
    return figures, {"server_version": server, "roles": roles, "role_passwords": passwords, "dump": dump.name}


def _pg_target(url: str, *, create: bool) -> dict[str, Any]:
    """The target's settings, after making sure the database exists (created if asked) and is empty."""
    config = pg_settings_from_url(url)
    try:
        conn = _pg_connect(config)
    except psycopg2.OperationalError as error:
        if not create or "does not exist" not in str(error):
            raise BackupError(f"Cannot connect to {_safe_url(url)}: {str(error).strip()}") from error
        admin = _pg_connect(config, "postgres")
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(config["NAME"])))
        admin.close()
        conn = _pg_connect(config)
    try:
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname NOT IN ('pg_catalog', 'information_schema') "
                "AND n.nspname NOT LIKE 'pg_toast%%' "
                "AND c.relkind IN ('r', 'p', 'v', 'm', 'S')"
            )
            if cursor.fetchone()[0]:
                raise BackupError(
                    f"{_safe_url(url)} is not empty: restore only into an empty database "
                    f"(createdb a new one), so nothing there is overwritten."
                )
    finally:
        conn.close()
    return config


def _pg_apply_roles(config: dict[str, Any], roles_sql: str) -> list[str]:
    """Create the backup's roles that the target cluster lacks; existing roles are left as they are."""
    statements: dict[str, list[str]] = {}
    for line in roles_sql.splitlines():
        match = ROLE_LINE.match(line + " ")
        if match:
            statements.setdefault(match.group("name"), []).append(line)
    created = []
    conn = _pg_connect(config)
    conn.autocommit = True
    try:
        with conn.cursor() as cursor:
            for role, lines in statements.items():
                cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
                if cursor.fetchone():
                    continue
                for line in lines:
                    cursor.execute(line)
                created.append(role)
    finally:
        conn.close()
    return created


def _pg_restore(
    files: dict[str, Path], url: str, *, create: bool
) -> tuple[dict[str, Any], Figures, list[str]]:
    config = _pg_target(url, create=create)
    roles_file = files.get(".roles.sql")
    created = _pg_apply_roles(config, roles_file.read_text()) if roles_file else []
    _run(
        [
            _pg_tool("pg_restore"),
            "--exit-on-error",
            "--single-transaction",
            "--no-password",
            "-d",
            config["NAME"],
            str(files[".dump"]),
        ],
        _pg_env(config),
    )
    conn = _pg_connect(config)
    try:
        with conn.cursor() as cursor:
            for statement in PG_STABLE_TEXT:
                cursor.execute(statement)
            figures = pg_figures(cursor)
        conn.rollback()
    finally:
        conn.close()
    return config, figures, created


def _pg_drop(config: dict[str, Any]) -> None:
    admin = _pg_connect(config, "postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(config["NAME"]))
            )
    finally:
        admin.close()


# -- SQLite -------------------------------------------------------------------------------------


def sqlite_figures(conn: sqlite3.Connection) -> Figures:
    figures = Figures()
    tables = [
        name
        for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        if not name.startswith("sqlite_")
    ]
    for table in tables:
        digest, rows = hashlib.md5(), 0
        for row in conn.execute(f'SELECT * FROM "{table}" ORDER BY rowid'):
            digest.update(repr(row).encode() + b"\n")
            rows += 1
        figures.tables[table] = {"rows": rows, "checksum": digest.hexdigest() if rows else ""}
    if conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence'").fetchone():
        figures.sequences = dict(sorted(conn.execute("SELECT name, seq FROM sqlite_sequence")))
    return figures


def _sqlite_backup(directory: Path, stem: str) -> tuple[Figures, dict[str, Any]]:
    target = directory / f"{stem}.sqlite3"
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        # The online backup API: a consistent copy while the application keeps running.
        connection.connection.backup(copy)
        figures = sqlite_figures(copy)
        version = copy.execute("SELECT sqlite_version()").fetchone()[0]
    finally:
        copy.close()
    return figures, {"server_version": f"SQLite {version}", "dump": target.name}


def _sqlite_path(url: str) -> Path:
    config = environ.Env.db_url_config(url)
    if "sqlite" not in config["ENGINE"] or not config["NAME"] or config["NAME"] == ":memory:":
        raise BackupError(f"{url} is not a SQLite file URL (sqlite:////absolute/path.sqlite3).")
    return Path(config["NAME"])


def _sqlite_restore(files: dict[str, Path], url: str) -> tuple[Path, Figures]:
    path = _sqlite_path(url)
    if path.exists() and path.stat().st_size:
        with sqlite3.connect(path) as existing:
            if existing.execute("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]:
                raise BackupError(
                    f"{path} is not empty: restore only into a new file, so nothing is overwritten."
                )
    source = sqlite3.connect(files[".sqlite3"])
    target = sqlite3.connect(path)
    try:
        source.backup(target)
        figures = sqlite_figures(target)
    finally:
        source.close()
        target.close()
    return path, figures


# -- Backup sets --------------------------------------------------------------------------------


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def backup_storage(*, directory: str | Path | None = None, alias: str | None = None) -> Storage:
    """Where backups go: a STORAGES alias (e.g. S3 through django-storages) or a folder."""
    if alias:
        return storages[alias]
    # A backup holds every row and the roles' password hashes: readable by its owner only.
    return FileSystemStorage(
        location=str(directory or settings.TECHFLOW_BACKUP_DIR),
        file_permissions_mode=0o600,
        directory_permissions_mode=0o700,
    )


def _describe(storage: Storage) -> str:
    return getattr(storage, "location", None) or storage.__class__.__name__


@dataclass
class BackupResult:
    stem: str
    location: str
    seconds: float
    size_bytes: int
    figures: Figures
    deleted: list[str] = field(default_factory=list)
    verification: "RestoreResult | None" = None


@dataclass
class RestoreResult:
    target: str
    seconds: float
    differences: list[str]
    stock_check: str
    roles_created: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def _record(kind: str, **fields: Any) -> None:
    try:
        BackupRun.objects.create(kind=kind, **fields)
    except Exception:
        # The database may be what failed; the command reports the failure either way.
        logger.exception("could not record the %s run", kind)


def _fail(kind: str, name: str, started: float, error: Exception) -> None:
    message = str(error)
    _record(kind, ok=False, name=name, duration_seconds=time.monotonic() - started, message=message)
    try:
        operational_event_record(
            event_type=f"{kind}_failed",
            title=f"{BackupKind(kind).label} failed" + (f": {name}" if name else ""),
            description=message,
            metadata={"name": name},
        )
    except Exception:
        logger.exception("could not record the %s failure as an operational event", kind)


def backup_create(
    *,
    storage: Storage,
    keep_daily: int = 7,
    keep_weekly: int = 4,
    now: datetime | None = None,
) -> BackupResult:
    """A backup set of the default database in `storage`, recorded; older sets rotated away."""
    started = time.monotonic()
    now = now or timezone.now()
    stem = f"techflow-{now.astimezone(UTC):%Y%m%d-%H%M%S}"
    try:
        with tempfile.TemporaryDirectory(prefix="techflow-backup-") as tmp:
            directory = Path(tmp)
            if connection.vendor == "postgresql":
                figures, details = _pg_backup(directory, stem)
            elif connection.vendor == "sqlite":
                figures, details = _sqlite_backup(directory, stem)
            else:
                raise BackupError(f"Backups support PostgreSQL and SQLite, not {connection.vendor}.")
            manifest = {
                "format": FORMAT,
                "vendor": connection.vendor,
                "database": str(connection.settings_dict["NAME"]),
                "created_at": now.astimezone(UTC).isoformat(),
                **details,
                **figures.as_json(),
            }
            (directory / f"{stem}.manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
            names = sorted(p.name for p in directory.iterdir())
            sums = "".join(f"{sha256_of(directory / n)}  {n}\n" for n in names)
            (directory / f"{stem}.sha256").write_text(sums)
            size = sum((directory / n).stat().st_size for n in names)
            for path in sorted(directory.iterdir()):
                with path.open("rb") as handle:
                    saved = storage.save(path.name, File(handle))
                if saved != path.name:
                    raise BackupError(f"{path.name} already exists in {_describe(storage)}.")
            dump_sha = sha256_of(directory / details["dump"])
        deleted = backups_rotate(storage=storage, keep_daily=keep_daily, keep_weekly=keep_weekly)
    except Exception as error:
        _fail(BackupKind.BACKUP, stem, started, error)
        raise
    seconds = time.monotonic() - started
    _record(
        BackupKind.BACKUP,
        ok=True,
        name=stem,
        location=_describe(storage),
        duration_seconds=seconds,
        size_bytes=size,
        sha256=dump_sha,
        tables=len(figures.tables),
        rows=figures.rows,
        message=f"{len(deleted)} old files rotated away" if deleted else "",
    )
    return BackupResult(stem, _describe(storage), seconds, size, figures, deleted)


def _check_sums(directory: Path, stem: str) -> dict[str, Path]:
    sums = directory / f"{stem}.sha256"
    if not sums.exists():
        raise BackupError(f"{sums.name} is missing: without it the backup cannot be trusted.")
    files = {}
    for line in sums.read_text().splitlines():
        digest, name = line.split(None, 1)
        path = directory / name.strip()
        if not path.exists():
            raise BackupError(f"{path.name} is listed in {sums.name} but missing.")
        if sha256_of(path) != digest:
            raise BackupError(f"{path.name} does not match its checksum: the file is damaged.")
        files[next(s for s in SUFFIXES if path.name.endswith(s))] = path
    return files


def backup_files(path: str | Path) -> tuple[Path, str]:
    """The folder and stem of a backup set, from the path of any of its files (or the stem)."""
    path = Path(path)
    name = path.name
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            break
    if not STEM.match(name):
        raise BackupError(f"{path} is not a TechFlow backup (techflow-YYYYMMDD-HHMMSS.dump or .sqlite3).")
    return path.parent, name


def _stock_check(url: str) -> str:
    """check_stock against the restored database, in its own process so it reads nothing else."""
    env = {**os.environ, "DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, str(Path(settings.BASE_DIR) / "manage.py"), "check_stock"],
        env=env,
        capture_output=True,
        text=True,
    )
    output = (done.stdout + done.stderr).strip()
    if done.returncode != 0:
        raise BackupError(f"check_stock on the restored database failed: {output}")
    return output.splitlines()[-1] if output else "check_stock passed"


def backup_restore(
    *, path: str | Path, into: str, create: bool = True, kind: str = BackupKind.RESTORE
) -> RestoreResult:
    """Restore a backup set into an empty database and compare it with the figures taken at backup time."""
    started = time.monotonic()
    directory, stem = backup_files(path)
    try:
        files = _check_sums(directory, stem)
        manifest = json.loads(files[".manifest.json"].read_text())
        expected = Figures.from_json(manifest)
        created: list[str] = []
        if manifest["vendor"] == "postgresql":
            _config, actual, created = _pg_restore(files, into, create=create)
        else:
            _path, actual = _sqlite_restore(files, into)
        differences = figures_differences(expected, actual)
        stock = _stock_check(into) if not differences else "not run: the tables differ"
    except Exception as error:
        _fail(kind, stem, started, error)
        raise
    seconds = time.monotonic() - started
    result = RestoreResult(_safe_url(into), seconds, differences, stock, created)
    _record(
        kind,
        ok=result.ok,
        name=stem,
        location=result.target,
        duration_seconds=seconds,
        tables=len(actual.tables),
        rows=actual.rows,
        differences=len(differences),
        message="; ".join(differences) or stock,
    )
    if differences:
        operational_event_record(
            event_type=f"{kind}_differences",
            title=f"{BackupKind(kind).label} of {stem} found {len(differences)} differences",
            description="\n".join(differences),
            metadata={"name": stem},
        )
    return result


def backup_verify(*, result: BackupResult, storage: Storage, keep: bool = False) -> RestoreResult:
    """Restore the new backup into a scratch database, compare, and drop the scratch database."""
    with tempfile.TemporaryDirectory(prefix="techflow-verify-") as tmp:
        directory = Path(tmp)
        for name in storage.listdir("")[1]:
            if name.startswith(result.stem + "."):
                with storage.open(name, "rb") as source, (directory / name).open("wb") as target:
                    shutil.copyfileobj(source, target)
        suffix = uuid.uuid4().hex[:8]
        if connection.vendor == "postgresql":
            config = connection.settings_dict
            scratch = f"{config['NAME']}_verify_{suffix}"[:63]
            url = _url_for(config, scratch)
            try:
                return backup_restore(
                    path=directory / f"{result.stem}.dump", into=url, kind=BackupKind.VERIFY
                )
            finally:
                if not keep:
                    _pg_drop(pg_settings_from_url(url))
        scratch_path = directory / f"verify-{suffix}.sqlite3"
        return backup_restore(
            path=directory / f"{result.stem}.sqlite3",
            into=f"sqlite:///{scratch_path}",
            kind=BackupKind.VERIFY,
        )


def _url_for(config: dict[str, Any], database: str) -> str:
    from urllib.parse import quote

    user = quote(config.get("USER") or "")
    password = f":{quote(config['PASSWORD'])}" if config.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    host = config.get("HOST") or ""
    port = f":{config['PORT']}" if config.get("PORT") else ""
    return f"postgres://{auth}{host}{port}/{database}"


def _safe_url(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def backups_rotate(*, storage: Storage, keep_daily: int, keep_weekly: int) -> list[str]:
    """Keep the newest set of each of the last `keep_daily` days and `keep_weekly` weeks; delete the rest."""
    if keep_daily < 1:
        raise BackupError("--keep-daily must be at least 1: the newest backup is always kept.")
    files = storage.listdir("")[1]
    stems: dict[str, list[str]] = {}
    for name in files:
        try:
            _, stem = backup_files(name)
        except BackupError:
            continue  # not ours: never deleted
        stems.setdefault(stem, []).append(name)
    keep = set(sets_to_keep(sorted(stems), keep_daily=keep_daily, keep_weekly=keep_weekly))
    deleted = []
    for stem, names in stems.items():
        if stem not in keep:
            for name in names:
                storage.delete(name)
                deleted.append(name)
    return sorted(deleted)


def sets_to_keep(stems: Iterable[str], *, keep_daily: int, keep_weekly: int) -> list[str]:
    """The newest stem of each of the `keep_daily` most recent days and `keep_weekly` most recent weeks."""
    newest_first = sorted(stems, reverse=True)
    days: dict[date, str] = {}
    weeks: dict[tuple[int, int], str] = {}
    for stem in newest_first:
        day = datetime.strptime(STEM.match(stem).group(1), "%Y%m%d").date()
        days.setdefault(day, stem)
        weeks.setdefault(tuple(day.isocalendar())[:2], stem)
    kept = list(days.values())[:keep_daily] + list(weeks.values())[:keep_weekly]
    return sorted(set(kept))
