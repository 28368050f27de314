"""Admin for the operations records and the retention archive: all read-only."""

from django.contrib import admin

from dispatch.admin import ReadOnlyAdminMixin
from techflow.models import (
    ArchivedStockMovement,
    ArchivedWorkOrder,
    ArchivedWorkOrderHistory,
    ArchivedWorkOrderNote,
    BackupRun,
)


@admin.register(BackupRun)
class BackupRunAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "started_at",
        "kind",
        "ok",
        "name",
        "duration_seconds",
        "size_bytes",
        "rows",
        "differences",
    ]
    list_filter = ["kind", "ok"]
    search_fields = ["name", "message"]
    date_hierarchy = "started_at"


# The archive is the record of closed work: moved there by archive_work_orders, never edited.
@admin.register(ArchivedWorkOrder)
class ArchivedWorkOrderAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "id",
        "title",
        "status",
        "scheduled_for",
        "updated_at",
        "customer_id",
        "assigned_technician_id",
    ]
    list_filter = ["status"]
    search_fields = ["=id", "title", "brief_description"]
    ordering = ["-updated_at", "-id"]
    show_full_result_count = False


@admin.register(ArchivedWorkOrderNote)
class ArchivedWorkOrderNoteAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "work_order_id", "technician_id", "created_at", "alert_office"]
    search_fields = ["=work_order_id", "note_text"]
    show_full_result_count = False


@admin.register(ArchivedWorkOrderHistory)
class ArchivedWorkOrderHistoryAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "work_order_id", "field_changed", "old_value", "new_value", "created_at"]
    search_fields = ["=work_order_id"]
    show_full_result_count = False


@admin.register(ArchivedStockMovement)
class ArchivedStockMovementAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["id", "truck_id", "item_id", "kind", "quantity_change", "work_order_id", "created_at"]
    list_filter = ["kind"]
    search_fields = ["=work_order_id", "=truck_id"]
    show_full_result_count = False
