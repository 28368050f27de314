"""Back up the database with the figures to verify it by; rotate old backups; optionally verify."""

from django.core.files.storage import InvalidStorageError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from techflow.backups import BackupError, backup_create, backup_storage, backup_verify


class Command(BaseCommand):
    help = (
        "Back up the database: on PostgreSQL a consistent pg_dump -Fc plus the roles that hold privileges "
        "on its tables (pg_dumpall --roles-only), on SQLite a copy through its online backup API; with "
        "per-table row counts and checksums taken from the same snapshot (.manifest.json) and a .sha256 "
        "file. Keeps the newest backup of each of the last --keep-daily days and --keep-weekly weeks. "
        "--verify restores it into a scratch database, compares every table, sequence and check_stock, "
        "and drops the scratch database. Every backup and failure is recorded (System page); a failure "
        "also raises an operational event."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--dir", help="Folder for the backups (default: TECHFLOW_BACKUP_DIR).")
        where.add_argument("--storage", help="A STORAGES alias to save into instead (e.g. an S3 bucket).")
        parser.add_argument(
            "--keep-daily", type=int, default=7, help="Days to keep one backup of (default 7)."
        )
        parser.add_argument(
            "--keep-weekly", type=int, default=4, help="Weeks to keep one backup of (default 4)."
        )
        parser.add_argument(
            "--verify", action="store_true", help="Restore into a scratch database and compare."
        )

    def handle(self, *args, **options) -> None:
        try:
            storage = backup_storage(directory=options["dir"], alias=options["storage"])
        except InvalidStorageError as error:
            raise CommandError(f"--storage {options['storage']!r} is not in STORAGES: {error}") from error
        try:
            result = backup_create(
                storage=storage, keep_daily=options["keep_daily"], keep_weekly=options["keep_weekly"]
            )
        except BackupError as error:
            raise CommandError(f"Backup failed: {error}") from error
        self.stdout.write(
            f"Backed up {len(result.figures.tables)} tables, {result.figures.rows} rows, "
            f"to {result.location}/"
            f"{result.stem}.* ({result.size_bytes / 1024:.0f} KiB) in {result.seconds:.2f}s."
        )
        for name in result.deleted:
            self.stdout.write(f"  rotated away {name}")
        if not options["verify"]:
            return
        try:
            verified = backup_verify(result=result, storage=storage)
        except BackupError as error:
            raise CommandError(f"Verification failed: {error}") from error
        if verified.differences:
            self.stderr.write("\n".join(f"  {d}" for d in verified.differences))
            raise CommandError(f"Verification found {len(verified.differences)} differences.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Verified in {verified.seconds:.2f}s: restored into a scratch database, 0 differences in "
                f"{len(result.figures.tables)} tables and {len(result.figures.sequences)} sequences; "
                f"{verified.stock_check}"
            )
        )
