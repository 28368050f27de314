"""Admin for clock records, travel, technician activity, the voice agent and operational events."""

from datetime import date, timedelta
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from dispatch import clock
from dispatch.admin import ReadOnlyAdminMixin
from dispatch.pagination import LargeTableAdmin
from fieldops.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    ClockRecord,
    CustomerSignature,
    Equipment,
    EquipmentCredentialReveal,
    Incident,
    JobAttachment,
    OperationalEvent,
    ProcessedAction,
    ReportDay,
    ReportJob,
    ReportTechnicianDay,
    ServiceReport,
    TechnicianActivity,
    TravelLog,
    VoiceAgentInteraction,
    VoiceAgentSession,
)
from fieldops.reports import CARRIED_OVER, report_day_stale


class RolledUpRecordAdmin(admin.ModelAdmin):
    """Records the reports' daily rollup is built from: a correction in the admin to a day that
    has ended (the time it moved from and to) has that day rolled up again (fieldops.reports)."""

    day_field = ""
    end_field = ""  # a span's end: a shift or drive open at midnight counts on the next day too

    def _fields(self) -> list[str]:
        return [self.day_field, *([self.end_field] if self.end_field else [])]

    def _spans(self, obj: Any) -> list[tuple]:
        spans = [tuple(getattr(obj, name) for name in self._fields())]
        if obj.pk is not None:
            spans += type(obj)._base_manager.filter(pk=obj.pk).values_list(*self._fields())
        return spans

    def _days_of(self, spans: list[tuple]) -> set[date]:
        days = set()
        for start, *end in spans:
            if start is None:
                continue
            first = timezone.localdate(start)
            last = timezone.localdate(end[0]) if end and end[0] else first
            carried = min((last - first).days, CARRIED_OVER.days)  # the days the rollup counts it on
            days |= {first + timedelta(days=i) for i in range(carried + 1)}
        return days

    def _days(self, obj: Any) -> set[date]:
        days = self._days_of(self._spans(obj))
        order_id = getattr(obj, "work_order_id", None)
        if order_id is not None:  # a job's time on site is all its visits': its completion days too
            days |= set(ReportJob.objects.filter(work_order_id=order_id).values_list("day", flat=True))
        return days

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        days = self._days(obj)
        super().save_model(request, obj, form, change)
        for day in days | self._days(obj):
            report_day_stale(day)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        days = self._days(obj)
        super().delete_model(request, obj)
        for day in days:
            report_day_stale(day)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        days = self._days_of(list(queryset.values_list(*self._fields())))
        super().delete_queryset(request, queryset)
        for day in days:
            report_day_stale(day)


@admin.register(ClockRecord)
class ClockRecordAdmin(LargeTableAdmin, RolledUpRecordAdmin):
    day_field, end_field = "clock_in_time", "clock_out_time"
    list_display = ["technician", "truck", "clock_in_time", "clock_out_time", "is_open"]
    list_filter = ["technician", "truck", ("clock_out_time", admin.EmptyFieldListFilter), "clock_in_time"]
    search_fields = ["technician__name", "truck__name"]
    list_select_related = ["technician", "truck"]
    autocomplete_fields = ["technician", "truck"]
    readonly_fields = ["created_at"]
    ordering = ["-clock_in_time"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ClockRecord]:
        # A record's name reads the technician and the truck.
        return super().get_queryset(request).select_related("technician", "truck")

    @admin.display(description="open", boolean=True)
    def is_open(self, obj: ClockRecord) -> bool:
        return obj.is_open


@admin.register(TravelLog)
class TravelLogAdmin(LargeTableAdmin, RolledUpRecordAdmin):
    day_field, end_field = "travel_start_time", "travel_end_time"
    list_display = ["technician", "work_order", "travel_start_time", "travel_end_time"]
    list_filter = ["technician", "travel_start_time"]
    search_fields = ["technician__name", "work_order__title"]
    list_select_related = ["technician", "work_order"]
    autocomplete_fields = ["technician", "work_order"]
    readonly_fields = ["created_at"]
    ordering = ["-travel_start_time"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TravelLog]:
        # A log's name reads the technician and the work order.
        return super().get_queryset(request).select_related("technician", "work_order")


@admin.register(TechnicianActivity)
class TechnicianActivityAdmin(LargeTableAdmin, RolledUpRecordAdmin):
    day_field = "created_at"
    list_display = ["created_at", "technician", "activity_type", "work_order", "truck", "has_location"]
    list_filter = ["activity_type", "technician", "truck", "created_at"]
    search_fields = ["technician__name", "work_order__title", "address", "notes"]
    list_select_related = ["technician", "work_order", "truck"]
    autocomplete_fields = ["technician", "work_order", "truck"]
    readonly_fields = ["id", "created_at"]
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TechnicianActivity]:
        # An activity's name reads the technician.
        return super().get_queryset(request).select_related("technician")

    @admin.display(description="location", boolean=True)
    def has_location(self, obj: TechnicianActivity) -> bool:
        return obj.has_location


class VoiceAgentInteractionInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = VoiceAgentInteraction
    fields = ["created_at", "interaction_type", "content"]
    readonly_fields = ["created_at"]
    extra = 0


@admin.register(VoiceAgentSession)
class VoiceAgentSessionAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = ["id", "technician", "work_order", "session_start", "session_end", "is_active"]
    list_filter = ["is_active", "technician", "session_start"]
    search_fields = ["technician__name", "work_order__title"]
    list_select_related = ["technician", "work_order"]
    autocomplete_fields = ["technician", "work_order"]
    ordering = ["-session_start"]
    inlines = [VoiceAgentInteractionInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[VoiceAgentSession]:
        # A session's name reads the technician, and autocomplete lists sessions by name.
        return super().get_queryset(request).select_related("technician")


@admin.register(VoiceAgentInteraction)
class VoiceAgentInteractionAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = ["created_at", "session", "interaction_type", "summary"]
    list_filter = ["interaction_type", "created_at"]
    search_fields = ["content", "session__technician__name"]
    list_select_related = ["session__technician"]
    autocomplete_fields = ["session"]
    readonly_fields = ["created_at"]
    ordering = ["-created_at", "-id"]

    @admin.display(description="content")
    def summary(self, obj: VoiceAgentInteraction) -> str:
        content = obj.content or ""
        return content if len(content) <= 80 else content[:79] + "…"


@admin.register(OperationalEvent)
class OperationalEventAdmin(LargeTableAdmin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "severity",
        "event_category",
        "event_type",
        "title",
        "source_system",
        "resolved_at",
        "resolved_by",
    ]
    list_filter = [
        "severity",
        "event_category",
        ("resolved_at", admin.EmptyFieldListFilter),
        "source_system",
        "created_at",
    ]
    search_fields = ["title", "description", "event_type", "source_system"]
    list_select_related = ["resolved_by"]
    autocomplete_fields = ["resolved_by"]
    readonly_fields = ["id", "created_at"]
    ordering = ["-created_at"]
    actions = ["mark_resolved"]

    @admin.action(description="Mark selected events resolved", permissions=["change"])
    def mark_resolved(self, request: HttpRequest, queryset: QuerySet[OperationalEvent]) -> None:
        updated = queryset.filter(resolved_at__isnull=True).update(
            resolved_at=clock.now(), resolved_by=request.user
        )
        self.message_user(request, f"Resolved {updated} event(s).", messages.SUCCESS)


@admin.register(ProcessedAction)
class ProcessedActionAdmin(LargeTableAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    """The idempotency keys phones sent: read only, written by the technician pages alone."""

    list_display = ["created_at", "technician", "action", "ok", "message"]
    list_filter = ["action", "ok", "created_at"]
    search_fields = ["key", "action", "technician__name", "message"]
    list_select_related = ["technician"]
    ordering = ["-created_at"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ProcessedAction]:
        return super().get_queryset(request).select_related("technician")


@admin.register(ReportDay)
class ReportDayAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The reports page's rollup (fieldops/reports.py): which closed days are rolled up, and when.
    Read only: the periodic job builds each day once it has ended."""

    list_display = ["day", "built_at"]
    ordering = ["-day"]


@admin.register(ReportTechnicianDay)
class ReportTechnicianDayAdmin(LargeTableAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "technician_id", "clocked", "travel", "on_site", "arrivals", "on_time"]
    search_fields = ["=technician_id"]
    ordering = ["-day", "technician_id"]


@admin.register(ReportJob)
class ReportJobAdmin(LargeTableAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["day", "work_order_id", "technician_id", "job_type", "on_site", "parts_cost"]
    search_fields = ["=work_order_id", "=technician_id"]
    ordering = ["-day", "work_order_id"]


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Technicians' emergencies: read only. The office acknowledges and resolves them on its pages,
    the technician cancels a false alarm on the phone (fieldops/incidents.py), each step recorded."""

    list_display = [
        "raised_at",
        "technician",
        "status",
        "alerts",
        "acknowledged_by",
        "acknowledged_at",
        "escalated_at",
    ]
    list_filter = ["status", ("escalated_at", admin.EmptyFieldListFilter)]
    search_fields = ["technician__name", "notes", "close_note"]
    list_select_related = ["technician", "acknowledged_by"]
    date_hierarchy = "raised_at"
    ordering = ["-raised_at"]


# The job's record: the services write it (with history); the admin reads it. Checklists are
# the office's configuration and editable here too.


class ChecklistItemInline(admin.TabularInline):
    model = ChecklistItem
    extra = 1
    fields = ["position", "label", "kind", "required", "active"]


@admin.register(ChecklistTemplate)
class ChecklistTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "job_type", "active"]
    list_filter = ["job_type", "active"]
    inlines = [ChecklistItemInline]


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["label", "template", "kind", "required", "active"]
    list_filter = ["kind", "required", "active"]
    list_select_related = ["template"]
    search_fields = ["label"]


@admin.register(JobAttachment)
class JobAttachmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["work_order", "step", "content_type", "technician", "taken_at"]
    list_filter = ["step", "content_type"]
    list_select_related = ["work_order", "technician"]
    search_fields = ["work_order__id", "caption"]


@admin.register(ChecklistAnswer)
class ChecklistAnswerAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["work_order", "label", "value", "passed", "technician", "updated_at"]
    list_filter = ["passed", "kind"]
    list_select_related = ["work_order", "technician"]


@admin.register(Equipment)
class EquipmentAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "customer",
        "kind",
        "make",
        "model",
        "serial_number",
        "mac_address",
        "ip_address",
        "status",
    ]
    list_filter = ["kind", "status"]
    list_select_related = ["customer"]
    search_fields = ["serial_number", "mac_address", "customer__name"]
    exclude = ["password_encrypted"]


@admin.register(EquipmentCredentialReveal)
class EquipmentCredentialRevealAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["equipment", "revealed_by_type", "revealed_by_id", "work_order_id", "created_at"]


@admin.register(CustomerSignature)
class CustomerSignatureAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["work_order", "signer_name", "technician", "signed_at"]
    list_select_related = ["work_order", "technician"]
    exclude = ["image"]


@admin.register(ServiceReport)
class ServiceReportAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """Service report PDFs made by the worker (fieldops/report.py): which version, when, any error."""

    list_display = ["work_order", "version", "generated_at", "requested_at", "renders"]
    list_select_related = ["work_order"]
    exclude = ["file"]
