"""Customers: search, create, edit, their work orders and history."""

from django.conf import settings
from django.contrib import messages
from django.db.models import Count
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch import geo, selectors, services
from dispatch.access import office_required
from dispatch.filters import CustomerFilter
from dispatch.forms import CallLogForm, CustomerForm, CustomerNoteForm
from dispatch.models import Customer, WorkOrder
from dispatch.services import Actor
from dispatch.tables import CustomerTable
from dispatch.views.common import paginate_table, render_region

PAGE_SIZE = 25
ORDERS_SHOWN = 50
HISTORY_SHOWN = 30


@require_GET
@office_required
def customer_list(request: HttpRequest) -> HttpResponse:
    filterset = CustomerFilter(request.GET or None, queryset=Customer.objects.all())
    table = CustomerTable(filterset.qs)
    paginate_table(request, table, PAGE_SIZE)
    # Orders are counted for the page's customers only, one grouped query over their index.
    shown = [row.record.pk for row in table.page.object_list]
    table.order_counts = dict(
        WorkOrder.objects.filter(customer__in=shown)
        .order_by()
        .values_list("customer")
        .annotate(n=Count("id"))
        .values_list("customer", "n")
    )
    context = {
        "filter": filterset,
        "table": table,
        "count": table.paginator.count,
        "capped": table.paginator.capped,
        "cap": table.paginator.cap,
    }
    return render_region(request, "dispatch/customer_list.html", "results", context)


def _detail_context(customer: Customer, note_form: CustomerNoteForm | None = None) -> dict:
    orders = list(
        customer.work_orders.select_related("assigned_technician").order_by("-scheduled_for", "-id")[
            : ORDERS_SHOWN + 1
        ]
    )
    return {
        "customer": customer,
        "orders": orders[:ORDERS_SHOWN],
        "more_orders": len(orders) > ORDERS_SHOWN,
        "history": selectors.customer_timeline(customer, HISTORY_SHOWN),
        "note_form": note_form or CustomerNoteForm(),
        "call_form": CallLogForm(),
        "call_customer": customer,
    }


@require_GET
@office_required
def customer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    return render_region(request, "dispatch/customer_detail.html", "history", _detail_context(customer))


@require_POST
@office_required
def customer_note_add(request: HttpRequest, pk: int) -> HttpResponse:
    customer = get_object_or_404(Customer, pk=pk)
    form = CustomerNoteForm(request.POST)
    if form.is_valid():
        services.customer_history_add(
            customer_id=customer.pk,
            notes=form.cleaned_data["notes"].strip(),
            actor=Actor.for_user(request.user),
        )
        if not request.htmx:
            messages.success(request, "Note added.")
            return redirect("dispatch:customer_detail", pk=customer.pk)
        return render(request, "dispatch/customer_detail.html#history", _detail_context(customer))
    return render_region(
        request, "dispatch/customer_detail.html", "history", _detail_context(customer, form), status=422
    )


def _customer_form(request: HttpRequest, customer: Customer | None) -> HttpResponse:
    form = CustomerForm(request.POST or None, instance=customer)
    if request.method == "POST" and form.is_valid():
        saved = services.customer_save(
            customer=form.save(commit=False),
            actor=Actor.for_user(request.user),
            changed_fields=form.changed_data,
        )
        messages.success(request, f"{saved.name} saved.")
        if request.GET.get("next") == "new-order":
            return redirect(f"{reverse('dispatch:work_order_create')}?customer={saved.pk}")
        return redirect("dispatch:customer_detail", pk=saved.pk)
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "customer": customer, "map": map_settings()}
    return render(request, "dispatch/customer_form.html", context, status=status)


def map_settings() -> dict:
    """What a page's map reads (data attributes for static/js/maps.js): tiles, attribution, the
    address search when a geocoder is configured, and where to look when there is no pin yet."""
    return {
        "tile_url": settings.TECHFLOW_MAP_TILE_URL,
        "attribution": settings.TECHFLOW_MAP_ATTRIBUTION,
        "center": settings.TECHFLOW_MAP_CENTER,
        "geocode_url": reverse("dispatch:customer_geocode") if geo.geocoder_configured() else "",
    }


@require_GET
@office_required
def customer_geocode(request: HttpRequest) -> HttpResponse:
    """Places matching an address, as JSON for the customer form's map; the geocoder's failure is a
    message (503 not configured, 502 failed), an empty search a 400."""
    query = request.GET.get("q", "")[:300]
    if not query.strip():
        return JsonResponse({"error": "Type an address to search for."}, status=400)
    try:
        places = geo.geocode(query)
    except geo.GeocoderError as error:
        return JsonResponse({"error": str(error)}, status=503 if not geo.geocoder_configured() else 502)
    return JsonResponse(
        {"places": [{"label": p.label, "latitude": p.latitude, "longitude": p.longitude} for p in places]}
    )


@require_http_methods(["GET", "POST"])
@office_required
def customer_create(request: HttpRequest) -> HttpResponse:
    return _customer_form(request, None)


@require_http_methods(["GET", "POST"])
@office_required
def customer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _customer_form(request, get_object_or_404(Customer, pk=pk))
