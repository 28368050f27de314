"""Admin for trucks, inventory items and the stock each truck carries."""

from django.contrib import admin
from django.db.models import Count, QuerySet, Sum
from django.http import HttpRequest

from dispatch.admin import ReadOnlyAdminMixin, SharedChoicesInlineFormSet
from dispatch.pagination import LargeTableAdmin
from inventory.models import InventoryItem, StockMovement, Truck, TruckInventory

LEDGER_HELP = (
    "Read-only here: every change to truck stock is a movement in the ledger. "
    "To restock, transfer or adjust, use the office inventory pages (/office/inventory/)."
)


class TruckInventoryInline(ReadOnlyAdminMixin, admin.TabularInline):
    model = TruckInventory
    formset = SharedChoicesInlineFormSet
    fields = ["item", "quantity", "last_updated"]
    readonly_fields = ["item", "quantity", "last_updated"]
    extra = 0
    verbose_name_plural = "truck stock (read-only: use the office inventory pages to change it)"

    def get_queryset(self, request: HttpRequest) -> QuerySet[TruckInventory]:
        # Each row's title is "truck: quantity × item".
        return super().get_queryset(request).select_related("truck", "item")


@admin.register(Truck)
class TruckAdmin(admin.ModelAdmin):
    list_display = ["name", "is_office_truck", "active", "crew_allowed", "item_lines", "created_at"]
    list_filter = ["active", "is_office_truck", "crew_allowed"]
    search_fields = ["name"]
    readonly_fields = ["created_at"]
    date_hierarchy = "created_at"
    ordering = ["id"]
    inlines = [TruckInventoryInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Truck]:
        return super().get_queryset(request).annotate(item_line_count=Count("stock"))

    @admin.display(description="stock lines", ordering="item_line_count")
    def item_lines(self, obj: Truck) -> int:
        return obj.item_line_count


@admin.register(InventoryItem)
class InventoryItemAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "unit", "on_trucks", "created_at"]
    list_filter = ["category"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]
    date_hierarchy = "created_at"
    ordering = ["category", "name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[InventoryItem]:
        return super().get_queryset(request).annotate(on_truck_quantity=Sum("truck_stock__quantity"))

    @admin.display(description="on trucks", ordering="on_truck_quantity")
    def on_trucks(self, obj: InventoryItem) -> int:
        return obj.on_truck_quantity or 0


@admin.register(TruckInventory)
class TruckInventoryAdmin(LargeTableAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["truck", "item", "item_category", "quantity", "last_updated"]
    list_filter = ["truck", "item__category", "last_updated"]
    search_fields = ["truck__name", "item__name"]
    list_select_related = ["truck", "item"]
    autocomplete_fields = ["truck", "item"]
    readonly_fields = ["last_updated"]
    fieldsets = [
        (None, {"fields": ["truck", "item", "quantity", "last_updated"], "description": LEDGER_HELP})
    ]
    ordering = ["truck", "item__category", "item__name"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[TruckInventory]:
        # The row's name ("truck: quantity × item") reads both relations.
        return super().get_queryset(request).select_related("truck", "item")

    @admin.display(description="category", ordering="item__category")
    def item_category(self, obj: TruckInventory) -> str:
        return obj.item.get_category_display() or ""


@admin.register(StockMovement)
class StockMovementAdmin(LargeTableAdmin, ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "truck",
        "item",
        "kind",
        "quantity_change",
        "quantity_after",
        "work_order_id",
    ]
    list_filter = ["kind", "truck", "item__category", "created_at"]
    search_fields = ["item__name", "truck__name", "reason"]
    list_select_related = ["truck", "item"]
    ordering = ["-created_at", "-id"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "created_at",
                    "truck",
                    "item",
                    "kind",
                    "quantity_change",
                    "quantity_after",
                    "work_order",
                    "technician",
                    "other_truck",
                    "reason",
                    "created_by_type",
                    "created_by_id",
                ],
                "description": "The stock ledger is history: it is never edited. " + LEDGER_HELP,
            },
        )
    ]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StockMovement]:
        # The row's name reads the item and the truck.
        return (
            super()
            .get_queryset(request)
            .select_related("truck", "item", "other_truck", "work_order", "technician")
        )
