"""Admin for customers, technicians, work orders, history, notifications and communications.

Every page here runs a fixed number of queries: list pages select their relations,
large tables are picked through autocomplete, and inline rows share one set of options.
"""

from datetime import datetime
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms.models import BaseInlineFormSet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from dispatch.messaging import template_errors
from dispatch.models import (
    CommunicationCallDetail,
    CommunicationMessage,
    Customer,
    CustomerHistory,
    JobTypeDuration,
    JobTypeSkill,
    ManualNotification,
    MessageTemplate,
    Notification,
    PlanRun,
    PushSubscription,
    ServiceZone,
    Skill,
    Technician,
    Visit,
    VisitHelper,
    WorkOrder,
    WorkOrderHistory,
    WorkOrderNote,
)
from dispatch.pagination import LargeTableAdmin
from dispatch.services import (
    Actor,
    customer_save,
    work_order_change_status,
    work_order_edit_refusals,
    work_order_note_add,
    work_order_save_edited,
)


class SharedChoicesInlineFormSet(BaseInlineFormSet):
    """Inline rows that load each relation's options once for the formset, not once per row."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._shared_choices: dict[str, list] = {}
        super().__init__(*args, **kwargs)

    def add_fields(self, form: forms.BaseForm, index: int | None) -> None:
        super().add_fields(form, index)
        skip = {self.fk.name, self.model._meta.pk.name}
        for name, field in form.fields.items():
            if name in skip or not isinstance(field, forms.ModelChoiceField):
                continue
            if name not in self._shared_choices:
                self._shared_choices[name] = list(field.choices)
            field.choices = self._shared_choices[name]


class ReadOnlyAdminMixin:
    """Rows only the services write (history, the ledger, idempotency keys): look, never touch."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _short(text: str | None, length: int = 80) -> str:
    text = text or ""
    return text if len(text) <= length else text[: length - 1] + "…"


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ["name", "phone", "active", "work_start", "work_end", "user", "home_zone", "created_at"]
    list_filter = ["active", "home_zone", "skills"]
    search_fields = ["name", "phone", "user__username", "user__email"]
    list_select_related = ["user", "home_zone"]
    autocomplete_fields = ["user"]
    filter_horizontal = ["skills"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    ordering = ["name"]


@admin.register(JobTypeDuration)
class JobTypeDurationAdmin(admin.ModelAdmin):
    """How long each job type takes unless a work order gives its own length."""

    list_display = ["job_type", "minutes"]
    list_editable = ["minutes"]
    ordering = ["job_type"]


@admin.register(Customer)
class CustomerAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = [
        "name",
        "phone",
        "email",
        "is_new_customer",
        "preferred_schedule_start",
        "preferred_schedule_end",
        "zone",
        "created_at",
    ]
    list_filter = ["is_new_customer", "zone", "created_at"]
    list_select_related = ["zone"]
    search_fields = ["name", "address", "phone", "email"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["name"]

    def save_model(self, request: HttpRequest, obj: Customer, form: forms.ModelForm, change: bool) -> None:
        """Save through the service, so an admin edit is noted in the customer's history."""
        customer_save(customer=obj, actor=Actor.for_user(request.user), changed_fields=form.changed_data)


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(ServiceZone)
class ServiceZoneAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]


@admin.register(JobTypeSkill)
class JobTypeSkillAdmin(admin.ModelAdmin):
    list_display = ["job_type", "skill"]
    list_filter = ["job_type"]
    list_select_related = ["skill"]


def _note_save(request: HttpRequest, note: WorkOrderNote) -> None:
    """A new note goes through the service (its author recorded, an alert notifying the office)."""
    if note.pk is not None:
        note.save()
        return
    saved = work_order_note_add(
        work_order=note.work_order,
        text=note.note_text,
        actor=Actor.for_user(request.user),
        technician=note.technician,
        alert_office=note.alert_office,
    )
    note.pk, note.created_at = saved.pk, saved.created_at
    note._state.adding = False


class WorkOrderNoteInline(admin.TabularInline):
    model = WorkOrderNote
    formset = SharedChoicesInlineFormSet
    fields = ["note_text", "technician", "alert_office", "created_at"]
    readonly_fields = ["created_at"]
    extra = 0
    # Notes are history: added here through the service, corrected on the note's own page, never deleted.
    can_delete = False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_queryset(self, request: HttpRequest) -> QuerySet[WorkOrderNote]:
        # Read-only rows print their technician.
        return super().get_queryset(request).select_related("technician")


class WorkOrderHistoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = WorkOrderHistory
    fields = ["created_at", "field_changed", "old_value", "new_value", "changed_by_type", "changed_by_id"]
    readonly_fields = fields
    extra = 0
    can_delete = False


class WorkOrderAdminForm(forms.ModelForm):
    """The office's rules, checked by the service before the admin saves: errors, never a 500."""

    override_reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 60}),
        help_text="Superusers only: why this edit may break a scheduling or status rule. "
        "It is kept as a note on the work order.",
    )

    def _post_clean(self) -> None:
        super()._post_clean()
        if self.errors:
            return
        refusals = work_order_edit_refusals(work_order=self.instance, changed_fields=self.changed_data)
        if not refusals:
            return
        reason = (self.cleaned_data.get("override_reason") or "").strip()
        user = getattr(self, "request_user", None)
        if reason and user is not None and user.is_superuser:
            return
        self.add_error(
            None,
            [*refusals, "A superuser may save it anyway by giving an override reason."]
            if user is not None and user.is_superuser
            else refusals,
        )


@admin.register(WorkOrder)
class WorkOrderAdmin(LargeTableAdmin, admin.ModelAdmin):
    # The columns an admin looks an order up by (job type and creation are filters and the form).
    list_display = ["id", "title", "customer", "status", "assigned_technician", "scheduled_for"]
    list_display_links = ["id", "title"]
    list_filter = ["status", "job_type", "assigned_technician", "scheduled_for"]
    search_fields = ["title", "brief_description", "customer__name", "assigned_technician__name"]
    list_select_related = ["customer", "assigned_technician"]
    autocomplete_fields = ["customer", "assigned_technician"]
    readonly_fields = ["created_by", "created_at", "updated_at"]
    fieldsets = [
        (None, {"fields": ["customer", "title", "brief_description", "full_summary", "job_type"]}),
        ("Scheduling", {"fields": ["status", "assigned_technician", "scheduled_for", "estimated_minutes"]}),
        ("Record", {"fields": ["created_by", "created_at", "updated_at"]}),
    ]
    ordering = ["-scheduled_for", "-id"]
    inlines = [WorkOrderNoteInline, WorkOrderHistoryInline]
    actions = ["cancel_work_orders"]
    form = WorkOrderAdminForm

    def get_form(self, request: HttpRequest, obj: WorkOrder | None = None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request_user = request.user  # a class built for this request by modelform_factory
        return form

    def get_fieldsets(self, request: HttpRequest, obj: WorkOrder | None = None):
        return [*self.fieldsets, ("Override", {"fields": ["override_reason"]})]

    def save_model(self, request: HttpRequest, obj: WorkOrder, form: forms.ModelForm, change: bool) -> None:
        """Save through the service: history like any other edit, and the office's rules kept."""
        if not change:
            obj.created_by = request.user
        work_order_save_edited(
            work_order=obj,
            actor=Actor.for_user(request.user),
            changed_fields=form.changed_data,
            override_reason=form.cleaned_data.get("override_reason", ""),
        )

    def save_formset(self, request: HttpRequest, form: forms.ModelForm, formset, change: bool) -> None:
        if formset.model is not WorkOrderNote:
            super().save_formset(request, form, formset, change)
            return
        for note in formset.save(commit=False):
            _note_save(request, note)
        for note in formset.deleted_objects:
            note.delete()

    @admin.action(description="Cancel selected work orders", permissions=["change"])
    def cancel_work_orders(self, request: HttpRequest, queryset: QuerySet[WorkOrder]) -> HttpResponse | None:
        """Ask for the reason the status rule requires, then cancel each order through the service."""
        reason = (request.POST.get("reason") or "").strip()
        if not reason:
            return TemplateResponse(
                request,
                "admin/dispatch/workorder/cancel_reason.html",
                {
                    **self.admin_site.each_context(request),
                    "title": "Why are these work orders cancelled?",
                    "opts": self.model._meta,
                    "orders": queryset.select_related("customer"),
                    "action_checkbox_name": ACTION_CHECKBOX_NAME,
                    "asked": "reason" in request.POST,
                },
            )
        actor = Actor.for_user(request.user)
        cancelled, refused = 0, []
        for work_order in queryset.exclude(status=WorkOrder.Status.CANCELLED):
            try:
                work_order_change_status(
                    work_order=work_order, status=WorkOrder.Status.CANCELLED, actor=actor, reason=reason
                )
            except ValidationError as error:
                refused.append(f"#{work_order.pk}: {' '.join(error.messages)}")
            else:
                cancelled += 1
        self.message_user(request, f"Cancelled {cancelled} work order(s).", messages.SUCCESS)
        for line in refused:
            self.message_user(request, f"Not cancelled {line}", messages.ERROR)
        return None


@admin.register(WorkOrderNote)
class WorkOrderNoteAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = ["created_at", "work_order", "technician", "alert_office", "note"]
    list_filter = ["alert_office", "technician", "created_at"]
    search_fields = ["note_text", "work_order__title", "technician__name"]
    list_select_related = ["work_order", "technician"]
    autocomplete_fields = ["work_order", "technician"]
    readonly_fields = ["created_at", "updated_at"]
    ordering = ["-created_at", "-id"]

    @admin.display(description="note")
    def note(self, obj: WorkOrderNote) -> str:
        return _short(obj.note_text)

    def save_model(
        self, request: HttpRequest, obj: WorkOrderNote, form: forms.ModelForm, change: bool
    ) -> None:
        _note_save(request, obj)


class TrackedFieldFilter(admin.SimpleListFilter):
    """The fields history is written for, from the model: the plain filter would SELECT DISTINCT
    over every history row to find them."""

    title = "field changed"
    parameter_name = "field_changed"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, str]]:
        return [(name, name.replace("_", " ")) for name in WorkOrder.TRACKED_FIELDS]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        return queryset.filter(field_changed=self.value()) if self.value() else queryset


@admin.register(Visit)
class VisitAdmin(LargeTableAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Later visits are booked on the order's office page, by the scheduling rules (visit_add)."""

    list_display = ["work_order", "starts_at", "estimated_minutes", "lead"]
    list_select_related = ["work_order", "lead"]
    search_fields = ["work_order__title", "lead__name"]
    ordering = ["-starts_at"]


@admin.register(VisitHelper)
class VisitHelperAdmin(LargeTableAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """Helpers are added on the order's office page, by the scheduling rules (helper_add)."""

    list_display = ["work_order", "visit", "technician", "created_at"]
    list_select_related = ["work_order", "visit", "technician"]
    search_fields = ["work_order__title", "technician__name"]
    ordering = ["-created_at", "-id"]


@admin.register(WorkOrderHistory)
class WorkOrderHistoryAdmin(LargeTableAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "work_order",
        "field_changed",
        "old_value",
        "new_value",
        "changed_by_type",
        "changed_by_id",
    ]
    list_filter = ["changed_by_type", TrackedFieldFilter, "created_at"]
    search_fields = ["work_order__title", "old_value", "new_value"]
    list_select_related = ["work_order"]
    ordering = ["-created_at", "-id"]


@admin.register(CustomerHistory)
class CustomerHistoryAdmin(LargeTableAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "customer", "work_order", "summary", "created_by_type", "created_by_id"]
    list_filter = ["created_by_type", "created_at"]
    search_fields = ["customer__name", "notes", "work_order__title"]
    list_select_related = ["customer", "work_order"]
    ordering = ["-created_at", "-id"]

    @admin.display(description="notes")
    def summary(self, obj: CustomerHistory) -> str:
        return _short(obj.notes)


class ReadStateAdminMixin:
    """Notifications of either kind: a short message column and read/unread actions."""

    actions = ["mark_read", "mark_unread"]

    @admin.display(description="message")
    def summary(self, obj: Notification | ManualNotification) -> str:
        return _short(obj.message)

    @admin.action(description="Mark selected notifications read", permissions=["change"])
    def mark_read(self, request: HttpRequest, queryset: QuerySet) -> None:
        updated = queryset.update(is_read=True)
        self.message_user(request, f"Marked {updated} notification(s) read.", messages.SUCCESS)

    @admin.action(description="Mark selected notifications unread", permissions=["change"])
    def mark_unread(self, request: HttpRequest, queryset: QuerySet) -> None:
        updated = queryset.update(is_read=False)
        self.message_user(request, f"Marked {updated} notification(s) unread.", messages.SUCCESS)


@admin.register(Notification)
class NotificationAdmin(LargeTableAdmin, ReadStateAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "notification_type", "work_order", "summary", "is_read"]
    list_filter = ["is_read", "notification_type", "created_at"]
    search_fields = ["message", "work_order__title"]
    list_select_related = ["work_order"]
    autocomplete_fields = ["work_order"]
    readonly_fields = ["created_at"]
    ordering = ["-created_at", "-id"]


@admin.register(ManualNotification)
class ManualNotificationAdmin(LargeTableAdmin, ReadStateAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "technician", "priority", "work_order", "summary", "is_read"]
    list_filter = ["is_read", "priority", "technician", "created_at"]
    search_fields = ["message", "technician__name", "work_order__title"]
    list_select_related = ["technician", "work_order"]
    autocomplete_fields = ["technician", "work_order"]
    readonly_fields = ["created_at"]
    ordering = ["-created_at", "-id"]


class CommunicationCallDetailInline(ReadOnlyAdminMixin, admin.StackedInline):
    model = CommunicationCallDetail
    autocomplete_fields = ["transferred_to"]
    extra = 0


@admin.register(CommunicationMessage)
class CommunicationMessageAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "channel_type",
        "direction",
        "customer",
        "technician",
        "work_order",
        "subject",
        "sent_at",
        "read_at",
    ]
    list_filter = ["channel_type", "direction", "created_at"]
    search_fields = ["subject", "body", "customer__name", "technician__name", "work_order__title"]
    list_select_related = ["customer", "technician", "work_order"]
    autocomplete_fields = ["customer", "technician", "work_order"]
    readonly_fields = ["id", "created_at"]
    ordering = ["-created_at"]
    inlines = [CommunicationCallDetailInline]


@admin.register(CommunicationCallDetail)
class CommunicationCallDetailAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = [
        "communication_message",
        "message_created_at",
        "call_type",
        "call_outcome",
        "duration_seconds",
        "wait_time_seconds",
        "queue_name",
        "transferred_to",
    ]
    list_filter = ["call_type", "call_outcome", "queue_name", "communication_message__created_at"]
    search_fields = ["transcription", "queue_name", "communication_message__customer__name"]
    list_select_related = ["communication_message", "transferred_to"]
    autocomplete_fields = ["communication_message", "transferred_to"]
    readonly_fields = ["id"]
    ordering = ["-communication_message__created_at"]

    @admin.display(description="at", ordering="communication_message__created_at")
    def message_created_at(self, obj: CommunicationCallDetail) -> datetime:
        return obj.communication_message.created_at


@admin.register(PlanRun)
class PlanRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """ "Plan the week" runs of the background worker: what was asked, how it went, how long it took."""

    list_display = ["created_at", "day", "status", "considered", "total", "requested_by", "finished_at"]
    list_filter = ["status"]
    search_fields = ["error"]
    list_select_related = ["requested_by"]
    ordering = ["-created_at"]
    show_full_result_count = False


class MessageTemplateForm(forms.ModelForm):
    class Meta:
        model = MessageTemplate
        fields = ["kind", "subject", "body"]

    def clean(self):
        data = super().clean()
        # The same check as the office's wording page.
        for name in ("subject", "body"):
            for error in template_errors(data.get(name) or ""):
                self.add_error(name, error)
        return data


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin):
    form = MessageTemplateForm
    list_display = ["kind", "subject", "updated_at"]
    search_fields = ["subject", "body"]


@admin.register(PushSubscription)
class PushSubscriptionAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The browsers that agreed to Web Push (written by the phones, pruned by dispatch/push.py)."""

    list_display = ["created_at", "technician", "endpoint", "last_sent_at", "failures"]
    search_fields = ["technician__name", "endpoint"]
    list_select_related = ["technician"]
    ordering = ["-created_at"]
