"""Restore a backup into an empty database and verify it against the figures taken at backup time."""

from django.core.management.base import BaseCommand, CommandError, CommandParser

from techflow.backups import BackupError, backup_restore


class Command(BaseCommand):
    help = (
        "Restore FILE (a .dump or .sqlite3 of `backup`, next to its .manifest.json and .sha256) into the "
        "database at --into, which must be empty (a PostgreSQL database that does not exist yet is "
        "created). Checks the .sha256 first, creates the backup's roles the cluster lacks, restores, then "
        "compares each table's row count and checksum and each sequence with the backup's figures and runs "
        "check_stock on the result. Exits 1 on any difference."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The backup's .dump or .sqlite3 file.")
        parser.add_argument(
            "--into", required=True, help="postgres://user@host:port/newdb or sqlite:////path"
        )
        parser.add_argument("--no-create", action="store_true", help="Refuse if the database does not exist.")

    def handle(self, *args, **options) -> None:
        try:
            result = backup_restore(
                path=options["file"], into=options["into"], create=not options["no_create"]
            )
        except BackupError as error:
            raise CommandError(f"Restore failed: {error}") from error
        if result.roles_created:
            self.stdout.write(f"Created roles: {', '.join(result.roles_created)}.")
        if result.differences:
            self.stderr.write("\n".join(f"  {d}" for d in result.differences))
            raise CommandError(f"Restored, but {len(result.differences)} differences from the backup.")
        self.stdout.write(
            self.style.SUCCESS(
                f"Restored into {result.target} in {result.seconds:.2f}s: 0 differences; {result.stock_check}"
            )
        )
