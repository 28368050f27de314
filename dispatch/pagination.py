"""Paging over tables that grow: the office lists and the admin's changelists (every app's)."""

from functools import cached_property

from django.core.paginator import Paginator
from django.db.models import QuerySet


class CappedPaginator(Paginator):
    """Counts no further than `cap` rows: a list over a table of millions says "more than 1,000"
    rather than count them all on every page (the count reads every row the filter matches)."""

    cap = 1000

    @cached_property
    def count(self) -> int:
        """The rows, up to one past the cap (SELECT COUNT(*) FROM (... LIMIT cap + 1))."""
        rows = self.object_list
        while not isinstance(rows, QuerySet) and hasattr(rows, "data"):
            rows = rows.data  # django-tables2 pages its BoundRows over TableQuerysetData: count the queryset
        if isinstance(rows, QuerySet):
            # The order is the page's, not the count's: without it no sort runs before the limit.
            return rows.order_by()[: self.cap + 1].count()
        return len(self.object_list[: self.cap + 1])

    @property
    def capped(self) -> bool:
        return self.count > self.cap


class LargeTableAdmin:
    """A ModelAdmin mixin for tables of millions of rows: no full count (the changelist counts
    up to the cap, once, and never the whole table a second time), and no date_hierarchy,
    whose first level reads every row's date; filter by a date range instead."""

    paginator = CappedPaginator
    show_full_result_count = False
