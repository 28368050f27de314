"""django-filter filter sets for the office inventory lists."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from dispatch.filters import DayFilter
from inventory.models import InventoryItem, ItemCategory, MovementKind, StockMovement, Truck

SELECT = forms.Select(attrs={"class": "form-select form-select-sm"})


class InventoryItemFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(
        label="Search",
        method="search",
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": "Name or description"}
        ),
    )
    category = django_filters.ChoiceFilter(
        choices=ItemCategory.choices, empty_label="All categories", widget=SELECT
    )
    active = django_filters.ChoiceFilter(
        label="Status",
        choices=[("yes", "Active"), ("no", "Retired")],
        empty_label="Active and retired",
        method="by_status",
        widget=SELECT,
    )

    class Meta:
        model = InventoryItem
        fields = ["q", "category", "active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(Q(name__icontains=value) | Q(description__icontains=value))

    def by_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(active=(value == "yes"))


class StockMovementFilter(django_filters.FilterSet):
    truck = django_filters.ModelChoiceFilter(
        queryset=Truck.objects.filter(is_office_truck=False).order_by("name"),
        empty_label="All trucks",
        widget=SELECT,
    )
    item = django_filters.ModelChoiceFilter(
        queryset=InventoryItem.objects.order_by("name"), empty_label="All items", widget=SELECT
    )
    kind = django_filters.ChoiceFilter(
        label="Movement", choices=MovementKind.choices, empty_label="All movements", widget=SELECT
    )
    since = DayFilter(
        label="From",
        field_name="created_at",
        lookup_expr="date__gte",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )
    until = DayFilter(
        label="To",
        field_name="created_at",
        lookup_expr="date__lte",
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control form-control-sm"}),
    )

    class Meta:
        model = StockMovement
        fields = ["truck", "item", "kind", "since", "until"]
