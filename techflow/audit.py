"""The admin's own record: every change made in the Django admin, with the values before and after,
and history that nobody can rewrite there.

Why our own table (`admin_changes`) and not django-simple-history or django-pghistory: pghistory's
triggers are PostgreSQL only (SQLite is the embedded default and must run the same code), and
simple-history records every save from anywhere through signals in a shadow table per model (21 new
tables, and writes from signals, which STYLE.md rules out); what is missing is only the admin's part,
since the services already write work-order, customer and stock history themselves. One table, one
admin site hook (`techflow.admin_site.TechflowAdminSite`), every model, both databases.

- `admin_change_record` writes one row: who, when, what (add / change / delete / action /
  correction), the object, `changes` as {field: [old, new]} and, for a correction, why.
- HISTORY: the models that are the record of what happened in the field and in the office. In the
  admin they are read only and can't be deleted; the fields named here may be corrected by a
  superuser giving a reason, and the correction is itself a row of `admin_changes` (history too).
- `login_history_refusals`: a login whose name is on history can't be deleted (deactivate it).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.http import HttpRequest

from techflow.models import AdminChange
from techflow.seclog import security_event

# label -> the fields a recorded correction may change (empty: read only, no correction).
HISTORY: dict[str, tuple[str, ...]] = {
    "fieldops.clockrecord": ("clock_in_time", "clock_out_time", "truck"),
    "fieldops.travellog": ("travel_start_time", "travel_end_time"),
    "fieldops.technicianactivity": ("notes",),
    "fieldops.voiceagentsession": (),
    "fieldops.voiceagentinteraction": (),
    "fieldops.operationalevent": ("description",),
    "dispatch.communicationmessage": (),
    "dispatch.communicationcalldetail": (),
    "dispatch.workordernote": ("note_text",),
    "techflow.adminchange": (),
}
# History rows the admin may still add (through the service that writes them).
ADDABLE = {"dispatch.workordernote"}


def history_fields(model: type[models.Model]) -> tuple[str, ...] | None:
    """The correctable fields of a history model, or None when the model is not history."""
    return HISTORY.get(model._meta.label_lower)


def snapshot(obj: models.Model) -> dict[str, str | None]:
    """Each concrete field's value as text (a foreign key as its id), as the audit stores it."""
    values = {}
    for field in obj._meta.concrete_fields:
        value = getattr(obj, field.attname)
        if value is None:
            values[field.name] = None
        elif hasattr(value, "resolve_expression"):  # a database default, not read back yet
            values[field.name] = "(database default)"
        else:
            values[field.name] = field.value_to_string(obj)
    return values


def differences(before: dict, after: dict) -> dict[str, list]:
    return {name: [before.get(name), value] for name, value in after.items() if before.get(name) != value}


def admin_change_record(
    *,
    request: HttpRequest,
    obj: models.Model,
    action: str,
    changes: dict[str, list],
    reason: str = "",
) -> AdminChange:
    """One row of the admin's record (in the caller's transaction); a correction is also logged."""
    row = AdminChange.objects.create(
        user=request.user,
        action=action,
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk)[:64],
        object_repr=str(obj)[:200],
        changes=changes,
        reason=reason,
    )
    if action == AdminChange.Action.CORRECT:
        security_event(
            "admin_correction",
            request,
            object=f"{obj._meta.label_lower}:{obj.pk}",
            fields=",".join(changes) or "-",
            reason=reason,
        )
    return row


@transaction.atomic
def record_correct(
    *, request: HttpRequest, obj: models.Model, before: dict, fields: Iterable[str], reason: str
) -> AdminChange | None:
    """Save a correction of a history row's `fields` with who, why and the old and new values.

    Only the fields HISTORY lists for the model, and only with a reason; None when nothing changed."""
    after = snapshot(obj)
    changes = {
        name: [before.get(name), after.get(name)] for name in fields if before.get(name) != after.get(name)
    }
    if not changes:
        return None
    if not set(changes) <= set(history_fields(type(obj)) or ()) or not reason.strip():
        raise ValueError("a correction changes only its correctable fields and gives a reason")
    obj.save(update_fields=list(changes))
    return admin_change_record(
        request=request, obj=obj, action=AdminChange.Action.CORRECT, changes=changes, reason=reason.strip()
    )


def login_history_refusals(user) -> list[str]:
    """Why a login can't be deleted: the history that names it (empty when nothing does)."""
    from dispatch.models import (
        ActorType,
        CustomerHistory,
        Technician,
        WorkOrder,
        WorkOrderHistory,
        WorkOrderNote,
    )

    staff = [ActorType.OFFICE, ActorType.ADMIN]
    counts = {
        "admin changes": AdminChange.objects.filter(user=user).count(),
        "admin log entries": LogEntry.objects.filter(user=user).count(),
        "work-order history rows": WorkOrderHistory.objects.filter(
            changed_by_type__in=staff, changed_by_id=user.pk
        ).count(),
        "customer history rows": CustomerHistory.objects.filter(
            created_by_type__in=staff, created_by_id=user.pk
        ).count(),
        "notes": WorkOrderNote.objects.filter(created_by_type__in=staff, created_by_id=user.pk).count(),
        "work orders created": WorkOrder.objects.filter(created_by=user).count(),
        "technician records": Technician.objects.filter(user=user).count(),
    }
    return [f"{user.get_username()}: {count} {what}" for what, count in counts.items() if count]


def refusals_for(users: Iterable) -> list[str]:
    return [line for user in users for line in login_history_refusals(user)]
