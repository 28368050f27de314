"""Office pages for trucks and their stock: the matrix, items, each truck, movements, restocking, usage."""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch.access import office_required
from dispatch.csv_export import CsvAttachment
from dispatch.services import Actor
from dispatch.views.common import paginate_table, render_region
from inventory import selectors, services
from inventory.filters import InventoryItemFilter, StockMovementFilter
from inventory.forms import AdjustForm, CrewForm, DateRangeForm, InventoryItemForm, RestockForm, TransferForm
from inventory.models import InventoryItem, ItemCategory, StockMovement, Truck
from inventory.tables import InventoryItemTable, StockMovementTable

# Form errors answer 422; the inventory pages tell htmx to swap them in (see inventory/base.html).
INVALID = 422
ITEMS_PER_PAGE = 50
MOVEMENTS_PER_PAGE = 50
# The usage report's by-truck table, a page at a time (500 trucks was a 185 KB page); the CSV has all.
USAGE_TRUCKS_PER_PAGE = 25
TRUCKS_SHOWN = 20  # the stock matrix's columns per page


def _service_truck(pk: int) -> Truck:
    """A truck that can carry stock; the office truck and unknown ids are 404."""
    return get_object_or_404(Truck, pk=pk, is_office_truck=False)


# --- the stock matrix -------------------------------------------------------------------------


@require_GET
@office_required
def stock_matrix(request: HttpRequest) -> HttpResponse:
    category = request.GET.get("category", "")
    if category not in ItemCategory.values:
        category = ""
    low_only = request.GET.get("low") == "1"
    matrix = selectors.stock_matrix(
        category=category, low_only=low_only, page_number=request.GET.get("page"), trucks_shown=TRUCKS_SHOWN
    )
    context = {
        "matrix": matrix,
        "page_base": f"{reverse('inventory:stock_matrix')}?category={category}&low={int(low_only)}&",
        "categories": ItemCategory.choices,
        "category": category,
        "low_only": low_only,
    }
    return render_region(request, "inventory/stock_matrix.html", "matrix", context)


# --- items --------------------------------------------------------------------------------------


def _items_queryset() -> QuerySet[InventoryItem]:
    return InventoryItem.objects.annotate(on_trucks=Sum("truck_stock__quantity"))


@require_GET
@office_required
def item_list(request: HttpRequest) -> HttpResponse:
    items = _items_queryset()
    filterset = InventoryItemFilter(request.GET or None, queryset=items)
    status = 400 if filterset.is_bound and not filterset.is_valid() else 200
    table = InventoryItemTable(filterset.qs if status == 200 else items.none())
    paginate_table(request, table, ITEMS_PER_PAGE)
    context = {"filter": filterset, "table": table}
    return render_region(request, "inventory/item_list.html", "results", context, status)


@require_http_methods(["GET", "POST"])
@office_required
def item_create(request: HttpRequest) -> HttpResponse:
    form = InventoryItemForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            item = form.save()
            messages.success(request, f"{item} added.")
            return redirect("inventory:item_list")
        return render(request, "inventory/item_form.html", {"form": form}, status=INVALID)
    return render(request, "inventory/item_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@office_required
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(InventoryItem, pk=pk)
    form = InventoryItemForm(request.POST or None, instance=item)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, f"{item} saved.")
            return redirect("inventory:item_list")
        return render(request, "inventory/item_form.html", {"form": form, "item": item}, status=INVALID)
    return render(request, "inventory/item_form.html", {"form": form, "item": item})


# --- one truck ---------------------------------------------------------------------------------


def _truck_context(truck: Truck, **forms: Form) -> dict:
    lines = selectors.truck_stock_lines(truck)
    return {
        "truck": truck,
        "lines": lines,
        "low_count": sum(line.low for line in lines),
        "movements": selectors.recent_movements(truck),
        "clock_record": selectors.open_clock_record(truck),
        "restock_form": forms.get("restock_form") or RestockForm(prefix="restock"),
        "transfer_form": forms.get("transfer_form") or TransferForm(prefix="transfer", from_truck=truck),
        "adjust_form": forms.get("adjust_form") or AdjustForm(prefix="adjust"),
        "crew_form": forms.get("crew_form")
        or CrewForm(prefix="crew", initial={"crew_allowed": truck.crew_allowed}),
        "open_form": next(iter(forms), "").removesuffix("_form"),
    }


@require_GET
@office_required
def truck_detail(request: HttpRequest, pk: int) -> HttpResponse:
    truck = _service_truck(pk)
    return render(request, "inventory/truck_detail.html", _truck_context(truck))


def _truck_action(
    request: HttpRequest, truck: Truck, form_name: str, form: Form, apply: Callable[[dict, Actor], str]
) -> HttpResponse:
    """Validate the form, call the service; success redirects (or re-renders the region), errors are 422."""
    if form.is_valid():
        try:
            done = apply(form.cleaned_data, Actor.for_user(request.user))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            if request.htmx:
                context = _truck_context(truck)
                context["done"] = done
                context["open_form"] = form_name.removesuffix("_form")
                return render_region(request, "inventory/truck_detail.html", "truck_body", context)
            messages.success(request, done)
            return redirect("inventory:truck_detail", pk=truck.pk)
    context = _truck_context(truck, **{form_name: form})
    return render_region(request, "inventory/truck_detail.html", "truck_body", context, status=INVALID)


@require_POST
@office_required
def truck_restock(request: HttpRequest, pk: int) -> HttpResponse:
    truck = _service_truck(pk)

    def apply(data: dict, actor: Actor) -> str:
        movement = services.truck_stock_restock(
            truck=truck, item=data["item"], quantity=data["quantity"], actor=actor, reason=data["reason"]
        )
        return (
            f"Restocked {data['quantity']:,} × {data['item']}: {truck} now has {movement.quantity_after:,}."
        )

    return _truck_action(request, truck, "restock_form", RestockForm(request.POST, prefix="restock"), apply)


@require_POST
@office_required
def truck_transfer(request: HttpRequest, pk: int) -> HttpResponse:
    truck = _service_truck(pk)

    def apply(data: dict, actor: Actor) -> str:
        out, into = services.truck_stock_transfer(
            from_truck=truck,
            to_truck=data["to_truck"],
            item=data["item"],
            quantity=data["quantity"],
            actor=actor,
            reason=data["reason"],
        )
        return (
            f"Moved {data['quantity']:,} × {data['item']} to {data['to_truck']}: "
            f"{out.quantity_after:,} left here, {into.quantity_after:,} there."
        )

    form = TransferForm(request.POST, prefix="transfer", from_truck=truck)
    return _truck_action(request, truck, "transfer_form", form, apply)


@require_POST
@office_required
def truck_adjust(request: HttpRequest, pk: int) -> HttpResponse:
    truck = _service_truck(pk)

    def apply(data: dict, actor: Actor) -> str:
        movement = services.truck_stock_adjust(
            truck=truck, item=data["item"], counted=data["counted"], reason=data["reason"], actor=actor
        )
        if movement is None:
            return f"{truck} already had {data['counted']:,} × {data['item']}: nothing to adjust."
        return f"Adjusted {data['item']} on {truck} by {movement.quantity_change:+,} to {data['counted']:,}."

    return _truck_action(request, truck, "adjust_form", AdjustForm(request.POST, prefix="adjust"), apply)


@require_POST
@office_required
def truck_crew(request: HttpRequest, pk: int) -> HttpResponse:
    """One truck, one driver unless the office allows a crew to share it (recorded in admin_changes)."""
    truck = _service_truck(pk)

    def apply(data: dict, actor: Actor) -> str:
        allowed = data["crew_allowed"]
        changed = services.truck_crew_allowed_set(truck=truck, allowed=allowed, user=request.user)
        if not changed:
            return f"{truck} already {'may be shared by a crew' if allowed else 'has one driver at a time'}."
        if allowed:
            return (
                f"A crew may now share {truck}: a second technician who clocks in with it is asked "
                "and recorded."
            )
        return f"{truck} is one truck, one driver again (from the next clock-in)."

    return _truck_action(request, truck, "crew_form", CrewForm(request.POST, prefix="crew"), apply)


# --- restocking --------------------------------------------------------------------------------


def _replenishment_context(truck: Truck) -> dict:
    return {
        "truck": truck,
        "lines": selectors.replenishment_lines(truck),
        "clock_record": selectors.open_clock_record(truck),
    }


@require_GET
@office_required
def truck_replenishment(request: HttpRequest, pk: int) -> HttpResponse:
    truck = _service_truck(pk)
    return render(request, "inventory/replenishment.html", _replenishment_context(truck))


@require_POST
@office_required
def truck_restock_to_standard(request: HttpRequest, pk: int) -> HttpResponse:
    truck = _service_truck(pk)
    try:
        movements = services.truck_stock_restock_to_standard(truck=truck, actor=Actor.for_user(request.user))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return render(request, "inventory/replenishment.html", _replenishment_context(truck), status=INVALID)
    if movements:
        units = sum(m.quantity_change for m in movements)
        lines = len(movements)
        messages.success(
            request,
            f"{truck} restocked to standard: {lines} item{'s' if lines != 1 else ''}, {units:,} units.",
        )
    else:
        messages.info(request, f"{truck} needed nothing: every item is at or above its minimum.")
    return redirect("inventory:truck_replenishment", pk=truck.pk)


# --- movements and usage -----------------------------------------------------------------------


@require_GET
@office_required
def movement_list(request: HttpRequest) -> HttpResponse:
    movements = StockMovement.objects.select_related("truck", "item", "other_truck", "work_order")
    filterset = StockMovementFilter(request.GET or None, queryset=movements)
    status = 400 if filterset.is_bound and not filterset.is_valid() else 200
    table = StockMovementTable(filterset.qs if status == 200 else movements.none())
    paginate_table(request, table, MOVEMENTS_PER_PAGE)
    selectors.movements_with_people([row.record for row in table.page.object_list] if table.page else [])
    return render_region(
        request, "inventory/movement_list.html", "results", {"filter": filterset, "table": table}, status
    )


@require_GET
@office_required
def usage_report(request: HttpRequest) -> HttpResponse:
    form = DateRangeForm.from_query(request.GET)
    if not form.is_valid():
        context = {"form": form, "by_item": [], "by_truck": [], "truck_page": None}
        return render_region(request, "inventory/usage_report.html", "report", context, status=400)
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    by_item = selectors.usage_by_item(start, end)
    truck_page = selectors.usage_trucks_page(start, end, request.GET.get("page"), USAGE_TRUCKS_PER_PAGE)
    context = {
        "form": form,
        "start": start,
        "end": end,
        "by_item": by_item,
        "truck_page": truck_page,
        "by_truck": truck_page.object_list,  # the page's trucks
        "totals": selectors.usage_totals(by_item),
        "range_query": f"start={start:%Y-%m-%d}&end={end:%Y-%m-%d}",
    }
    return render_region(request, "inventory/usage_report.html", "report", context)


@require_GET
@office_required
def usage_export(request: HttpRequest) -> HttpResponse:
    form = DateRangeForm.from_query(request.GET)
    by = request.GET.get("by", "item")
    if by not in ("item", "truck") or not form.is_valid():
        errors = "; ".join(e for errs in form.errors.values() for e in errs) or "Export by item or by truck."
        return HttpResponse(errors, status=400, content_type="text/plain; charset=utf-8")
    start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    writer = CsvAttachment(f"usage-by-{by}-{start:%Y%m%d}-{end:%Y%m%d}.csv")
    if by == "item":
        writer.writerow(["item", "category", "unit", "used", "jobs", "from", "to"])
        for row in selectors.usage_by_item(start, end):
            writer.writerow(
                [
                    row["item__name"],
                    row["item__category"] or "",
                    row["item__unit"] or "",
                    row["used"],
                    row["jobs"],
                    start,
                    end,
                ]
            )
    else:
        writer.writerow(["truck", "unit", "used", "jobs", "items", "from", "to"])
        for row in selectors.usage_by_truck(start, end):
            for used, unit in row["used"]:
                writer.writerow([row["truck__name"], unit, used, row["jobs"], row["items"], start, end])
    return writer.response()
