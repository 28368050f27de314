"""Work orders: the list with its CSV export, the detail page and its actions, the new-order form."""

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch import parsing, scheduling, selectors, services
from dispatch.access import office_required
from dispatch.archive_search import archived_orders_matching
from dispatch.csv_export import Echo, SafeWriter
from dispatch.filters import WorkOrderFilter
from dispatch.forms import (
    CallLogForm,
    HelperForm,
    NoteForm,
    ScheduleForm,
    StatusForm,
    VisitForm,
    WorkOrderCreateForm,
    WorkOrderEditForm,
)
from dispatch.models import Customer, Technician, Visit, VisitHelper, WorkOrder, WorkOrderStatus
from dispatch.services import Actor, MissingSkill, OutsidePreferredWindow, StaleWorkOrder
from dispatch.tables import TodayFirst, WorkOrderTable
from dispatch.views.common import error_messages, offer_first_technicians, paginate_table, render_region
from dispatch.views.suggestions import default_suggest_day

PAGE_SIZE = 25


def _offer_only_the_chosen(field, value: str, model) -> None:
    """A select over a table of thousands holds only the chosen row (its search swaps matches in).

    The chosen row is the only value this request can submit, so it is also all the field
    validates against; a swap tells the filter form that the choice may have changed.
    """
    field.queryset = model.objects.filter(pk=int(value)) if value.isdigit() else model.objects.none()
    field.widget.attrs["data-change-after-swap"] = ""  # static/js/office.js


def _filtered_orders(request: HttpRequest) -> WorkOrderFilter:
    queryset = WorkOrder.objects.select_related("customer", "assigned_technician")
    filterset = WorkOrderFilter(request.GET or None, queryset=queryset)
    # Rendering every customer made the list a megabyte; every technician, tens of kilobytes: the
    # customer select holds the chosen one, the technician select the first 50 (both searchable).
    _offer_only_the_chosen(filterset.form.fields["customer"], request.GET.get("customer", ""), Customer)
    offer_first_technicians(
        filterset.form.fields["technician"], request.GET.get("technician"), empty="Any technician"
    )
    return filterset


@require_GET
@office_required
def work_order_list(request: HttpRequest) -> HttpResponse:
    filterset = _filtered_orders(request)
    orders = filterset.qs
    table = WorkOrderTable(orders if request.GET.get("sort") else TodayFirst(orders))
    paginate_table(request, table, PAGE_SIZE)
    export_query = request.GET.copy()
    for key in ("page", "sort"):
        export_query.pop(key, None)
    context = {
        "filter": filterset,
        "table": table,
        "count": table.paginator.count,
        "capped": table.paginator.capped,
        "cap": table.paginator.cap,
        "export_query": export_query.urlencode(),
    }
    data = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    if data.get("include_archived"):
        context["archived"], context["archived_more"] = archived_orders_matching(
            text=data.get("q") or "",
            statuses=list(data.get("status") or []),
            technician=data.get("technician"),
            customer=data.get("customer"),
        )
    return render_region(request, "dispatch/work_order_list.html", "results", context)


@require_GET
@office_required
def work_order_technician_options(request: HttpRequest) -> HttpResponse:
    """A technician select's options for a search (names containing it), as a fragment: the
    work-order list's, the calls' and the reports' filters (any technician), and the call log's
    (`active=1`: active ones only, the first option saying `empty`)."""
    query = request.GET.get("q", "").strip()
    selected = request.GET.get("technician", "")
    chosen_id = int(selected) if selected.isdigit() else None
    active_only = request.GET.get("active") == "1"
    context = {
        "technicians": selectors.technician_choices(
            query=query, chosen_id=chosen_id, active_only=active_only
        ),
        "selected": selected,
        "query": query,
        "empty": request.GET.get("empty", "")[:40] or "Any technician",
    }
    return render(request, "dispatch/work_order_list.html#technician_options", context)


@require_GET
@office_required
def work_order_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered work orders as CSV, streamed so a big export doesn't sit in memory."""
    filterset = _filtered_orders(request)

    writer = SafeWriter(Echo())

    def rows():
        yield writer.writerow(
            [
                "id",
                "scheduled_for",
                "status",
                "job_type",
                "title",
                "customer",
                "technician",
                "brief_description",
            ]
        )
        for order in filterset.qs.order_by("scheduled_for", "id").iterator(chunk_size=500):
            yield writer.writerow(
                [
                    order.pk,
                    timezone.localtime(order.scheduled_for).isoformat() if order.scheduled_for else "",
                    order.status,
                    order.job_type or "",
                    order.title,
                    order.customer.name if order.customer else "",
                    order.assigned_technician.name if order.assigned_technician else "",
                    order.brief_description,
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="work-orders.csv"'
    return response


# Detail ---------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, pk: int, **forms) -> dict:
    order = selectors.work_order_for_detail(pk)
    technicians = list(Technician.objects.all())
    names = {technician.pk: technician.name for technician in technicians}
    version = {"version": order.version}
    local = timezone.localtime(order.scheduled_for) if order.scheduled_for else None
    edit_form = forms.get("edit_form") or WorkOrderEditForm(
        initial={
            **version,
            "title": order.title,
            "job_type": order.job_type or "",
            "estimated_minutes": order.estimated_minutes,
            "brief_description": order.brief_description,
            "full_summary": order.full_summary or "",
        }
    )
    schedule_form = forms.get("schedule_form") or ScheduleForm(
        initial={**version, "technician": order.assigned_technician_id, "scheduled_for": local}
    )
    # The form's choices come from the technicians already loaded: no second query.
    schedule_form.fields["technician"].queryset = Technician.objects.none()
    schedule_form.fields["technician"].choices = [("", "Unassigned")] + [
        (technician.pk, technician.name) for technician in technicians if technician.active
    ]
    status_form = forms.get("status_form") or StatusForm(initial=version)
    next_statuses = [
        (value, WorkOrderStatus(value).label)
        for value in WorkOrder.TRANSITIONS[WorkOrderStatus(order.status)]
        if value != WorkOrderStatus.CANCELLED and order.can_become(value)
    ]
    note_form = forms.get("note_form") or NoteForm()
    active = [(technician.pk, technician.name) for technician in technicians if technician.active]
    visit_form = forms.get("visit_form") or VisitForm()
    helper_form = forms.get("helper_form") or HelperForm()
    for form, field_name, empty in (
        (visit_form, "lead", "Choose a lead"),
        (visit_form, "helpers", None),
        (helper_form, "technician", "Choose a helper"),
    ):
        form.fields[field_name].queryset = Technician.objects.filter(active=True)
        form.fields[field_name].choices = ([("", empty)] if empty else []) + active
    return {
        "order": order,
        "order_length": scheduling.duration_of(order),
        "timeline": selectors.work_order_timeline(order, names),
        "technician_names": names,
        "edit_form": edit_form,
        "schedule_form": schedule_form,
        "status_form": status_form,
        "note_form": note_form,
        "next_statuses": next_statuses,
        "can_cancel": order.can_move_to(WorkOrderStatus.CANCELLED),
        "refusal": forms.get("refusal"),
        "needs_override": forms.get("needs_override", False),
        "needs_skill_override": forms.get("needs_skill_override", False),
        "open_panel": forms.get("open_panel", ""),
        "suggest_day": default_suggest_day(order),
        "call_form": CallLogForm(),
        "call_order": order,
        "visits": selectors.order_visits(order),
        "visit_form": visit_form,
        "helper_form": helper_form,
    }


@require_GET
@office_required
def work_order_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return render_region(request, "dispatch/work_order_detail.html", "main", _detail_context(request, pk))


def _after_action(
    request: HttpRequest, pk: int, done: str | None, status: int = 200, **forms
) -> HttpResponse:
    """A changed (or refused) order: its region again for htmx, the page after a redirect otherwise."""
    if done and not request.htmx:
        messages.success(request, done)
        return redirect("dispatch:work_order_detail", pk=pk)
    context = _detail_context(request, pk, **forms)
    context["done"] = done
    return render_region(request, "dispatch/work_order_detail.html", "main", context, status=status)


def _refused(request: HttpRequest, pk: int, error: ValidationError, panel: str, **forms) -> HttpResponse:
    status = 409 if isinstance(error, StaleWorkOrder) else 422
    return _after_action(
        request,
        pk,
        None,
        status=status,
        refusal=error_messages(error),
        needs_override=isinstance(error, OutsidePreferredWindow),
        needs_skill_override=isinstance(error, MissingSkill),
        open_panel=panel,
        **forms,
    )


@require_POST
@office_required
def work_order_edit(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(WorkOrder, pk=pk)
    form = WorkOrderEditForm(request.POST)
    if not form.is_valid():
        return _after_action(request, pk, None, status=422, edit_form=form, open_panel="edit")
    data = form.cleaned_data
    try:
        services.work_order_update(
            work_order=order,
            actor=Actor.for_user(request.user),
            expected_version=data["version"],
            title=data["title"],
            job_type=data["job_type"] or None,
            estimated_minutes=data["estimated_minutes"],
            brief_description=data["brief_description"],
            full_summary=data["full_summary"] or None,
            override_skills=data["override_skills"],
        )
    except ValidationError as error:
        return _refused(request, pk, error, "edit", edit_form=form)
    return _after_action(request, pk, "Saved.")


@require_POST
@office_required
def work_order_schedule(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(WorkOrder, pk=pk)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _after_action(request, pk, None, status=422, schedule_form=form, open_panel="schedule")
    data = form.cleaned_data
    try:
        services.work_order_schedule(
            work_order=order,
            actor=Actor.for_user(request.user),
            technician=data["technician"],
            scheduled_for=data["scheduled_for"],
            override_window=data["override_window"],
            expected_version=data["version"],
            override_skills=data["override_skills"],
        )
    except ValidationError as error:
        return _refused(request, pk, error, "schedule", schedule_form=form)
    who = order.assigned_technician.name if order.assigned_technician else "nobody"
    return _after_action(request, pk, f"Scheduled: {who}.")


@require_POST
@office_required
def work_order_status(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(WorkOrder, pk=pk)
    form = StatusForm(request.POST)
    panel = "cancel" if request.POST.get("status") == WorkOrderStatus.CANCELLED else "status"
    if not form.is_valid():
        return _after_action(request, pk, None, status=422, status_form=form, open_panel=panel)
    data = form.cleaned_data
    try:
        services.work_order_change_status(
            work_order=order,
            status=data["status"],
            reason=data["reason"],
            actor=Actor.for_user(request.user),
            expected_version=data["version"],
        )
    except ValidationError as error:
        return _refused(request, pk, error, panel, status_form=form)
    return _after_action(request, pk, f"Status is now {order.get_status_display().lower()}.")


@require_POST
@office_required
def work_order_reopen(request: HttpRequest, pk: int) -> HttpResponse:
    """A cancelled order's request again, as a new pending order: the office goes to it."""
    order = get_object_or_404(WorkOrder, pk=pk)
    try:
        new = services.work_order_reopen_as_new(
            work_order=order, actor=Actor.for_user(request.user), created_by=request.user
        )
    except ValidationError as error:
        return _refused(request, pk, error, "reopen")
    messages.success(request, f"Reopened as a new work order, #{new.pk}: assign it when you're ready.")
    if request.htmx:
        response = HttpResponse(status=204)
        response["HX-Redirect"] = reverse("dispatch:work_order_detail", args=[new.pk])
        return response
    return redirect("dispatch:work_order_detail", pk=new.pk)


# Visits and crew ------------------------------------------------------------------------


@require_POST
@office_required
def work_order_visit_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(WorkOrder, pk=pk)
    form = VisitForm(request.POST)
    if not form.is_valid():
        return _after_action(request, pk, None, status=422, visit_form=form, open_panel="visit")
    data = form.cleaned_data
    try:
        services.visit_add(
            work_order=order,
            actor=Actor.for_user(request.user),
            starts_at=data["starts_at"],
            lead=data["lead"],
            estimated_minutes=data["estimated_minutes"],
            helpers=list(data["helpers"]),
            override_window=data["override_window"],
            override_skills=data["override_skills"],
        )
    except ValidationError as error:
        return _refused(request, pk, error, "visit", visit_form=form)
    return _after_action(request, pk, f"Visit added: {data['lead'].name} leads it.")


@require_POST
@office_required
def work_order_visit_remove(request: HttpRequest, pk: int, visit_pk) -> HttpResponse:
    visit = get_object_or_404(Visit, pk=visit_pk, work_order_id=pk)
    try:
        services.visit_remove(visit=visit, actor=Actor.for_user(request.user))
    except ValidationError as error:
        return _refused(request, pk, error, "visit")
    return _after_action(request, pk, "Visit removed.")


@require_POST
@office_required
def work_order_helper_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(WorkOrder, pk=pk)
    form = HelperForm(request.POST)
    if not form.is_valid():
        return _after_action(request, pk, None, status=422, helper_form=form, open_panel="helper")
    visit = None
    if form.cleaned_data["visit"]:
        visit = Visit.objects.filter(pk=form.cleaned_data["visit"], work_order=order).first()
        if visit is None:
            form.add_error("visit", "That visit is not one of this order's.")
            return _after_action(request, pk, None, status=422, helper_form=form, open_panel="helper")
    technician = form.cleaned_data["technician"]
    try:
        services.helper_add(
            work_order=order, technician=technician, visit=visit, actor=Actor.for_user(request.user)
        )
    except ValidationError as error:
        return _refused(request, pk, error, "helper", helper_form=form)
    return _after_action(request, pk, f"{technician.name} helps on the visit.")


@require_POST
@office_required
def work_order_helper_remove(request: HttpRequest, pk: int, helper_pk: int) -> HttpResponse:
    helper = get_object_or_404(VisitHelper, pk=helper_pk, work_order_id=pk)
    try:
        services.helper_remove(helper=helper, actor=Actor.for_user(request.user))
    except ValidationError as error:
        return _refused(request, pk, error, "helper")
    return _after_action(request, pk, "Helper removed.")


@require_POST
@office_required
def work_order_note(request: HttpRequest, pk: int) -> HttpResponse:
    order = get_object_or_404(WorkOrder, pk=pk)
    form = NoteForm(request.POST)
    if not form.is_valid():
        return _after_action(request, pk, None, status=422, note_form=form, open_panel="note")
    try:
        services.work_order_note_add(
            work_order=order, text=form.cleaned_data["text"], actor=Actor.for_user(request.user)
        )
    except ValidationError as error:
        return _refused(request, pk, error, "note", note_form=form)
    return _after_action(request, pk, "Note added.")


def work_order_answer(
    request: HttpRequest, pk: int, done: str | None, error: ValidationError | None = None
) -> HttpResponse:
    """The order's main region (or the page) after another app's action on it, e.g. fieldops'
    summary: done says what happened, or error why it was refused."""
    if error is not None:
        return _refused(request, pk, error, "")
    return _after_action(request, pk, done)


# New work order -------------------------------------------------------------------------

CUSTOMER_OPTIONS_LIMIT = 50


def _customer_options(query: str, selected: str | None) -> list[Customer]:
    customers = Customer.objects.only("pk", "name", "address")
    if query:
        customers = customers.filter(
            Q(name__icontains=query) | Q(address__icontains=query) | Q(phone__icontains=query)
        )
    if parsing.is_id(selected):
        customers = customers | Customer.objects.filter(pk=int(selected)).only("pk", "name", "address")
    return list(customers.order_by("name")[:CUSTOMER_OPTIONS_LIMIT])


def _availability(customer: Customer | None, start: datetime | None, data: dict | None = None) -> dict:
    """Who is free at `start` for a job of the form's type and length (`data`: its cleaned data)."""
    if start is None:
        return {"start": None}
    data = data or {}
    duration = scheduling.duration_from(
        data.get("estimated_minutes"), data.get("job_type"), scheduling.type_minutes()
    )
    return {
        "start": start,
        "window_warning": services.preferred_window_warning(customer=customer, start=start),
        "availability": selectors.technician_availability(start, duration=duration),
    }


@require_http_methods(["GET", "POST"])
@office_required
def work_order_create(request: HttpRequest) -> HttpResponse:
    form = WorkOrderCreateForm(request.POST or None, initial={"customer": request.GET.get("customer")})
    refusal: list[str] = []
    needs_override = needs_skill_override = False
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            order = services.work_order_open(
                actor=Actor.for_user(request.user),
                created_by=request.user,
                customer=data["customer"],
                title=data["title"],
                brief_description=data["brief_description"],
                job_type=data["job_type"],
                estimated_minutes=data["estimated_minutes"],
                technician=data["technician"],
                scheduled_for=data["scheduled_for"],
                override_window=data["override_window"],
                override_skills=data["override_skills"],
            )
        except ValidationError as error:
            refusal = error_messages(error)
            needs_override = isinstance(error, OutsidePreferredWindow)
            needs_skill_override = isinstance(error, MissingSkill)
        else:
            messages.success(request, f"Work order #{order.pk} created.")
            return redirect("dispatch:work_order_detail", pk=order.pk)
    selected = request.POST.get("customer") or request.GET.get("customer")
    customers = _customer_options("", selected)
    form.fields["customer"].queryset = Customer.objects.none()
    form.fields["customer"].choices = [("", "Choose a customer")] + [(c.pk, c.name) for c in customers]
    # A search swaps the options in; tell the form the customer may have changed.
    form.fields["customer"].widget.attrs["data-change-after-swap"] = ""  # static/js/office.js
    customer = next((c for c in customers if str(c.pk) == str(selected)), None)
    start = (
        form.cleaned_data.get("scheduled_for") if form.is_bound and hasattr(form, "cleaned_data") else None
    )
    context = {
        "form": form,
        "refusal": refusal,
        "needs_override": needs_override,
        "needs_skill_override": needs_skill_override,
        **_availability(customer, start, form.cleaned_data if hasattr(form, "cleaned_data") else None),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "dispatch/work_order_form.html", context, status=status)


@require_GET
@office_required
def work_order_customer_options(request: HttpRequest) -> HttpResponse:
    """The customer picker's options for a search, as a fragment."""
    query = request.GET.get("q", "").strip()
    selected = request.GET.get("customer")
    customers = _customer_options(query, selected)
    return render(
        request,
        "dispatch/work_order_form.html#customer_options",
        {"customers": customers, "selected": selected, "query": query},
    )


@require_GET
@office_required
def work_order_availability(request: HttpRequest) -> HttpResponse:
    """The preferred-window warning and who is free, for the form's current customer and time."""
    form = WorkOrderCreateForm(request.GET)
    form.is_valid()
    start = form.cleaned_data.get("scheduled_for")
    customer = form.cleaned_data.get("customer")
    context = _availability(customer, start, form.cleaned_data)
    if form.has_error("scheduled_for"):
        # An unreadable or out-of-range time: say why no one is listed (400, swapped like a refusal).
        context["time_error"] = " ".join(form.errors["scheduled_for"])
        return render(request, "dispatch/work_order_form.html#availability", context, status=400)
    return render(request, "dispatch/work_order_form.html#availability", context)
