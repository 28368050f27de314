"""Filters for the office lists; their state lives in the URL."""

import django_filters
from django import forms
from django.db.models import Q, QuerySet

from dispatch.forms import DayField
from dispatch.models import Customer, Technician, WorkOrder, WorkOrderStatus


class DayFilter(django_filters.DateFilter):
    """A date filter bounded like every date TechFlow reads (dispatch.parsing)."""

    field_class = DayField


class WorkOrderFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    status = django_filters.MultipleChoiceFilter(
        choices=WorkOrderStatus.choices, widget=forms.CheckboxSelectMultiple
    )
    technician = django_filters.ModelChoiceFilter(
        field_name="assigned_technician", queryset=Technician.objects.all(), empty_label="Any technician"
    )
    customer = django_filters.ModelChoiceFilter(queryset=Customer.objects.all(), empty_label="Any customer")
    scheduled_after = DayFilter(
        field_name="scheduled_for",
        lookup_expr="date__gte",
        label="From",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    scheduled_before = DayFilter(
        field_name="scheduled_for",
        lookup_expr="date__lte",
        label="To",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    # Read by the list view, which searches work_orders_archive too (dispatch/archive_search.py).
    include_archived = django_filters.BooleanFilter(
        method="keep", label="Include archived", widget=forms.CheckboxInput
    )

    class Meta:
        model = WorkOrder
        fields = ["q", "status", "technician", "customer", "scheduled_after", "scheduled_before"]

    def keep(self, queryset: QuerySet, name: str, value: bool) -> QuerySet:
        return queryset

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(
                Q(title__icontains=word)
                | Q(brief_description__icontains=word)
                | Q(customer__name__icontains=word)
            )
        return queryset


class CustomerFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    is_new_customer = django_filters.BooleanFilter(
        label="New or returning",
        widget=forms.Select(choices=[("", "New and returning"), ("true", "New"), ("false", "Returning")]),
    )

    class Meta:
        model = Customer
        fields = ["q", "is_new_customer"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(
                Q(name__icontains=word)
                | Q(address__icontains=word)
                | Q(phone__icontains=word)
                | Q(email__icontains=word)
            )
        return queryset
