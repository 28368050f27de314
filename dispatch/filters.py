"""Filters for the office lists; their state lives in the URL."""

from datetime import timedelta

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.http import QueryDict

from dispatch import clock
from dispatch.forms import DayField
from dispatch.models import CallType, CommunicationMessage, Customer, Technician, WorkOrder, WorkOrderStatus
from dispatch.scheduling import day_bounds


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


# The call log reads the last 30 days unless a period is given: a year of calls stays off the page.
CALL_LOG_DEFAULT_DAYS = 30


class CallFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search")
    call_type = django_filters.MultipleChoiceFilter(
        field_name="call_detail__call_type", choices=CallType.choices, widget=forms.CheckboxSelectMultiple
    )
    # Any technician, one who has left included: their calls stay in the log.
    technician = django_filters.ModelChoiceFilter(
        queryset=Technician.objects.all(), empty_label="Any technician"
    )
    customer = django_filters.NumberFilter(field_name="customer_id", widget=forms.HiddenInput)
    work_order = django_filters.NumberFilter(field_name="work_order_id", label="Work order #")
    since = django_filters.DateFilter(
        method="since_day", label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = django_filters.DateFilter(
        method="until_day", label="To", widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = CommunicationMessage
        fields = ["q", "call_type", "technician", "customer", "work_order", "since", "until"]

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else QueryDict(mutable=True)
        if not data.get("since"):
            data["since"] = (clock.localdate() - timedelta(days=CALL_LOG_DEFAULT_DAYS)).isoformat()
        super().__init__(data, *args, **kwargs)

    # A day runs midnight to midnight in the company's zone (scheduling.day_bounds).
    def since_day(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(created_at__gte=day_bounds(value)[0])

    def until_day(self, queryset: QuerySet, name: str, value) -> QuerySet:
        return queryset.filter(created_at__lt=day_bounds(value)[1])

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        for word in value.split():
            queryset = queryset.filter(
                Q(customer__name__icontains=word)
                | Q(customer__phone__icontains=word)
                | Q(body__icontains=word)
                | Q(call_detail__queue_name__icontains=word)
            )
        return queryset
