"""The admin site: every ModelAdmin is registered with the audit mixed in (techflow/audit.py says why).

`TechflowAdminSite.register` wraps each admin class, whichever app registers it (auth's User and
Group included):
- `AuditedAdmin` records each add, change, delete and admin action in `admin_changes` with the old
  and new values, and refuses to delete a login that history names.
- `HistoryAdmin` (the models in `audit.HISTORY`) makes the record read only and undeletable; a
  superuser may correct the fields listed there, giving a reason, and the correction is recorded.
- `OneDateStyleAdmin`: a changelist's date and time columns read like the office and the phone
  (`dispatch.formatting`: "2:14 PM" today, "Mon Nov 30, 2:14 PM" otherwise, in the company's zone),
  still sortable, with the same column classes.
"""

from __future__ import annotations

import functools

from django import forms
from django.contrib import admin
from django.contrib.admin.options import ActionLocation
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import models as db_models
from django.db import transaction
from django.db.models.base import ModelBase
from django.http import HttpRequest

from dispatch import formatting
from techflow import audit
from techflow.models import AdminChange

MASKED = {"password"}


def _masked(changes: dict[str, list]) -> dict[str, list]:
    return {
        name: (["(hidden)", "(changed)"] if name in MASKED else values) for name, values in changes.items()
    }


def _text(value) -> str | None:
    if value is None:
        return None
    if hasattr(value, "pk"):
        return str(value.pk)
    if isinstance(value, (list, tuple, set)) or hasattr(value, "__iter__") and not isinstance(value, str):
        return ",".join(sorted(_text(item) or "" for item in value))
    return str(value)


class AuditedAdmin:
    """Every admin change recorded with its old and new values."""

    def get_object(self, request: HttpRequest, object_id: str, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is not None:
            obj._audit_before = audit.snapshot(obj)
        return obj

    def construct_change_message(self, request: HttpRequest, form, formsets, add: bool = False):
        message = super().construct_change_message(request, form, formsets, add)
        self._audit_form(request, form, add)
        for formset in formsets or []:
            for obj in formset.new_objects:
                self._record(request, obj, AdminChange.Action.ADD, audit.differences({}, audit.snapshot(obj)))
            for obj, _fields in formset.changed_objects:
                inline_form = next((f for f in formset.initial_forms if f.instance is obj), None)
                self._audit_changed(request, obj, inline_form)
            for obj in formset.deleted_objects:
                self._record(request, obj, AdminChange.Action.DELETE, _deleted(obj))
        return message

    def _audit_form(self, request: HttpRequest, form, add: bool) -> None:
        obj = getattr(form, "instance", None)
        if obj is None:  # the user admin's password form: the password changed, its hash stays out
            if getattr(form, "user", None) is not None:
                self._record(request, form.user, AdminChange.Action.CHANGE, {"password": [None, None]})
            return
        if add:
            self._record(request, obj, AdminChange.Action.ADD, audit.differences({}, audit.snapshot(obj)))
        elif audit.history_fields(type(obj)) is None:  # a history row records its own correction
            self._audit_changed(request, obj, form)

    def _audit_changed(self, request: HttpRequest, obj, form) -> None:
        after = audit.snapshot(obj)
        before = getattr(obj, "_audit_before", None)
        if before is not None:
            # A field of the form counts when the form says it changed (a redisplayed time loses its
            # microseconds); any other field when its value did (what the service changed with it).
            shown = set(form.fields) if form is not None else set()
            changed = set(form.changed_data) if form is not None else set()
            changes = {
                name: values
                for name, values in audit.differences(before, after).items()
                if name in changed or name not in shown
            }
        else:  # list_editable and inline rows: the form's initial values are the old ones
            changes = {
                name: [_text(form.initial.get(name)), after.get(name, _text(form.cleaned_data.get(name)))]
                for name in (form.changed_data if form is not None else [])
            }
        if changes:
            self._record(request, obj, AdminChange.Action.CHANGE, changes)

    def log_deletions(self, request: HttpRequest, queryset):
        for obj in queryset:
            self._record(request, obj, AdminChange.Action.DELETE, _deleted(obj))
        return super().log_deletions(request, queryset)

    def get_actions(self, request: HttpRequest, action_location=ActionLocation.CHANGE_LIST):
        actions = super().get_actions(request, action_location=action_location)
        for action in actions.values():
            action.func = _audited_action(action.func, str(action.description))
        return actions

    def get_deleted_objects(self, objs, request: HttpRequest):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        if self.model is get_user_model():
            protected = [*protected, *audit.refusals_for(objs)]
            if protected:
                protected.append("A login named in history can't be deleted: make it inactive instead.")
        return to_delete, model_count, perms_needed, protected

    def _record(self, request: HttpRequest, obj, action: str, changes: dict, reason: str = "") -> None:
        audit.admin_change_record(
            request=request, obj=obj, action=action, changes=_masked(changes), reason=reason
        )


def _deleted(obj) -> dict[str, list]:
    return {name: [value, None] for name, value in audit.snapshot(obj).items() if value is not None}


def _audited_action(func, description: str):
    """An admin action with each row it changed recorded, old and new values."""

    @functools.wraps(func)
    def action(modeladmin, request: HttpRequest, queryset):
        with transaction.atomic():
            before = {obj.pk: audit.snapshot(obj) for obj in queryset}
            result = func(modeladmin, request, queryset)
            for obj in modeladmin.model._default_manager.filter(pk__in=list(before)):
                changes = audit.differences(before[obj.pk], audit.snapshot(obj))
                if changes:
                    audit.admin_change_record(
                        request=request,
                        obj=obj,
                        action=AdminChange.Action.ACTION,
                        changes=_masked(changes),
                        reason=description,
                    )
        return result

    return action


class CorrectionForm(forms.ModelForm):
    correction_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Why this record is corrected. Required to change anything; kept with the old and "
        "new values in the admin changes (techflow › admin changes).",
    )

    def clean(self):
        data = super().clean()
        changed = set(self.changed_data) - {"correction_reason"}
        if changed and not (data.get("correction_reason") or "").strip():
            self.add_error("correction_reason", "Say why this record is corrected.")
        return data


class HistoryAdmin:
    """A history model: read only, undeletable, its listed fields correctable by a superuser with a reason."""

    def _correctable(self) -> tuple[str, ...]:
        return audit.history_fields(self.model) or ()

    def has_add_permission(self, request: HttpRequest, *args) -> bool:
        return self.model._meta.label_lower in audit.ADDABLE and super().has_add_permission(request, *args)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return (
            bool(self._correctable())
            and request.user.is_superuser
            and super().has_change_permission(request, obj)
        )

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request: HttpRequest, obj=None):
        if obj is None:
            return super().get_readonly_fields(request, obj)
        fields = [f.name for f in self.model._meta.fields if f.editable and not f.primary_key]
        return [name for name in fields if name not in self._correctable()] + [
            name for name in super().get_readonly_fields(request, obj) if name not in fields
        ]

    def get_fieldsets(self, request: HttpRequest, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or not self.has_change_permission(request, obj):
            return fieldsets
        return [*fieldsets, ("Correction", {"fields": ["correction_reason"]})]

    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        if obj is not None and self.has_change_permission(request, obj):
            base = (
                self.form
                if issubclass(self.form, CorrectionForm)
                else type("Correction" + self.form.__name__, (CorrectionForm, self.form), {})
            )
            kwargs["form"] = base
        return super().get_form(request, obj, change=change, **kwargs)

    def save_model(self, request: HttpRequest, obj, form, change: bool) -> None:
        if not change:
            super().save_model(request, obj, form, change)
            return
        audit.record_correct(
            request=request,
            obj=obj,
            before=getattr(obj, "_audit_before", {}),
            fields=[name for name in form.changed_data if name != "correction_reason"],
            reason=form.cleaned_data.get("correction_reason", ""),
        )


def _date_column(field: db_models.Field):
    """A changelist column showing `field` in TechFlow's one date and time style, sorted by the field."""
    text = formatting.when if isinstance(field, db_models.DateTimeField) else formatting.day_text

    @admin.display(description=field.verbose_name, ordering=field.name)
    def column(obj):
        value = getattr(obj, field.attname)
        return None if value is None else text(value)  # None: the admin's empty value

    column.__name__ = field.name  # the column keeps its classes (column-<name>, field-<name>)
    return column


class OneDateStyleAdmin:
    """List columns of dates and times through dispatch.formatting (not Django's own format)."""

    def _date_columns(self) -> dict:
        columns = self.__dict__.get("_one_date_style")
        if columns is None:
            columns = {}
            for name in self.list_display:
                if not isinstance(name, str) or name in self.list_editable:
                    continue
                try:
                    field = self.model._meta.get_field(name)
                except FieldDoesNotExist:
                    continue
                if isinstance(field, db_models.DateField) and field.concrete:
                    columns[name] = _date_column(field)
            self.__dict__["_one_date_style"] = columns
        return columns

    def get_list_display(self, request: HttpRequest):
        columns = self._date_columns()
        return [
            columns.get(name, name) if isinstance(name, str) else name
            for name in super().get_list_display(request)
        ]

    def get_list_display_links(self, request: HttpRequest, list_display):
        links = super().get_list_display_links(request, list_display)
        if not links:
            return links
        columns = self._date_columns()
        return [columns.get(name, name) if isinstance(name, str) else name for name in links]


class TechflowAdminSite(admin.AdminSite):
    def register(self, model_or_iterable, admin_class=None, **options):
        models = [model_or_iterable] if isinstance(model_or_iterable, ModelBase) else model_or_iterable
        for model in models:
            base = admin_class or admin.ModelAdmin
            mixins = (
                (HistoryAdmin, AuditedAdmin) if audit.history_fields(model) is not None else (AuditedAdmin,)
            )
            mixins = (OneDateStyleAdmin, *mixins)
            audited = type(base.__name__, (*mixins, base), {"__module__": base.__module__})
            super().register(model, audited, **options)
