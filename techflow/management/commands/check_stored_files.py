"""Ask the file store about the next batch of stored files (README "Files": the stored files check)."""

from django.core.management.base import BaseCommand, CommandError

from techflow.storage_check import stored_files_check


class Command(BaseCommand):
    help = (
        "Check that the photos, thumbnails, signatures and service reports the database names exist "
        "in the file store, a bounded batch per run, carrying on where the last run stopped; each "
        "missing file raises one operational event (Events page, System page). The worker runs "
        "this every 10 minutes. --full runs batches until a whole pass is done."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=None, help="files per batch (default: setting)")
        parser.add_argument("--full", action="store_true", help="run batches until the pass is finished")

    def handle(self, *args, batch: int | None = None, full: bool = False, **options) -> None:
        if batch is not None and batch < 1:
            raise CommandError("--batch must be a whole number of at least 1.")
        while True:
            run = stored_files_check(batch=batch)
            self.stdout.write(str(run))
            for name in run.missing:
                self.stdout.write(f"missing: {name}")
            if run.busy:
                raise CommandError("Another stored files check is running: try again in a moment.")
            if run.pass_finished or not full:
                return
