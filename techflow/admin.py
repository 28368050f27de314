"""Admin for the operations records and the retention archive (all read-only), and the login
throttle: see who is locked out, and unlock (recorded in the security log)."""

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django_otp.plugins.otp_totp.admin import TOTPDeviceAdmin as OTPTOTPDeviceAdmin
from django_otp.plugins.otp_totp.models import TOTPDevice

from dispatch.admin import ReadOnlyAdminMixin
from techflow.models import (
    AdminChange,
    ArchivedStockMovement,
    ArchivedWorkOrder,
    ArchivedWorkOrderHistory,
    ArchivedWorkOrderNote,
    BackupRun,
    LoginThrottle,
    PeriodicJob,
)
from techflow.security import login_throttle_unlock


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


@admin.register(PeriodicJob)
class PeriodicJobAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The worker's periodic jobs (techflow/periodic.py): when each runs next and how it last went."""

    list_display = ["name", "every_seconds", "next_run_at", "last_finished_at", "runs", "last_result"]
    search_fields = ["name", "last_error"]


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


class LockedFilter(admin.SimpleListFilter):
    title = "locked"
    parameter_name = "locked"

    def lookups(self, request, model_admin):
        return [("yes", "Locked now"), ("no", "Not locked")]

    def queryset(self, request, queryset):
        now = timezone.now()
        if self.value() == "yes":
            return queryset.filter(locked_until__gt=now)
        if self.value() == "no":
            return queryset.exclude(locked_until__gt=now)
        return queryset


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    list_display = ["kind", "value", "failures", "last_failure_at", "locked_until", "is_locked"]
    list_filter = [LockedFilter, "kind"]
    search_fields = ["value"]
    actions = ["unlock"]

    @admin.display(boolean=True, description="Locked now")
    def is_locked(self, obj: LoginThrottle) -> bool:
        return obj.locked_until is not None and obj.locked_until > timezone.now()

    @admin.action(description="Unlock: let them sign in again now", permissions=["delete"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[LoginThrottle]) -> None:
        count = login_throttle_unlock(throttles=queryset, by=request.user)
        self.message_user(request, f"Unlocked {count}.", messages.SUCCESS)

    # The counters are the throttle's own: read and unlock only.
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return False

    # Deleting a counter is unlocking it: the same recorded path.
    def delete_model(self, request: HttpRequest, obj: LoginThrottle) -> None:
        login_throttle_unlock(throttles=[obj], by=request.user)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[LoginThrottle]) -> None:
        login_throttle_unlock(throttles=queryset, by=request.user)


@admin.register(AdminChange)
class AdminChangeAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """The admin's own record (techflow/audit.py): who changed what, old and new values, and why."""

    list_display = ["at", "user", "action", "content_type", "object_repr", "reason"]
    list_filter = ["action", "content_type"]
    search_fields = ["object_repr", "object_id", "reason", "user__username"]
    list_select_related = ["user", "content_type"]
    date_hierarchy = "at"


# django-otp's TOTP device admin, with a device that doesn't exist a 404: its config and QR code views
# raise DoesNotExist (a 500) for a missing id.
admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(OTPTOTPDeviceAdmin):
    def config_view(self, request: HttpRequest, pk: int):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().config_view(request, pk)

    def qrcode_view(self, request: HttpRequest, pk: int):
        get_object_or_404(TOTPDevice, pk=pk)
        return super().qrcode_view(request, pk)
