"""The check of stored files: every photo, thumbnail, signature and service report the database
names is asked of the storage (local files or S3, through Django's storage API), so a file lost
from the store is known before somebody opens it (README "Files").

Bounded: a run asks about at most `batch` files (TECHFLOW_STORED_FILES_BATCH), carrying on where
the last run stopped (the one `StoredFilesCheck` row, locked for the run: two runs at once never
check the same files; the second finds it locked and stops). It runs on the worker's periodic tick
(`stored_files_check`, techflow/periodic.py) and as `manage.py check_stored_files`.

A missing file raises one operational event (category system, severity error) per file, linked to
its work order: the office's Events page lists it with who resolved it, and the System page shows
the open ones. A file found again later resolves its event with a note; an event a person
resolved is not raised again for the same file.
"""

from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db import models, transaction

from dispatch import clock
from fieldops.events import event_raise
from fieldops.models import (
    CustomerSignature,
    EventCategory,
    JobAttachment,
    OperationalEvent,
    ServiceReport,
    Severity,
)
from techflow.models import StoredFilesCheck

EVENT_TYPE = "stored_file_missing"
FOUND_AGAIN = "Found again in the file store by the stored files check."


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    model: type[models.Model]
    field: str

    def rows(self, after: str) -> models.QuerySet:
        rows = self.model.objects.exclude(**{self.field: ""}).exclude(**{f"{self.field}__isnull": True})
        if after:
            rows = rows.filter(pk__gt=self.model._meta.pk.to_python(after))
        return rows.order_by("pk")


KINDS = (
    Kind("photo", "photo", JobAttachment, "file"),
    Kind("thumbnail", "photo thumbnail", JobAttachment, "thumbnail"),
    Kind("signature", "customer signature", CustomerSignature, "image"),
    Kind("report", "service report", ServiceReport, "file"),
)
NAMES = [kind.name for kind in KINDS]


def cause_key(kind: Kind, pk) -> str:
    return f"{EVENT_TYPE}:{kind.name}:{pk}"


@dataclass
class CheckRun:
    checked: int = 0
    missing: list[str] = field(default_factory=list)  # the missing files' names
    found_again: int = 0
    pass_finished: bool = False
    busy: bool = False  # another run holds the check

    def __str__(self) -> str:
        if self.busy:
            return "another check is running"
        text = f"{self.checked} file(s) checked, {len(self.missing)} missing"
        if self.found_again:
            text += f", {self.found_again} found again"
        return text + (", pass finished" if self.pass_finished else "")


def _missing(kind: Kind, row, name: str) -> None:
    order_id = getattr(row, "work_order_id", None)
    event_raise(
        event_type=EVENT_TYPE,
        category=EventCategory.SYSTEM,
        severity=Severity.ERROR,
        title=f"A stored {kind.label} is missing" + (f" (work order #{order_id})" if order_id else ""),
        description=(
            f"The file store has no file {name}. The record still names it; restore it from a "
            "backup of the store, or say on the job what was lost."
        ),
        metadata={"work_order_id": order_id, "kind": kind.name, "id": str(row.pk), "file": name},
        cause_key=cause_key(kind, row.pk),
    )


def _found_again(keys: list[str], now: datetime) -> int:
    return OperationalEvent.objects.filter(cause_key__in=keys, resolved_at__isnull=True).update(
        resolved_at=now, resolution_note=FOUND_AGAIN
    )


def stored_files_check(*, batch: int | None = None) -> CheckRun:
    """Ask the storage about the next `batch` stored files; record the missing ones (see above)."""
    batch = batch or settings.TECHFLOW_STORED_FILES_BATCH
    run = CheckRun()
    StoredFilesCheck.objects.get_or_create(pk=1)
    with transaction.atomic():
        state = StoredFilesCheck.objects.select_for_update(skip_locked=True).filter(pk=1).first()
        if state is None:
            run.busy = True
            return run
        now = clock.now()
        if state.kind not in NAMES:  # a new pass
            state.kind, state.after, state.checked, state.missing = NAMES[0], "", 0, 0
            state.pass_started_at = now
        index = NAMES.index(state.kind)
        while run.checked < batch:
            kind = KINDS[index]
            rows = list(kind.rows(state.after)[: batch - run.checked])
            found = []
            for row in rows:
                stored = getattr(row, kind.field)
                if stored.storage.exists(stored.name):
                    found.append(cause_key(kind, row.pk))
                else:
                    run.missing.append(stored.name)
                    _missing(kind, row, stored.name)
            run.found_again += _found_again(found, now) if found else 0
            run.checked += len(rows)
            if rows:
                state.after = str(rows[-1].pk)
            if run.checked < batch:  # this kind is done
                index += 1
                state.after = ""
                if index == len(KINDS):
                    run.pass_finished = True
                    break
                state.kind = KINDS[index].name
        state.checked += run.checked
        state.missing += len(run.missing)
        if run.pass_finished:
            state.last_pass_started_at, state.last_pass_finished_at = state.pass_started_at, now
            state.last_pass_checked, state.last_pass_missing = state.checked, state.missing
            state.kind = state.after = ""
        state.updated_at = now
        state.save()
    return run


def stored_files_overview() -> dict:
    """What the System page shows: where the check is, its last full pass, and the open events."""
    state = StoredFilesCheck.objects.filter(pk=1).first()
    missing = OperationalEvent.objects.filter(event_type=EVENT_TYPE, resolved_at__isnull=True).order_by(
        "-created_at"
    )
    return {
        "state": state,
        "open_missing": missing.count(),
        "missing": list(missing[:10]),
        "batch": settings.TECHFLOW_STORED_FILES_BATCH,
    }
