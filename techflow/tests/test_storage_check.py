"""The stored files check (README "Files"): every stored photo, thumbnail, signature and service
report asked of the file store in bounded batches, a missing one raised once as an event, shown
on the System page. Local files here; the S3 store in test_s3_storage.py."""

from datetime import timedelta

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from fieldops.events import event_resolve
from fieldops.models import OperationalEvent
from fieldops.tests.factories import CustomerSignatureFactory, JobAttachmentFactory, ServiceReportFactory
from techflow.models import StoredFilesCheck
from techflow.periodic import JOBS, periodic_run_due
from techflow.storage_check import EVENT_TYPE, FOUND_AGAIN, stored_files_check

pytestmark = pytest.mark.django_db


def _missing_events():
    return list(OperationalEvent.objects.filter(event_type=EVENT_TYPE).order_by("created_at"))


@pytest.fixture
def files():
    """Two photos (one with a thumbnail), a signature and a report, all stored."""
    first = JobAttachmentFactory()
    first.thumbnail.save(f"jobs/{first.work_order_id}/{first.pk}-thumb.jpg", ContentFile(b"thumb"))
    second = JobAttachmentFactory()
    signature = CustomerSignatureFactory()
    report = ServiceReportFactory()
    return first, second, signature, report


def test_a_full_pass_over_stored_files_finds_nothing_missing(files):
    run = stored_files_check(batch=100)
    assert run.checked == 5 and run.missing == [] and run.pass_finished  # 2 photos, 1 thumb, sig, report
    state = StoredFilesCheck.objects.get()
    assert state.last_pass_checked == 5 and state.last_pass_missing == 0 and state.kind == ""
    assert _missing_events() == []


def test_a_missing_file_raises_one_event_linked_to_its_job_and_once_only(files, now):
    first, second, signature, report = files
    default_storage.delete(second.file.name)
    default_storage.delete(report.file.name)
    run = stored_files_check(batch=100)
    assert sorted(run.missing) == sorted([second.file.name, report.file.name])
    photo, pdf = sorted(_missing_events(), key=lambda e: e.metadata["kind"])
    assert photo.title == f"A stored photo is missing (work order #{second.work_order_id})"
    assert photo.metadata == {
        "work_order_id": second.work_order_id,
        "kind": "photo",
        "id": str(second.pk),
        "file": second.file.name,
    }
    assert photo.severity == "error" and photo.resolved_at is None
    assert pdf.title == f"A stored service report is missing (work order #{report.work_order_id})"
    # The next pass finds the same files missing: no second event.
    with time_machine.travel(now + timedelta(minutes=10)):
        again = stored_files_check(batch=100)
    assert len(again.missing) == 2 and len(_missing_events()) == 2
    assert StoredFilesCheck.objects.get().last_pass_missing == 2


def test_runs_are_bounded_and_carry_on_where_the_last_stopped(files):
    first, second, signature, report = files
    default_storage.delete(report.file.name)  # the very last file of a pass
    sizes = []
    for _ in range(3):
        run = stored_files_check(batch=2)
        sizes.append((run.checked, run.pass_finished, len(run.missing)))
    # 5 files in batches of 2: 2, 2, then the last one (the report) and the pass ends.
    assert sizes == [(2, False, 0), (2, False, 0), (1, True, 1)]
    state = StoredFilesCheck.objects.get()
    assert state.last_pass_checked == 5 and state.last_pass_missing == 1
    # A new pass starts from the beginning.
    assert stored_files_check(batch=2).checked == 2
    assert StoredFilesCheck.objects.get().kind == "photo"


def test_a_file_found_again_resolves_its_event_and_a_resolved_one_is_not_raised_again(files, office_user):
    first, second, signature, report = files
    body = default_storage.open(signature.image.name).read()
    default_storage.delete(signature.image.name)
    default_storage.delete(first.thumbnail.name)
    stored_files_check(batch=100)
    signature_event, thumb_event = sorted(_missing_events(), key=lambda e: e.metadata["kind"])
    assert signature_event.metadata["kind"] == "signature"
    # The signature is restored from a backup of the store: the next pass resolves its event.
    default_storage.save(signature.image.name, ContentFile(body))
    run = stored_files_check(batch=100)
    assert run.found_again == 1
    signature_event.refresh_from_db()
    assert signature_event.resolved_at is not None and signature_event.resolution_note == FOUND_AGAIN
    # The lost thumbnail is accounted for by a person: it is not raised again.
    event_resolve(event=thumb_event, user=office_user, note="Thumbnail lost; the photo is kept.")
    stored_files_check(batch=100)
    assert len(_missing_events()) == 2
    assert OperationalEvent.objects.filter(event_type=EVENT_TYPE, resolved_at__isnull=True).count() == 0


def test_the_periodic_job_runs_it_and_records_the_outcome(files, now):
    default_storage.delete(files[1].file.name)
    assert JOBS["stored_files_check"].every_seconds == 600
    outcomes = periodic_run_due(jobs={"stored_files_check": JOBS["stored_files_check"]}, now=now)
    assert outcomes == {"stored_files_check": "5 file(s) checked, 1 missing, pass finished"}
    assert len(_missing_events()) == 1


def test_the_command_runs_a_batch_or_a_full_pass_and_refuses_a_bad_batch(files, capsys):
    default_storage.delete(files[1].file.name)
    call_command("check_stored_files", "--batch", "2")
    assert capsys.readouterr().out.splitlines()[0] == "2 file(s) checked, 1 missing"
    call_command("check_stored_files", "--batch", "2", "--full")
    out = capsys.readouterr().out
    assert "pass finished" in out and "missing" not in out.split("\n", 2)[-1]  # found in the first batch
    with pytest.raises(CommandError, match="at least 1"):
        call_command("check_stored_files", "--batch", "0")


def test_the_system_page_shows_the_check_and_the_missing_files(admin_client, files):
    second = files[1]
    page = admin_client.get("/admin/system/").content.decode()
    assert "No full check finished yet." in page
    default_storage.delete(second.file.name)
    stored_files_check(batch=100)
    page = admin_client.get("/admin/system/").content.decode()
    assert "5 files asked of the file store" in page and "1 missing" in page
    assert second.file.name in page and f'href="/office/work-orders/{second.work_order_id}/"' in page
