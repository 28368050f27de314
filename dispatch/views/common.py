"""What the views of every app share: picking an htmx region, and refusals as sentences."""

from typing import Any

from django.core.paginator import EmptyPage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django_tables2 import RequestConfig

from dispatch import parsing, selectors
from dispatch.pagination import CappedPaginator


def wants_region(request: HttpRequest) -> bool:
    """An htmx request that isn't a boosted navigation: it swaps in one region, not the page."""
    return bool(request.htmx) and not request.htmx.boosted


def render_region(
    request: HttpRequest, template: str, region: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The whole page, or only its named partial for an htmx request that isn't a boosted navigation.

    The one way every app (office, phone, inventory) picks a partial.
    """
    if wants_region(request):
        template = f"{template}#{region}"
    return render(request, template, context, status=status)


def offer_first_technicians(field, value: Any, *, empty: str, active_only: bool = False) -> None:
    """A technician select over hundreds: it shows the first TECHNICIAN_OPTIONS_LIMIT by name and
    the chosen one (`value`), and the search beside it (dispatch:work_order_technician_options)
    swaps matches in; it still accepts any technician of its field's queryset."""
    chosen = int(value) if str(value or "").isdigit() else None
    technicians = selectors.technician_choices(chosen_id=chosen, active_only=active_only)
    # The widget's choices, not the field's: the field still validates against its queryset (and
    # django-filter's field takes no plain list of choices).
    field.widget.choices = [("", empty)] + [
        (t.pk, t.name if t.active or active_only else f"{t.name} (inactive)") for t in technicians
    ]
    field.widget.attrs["data-change-after-swap"] = ""  # static/js/htmx-config.js


def error_messages(error) -> list[str]:
    """A ValidationError as a flat list of sentences."""
    if hasattr(error, "message_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)


def paginate_table(request: HttpRequest, table, per_page: int, paginator_class=CappedPaginator) -> None:
    """Sort a django-tables2 table from the URL and show its ?page= (the last page past the end).

    The page size is ours: django-tables2 would also take ?per_page= from the URL, and a 0 or a
    negative one ends in a 500 inside the paginator."""
    RequestConfig(request, paginate=False).configure(table)
    raw = request.GET.get(table.prefixed_page_field, "")
    page = int(raw) if parsing.is_id(raw) else 1
    try:
        table.paginate(paginator_class=paginator_class, page=page, per_page=per_page)
    except EmptyPage:
        # Past the end: the last page, from the paginator already counted.
        table.page = table.paginator.page(table.paginator.num_pages)
