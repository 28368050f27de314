"""The job's record on the phone and for the office: photos, checklists, equipment, sign-off, report.

Files are served only to those who may see the job: the office, and the technician the job is
assigned to; to anyone else (another technician) a file does not exist (404).
"""

import re

from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from dispatch.access import office_required, technician_required
from dispatch.models import ActorType, WorkOrder, WorkOrderStatus
from dispatch.services import Actor
from fieldops import record_selectors, record_services, report
from fieldops.forms import (
    ChecklistAnswerForm,
    ChecklistItemForm,
    ChecklistTemplateForm,
    EquipmentForm,
    PhotoForm,
    SignOffForm,
    location_from,
)
from fieldops.models import (
    ChecklistAnswer,
    ChecklistItem,
    ChecklistTemplate,
    CustomerSignature,
    Equipment,
    JobAttachment,
    ServiceReport,
)
from fieldops.report import report_context
from fieldops.views import _act, _form_error, _job_page, _refuse, _work_order_for_technician


def _serve(attachment: JobAttachment, variant: str) -> HttpResponse:
    field = attachment.thumbnail if variant == "thumb" else attachment.file
    if not field:
        raise Http404("No such file.")
    try:
        handle = default_storage.open(field.name, "rb")
    except FileNotFoundError as error:
        raise Http404("No such file.") from error
    content_type = "image/jpeg" if variant == "thumb" else attachment.content_type
    response = FileResponse(handle, content_type=content_type)
    response["Content-Disposition"] = "inline"
    # A file is data, never a page: no scripts, no plugins, even when opened on its own.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@require_GET
@technician_required
def tech_attachment_file(request: HttpRequest, pk, variant: str = "file") -> HttpResponse:
    """A photo of one of the technician's own jobs; another technician's is a 404."""
    attachment = get_object_or_404(
        JobAttachment.objects.only("file", "thumbnail", "content_type"),
        pk=pk,
        work_order__in=WorkOrder.objects.worked_by(request.technician).values("pk"),
    )
    return _serve(attachment, variant)


@require_GET
@office_required
def office_attachment_file(request: HttpRequest, pk, variant: str = "file") -> HttpResponse:
    attachment = get_object_or_404(JobAttachment.objects.only("file", "thumbnail", "content_type"), pk=pk)
    return _serve(attachment, variant)


@require_POST
@technician_required
def job_photo_add(request: HttpRequest, pk: int) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    page = _job_page(request, order)
    form = PhotoForm(request.POST, request.FILES)
    if not form.is_valid():
        return _refuse(request, _form_error(form), page)
    technician, location, data = request.technician, location_from(request.POST), form.cleaned_data
    return _act(
        request,
        action="job_photo_add",
        perform=lambda: record_services.job_attachment_add(
            technician=technician,
            work_order=order,
            upload=data["file"],
            step=data["step"],
            caption=data["caption"],
            taken_at=data["taken_at"],
            location=location,
            checklist_item=data["checklist_item"],
        ),
        success="Photo saved.",
        page=page,
        redirect_to=reverse("fieldops:job_detail", args=[pk]) + "#photos",
    )


# Checklists on the phone


@require_POST
@technician_required
def job_checklist_answer(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    item = get_object_or_404(ChecklistItem, pk=item_pk)
    page = _job_page(request, order)
    form = ChecklistAnswerForm(request.POST)
    if not form.is_valid():
        return _refuse(request, _form_error(form), page)
    technician, value = request.technician, form.cleaned_data["value"]
    return _act(
        request,
        action="job_checklist_answer",
        perform=lambda: record_services.checklist_answer_save(
            technician=technician, work_order=order, item=item, value=value
        ),
        success=f"Saved: {item.label}.",
        page=page,
        redirect_to=reverse("fieldops:job_detail", args=[pk]) + "#checklist",
    )


@require_POST
@technician_required
def job_checklist_follow_up(request: HttpRequest, pk: int, answer_pk: int) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    answer = get_object_or_404(
        ChecklistAnswer.objects.select_related("work_order"), pk=answer_pk, work_order=order
    )
    technician = request.technician
    return _act(
        request,
        action="job_checklist_follow_up",
        perform=lambda: record_services.checklist_follow_up_create(technician=technician, answer=answer),
        success=f"Follow-up work order created for “{answer.label}”. The office will schedule it.",
        page=_job_page(request, order),
        redirect_to=reverse("fieldops:job_detail", args=[pk]) + "#checklist",
    )


# The office's checklist templates


@office_required
def checklist_list(request: HttpRequest) -> HttpResponse:
    form = ChecklistTemplateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                template = record_services.checklist_template_create(**form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                return redirect("field:checklist_detail", pk=template.pk)
        status = 400
    templates = ChecklistTemplate.objects.filter(active=True).annotate(
        item_count=Count("items", filter=Q(items__active=True)),
        required_count=Count("items", filter=Q(items__active=True, items__required=True)),
    )
    return render(
        request, "fieldops/checklist_list.html", {"templates": templates, "form": form}, status=status
    )


@office_required
def checklist_detail(request: HttpRequest, pk: int) -> HttpResponse:
    template = get_object_or_404(ChecklistTemplate, pk=pk)
    form = ChecklistItemForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            record_services.checklist_item_add(template=template, **form.cleaned_data)
            return redirect("field:checklist_detail", pk=pk)
        status = 400
    items = template.items.filter(active=True)
    return render(
        request,
        "fieldops/checklist_detail.html",
        {"template": template, "items": items, "form": form},
        status=status,
    )


@require_POST
@office_required
def checklist_item_remove(request: HttpRequest, pk: int, item_pk: int) -> HttpResponse:
    item = get_object_or_404(ChecklistItem, pk=item_pk, template_id=pk)
    record_services.checklist_item_remove(item=item)
    return redirect("field:checklist_detail", pk=pk)


# Equipment at the site


def _site_equipment(order, pk: int) -> Equipment:
    return get_object_or_404(Equipment, pk=pk, customer_id=order.customer_id)


def _equipment_action(request: HttpRequest, order, equipment: Equipment | None) -> HttpResponse:
    form = EquipmentForm(request.POST, prefix=f"eq{equipment.pk}" if equipment else "eq")
    page = _job_page(request, order)
    if not form.is_valid():
        return _refuse(request, _form_error(form), page)
    technician, data = request.technician, dict(form.cleaned_data)
    password = data.pop("password")
    return _act(
        request,
        action="job_equipment_save",
        perform=lambda: record_services.equipment_save(
            technician=technician, work_order=order, equipment=equipment, password=password, **data
        ),
        success="Equipment updated." if equipment else "Equipment registered.",
        page=page,
        redirect_to=reverse("fieldops:job_detail", args=[order.pk]) + "#equipment",
    )


@require_POST
@technician_required
def job_equipment_add(request: HttpRequest, pk: int) -> HttpResponse:
    return _equipment_action(request, _work_order_for_technician(request, pk), None)


@require_POST
@technician_required
def job_equipment_update(request: HttpRequest, pk: int, equipment_pk: int) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    return _equipment_action(request, order, _site_equipment(order, equipment_pk))


def _revealed(
    request: HttpRequest, equipment: Equipment, actor: Actor, order=None, base="fieldops/tech_base.html"
):
    try:
        password = record_services.equipment_credentials_reveal(
            equipment=equipment, actor=actor, work_order=order
        )
    except ValidationError as error:
        return render(
            request,
            "fieldops/credential.html",
            {"equipment": equipment, "error": " ".join(error.messages), "order": order, "base": base},
            status=409,
        )
    return render(
        request,
        "fieldops/credential.html",
        {"equipment": equipment, "password": password, "order": order, "base": base},
    )


@require_POST
@technician_required
def job_equipment_reveal(request: HttpRequest, pk: int, equipment_pk: int) -> HttpResponse:
    order = _work_order_for_technician(request, pk)
    equipment = _site_equipment(order, equipment_pk)
    return _revealed(
        request, equipment, Actor(ActorType.TECHNICIAN, request.technician.pk), order, "tech_base.html"
    )


@require_POST
@office_required
def office_equipment_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    equipment = get_object_or_404(Equipment.objects.select_related("customer"), pk=pk)
    return _revealed(request, equipment, Actor.for_user(request.user), None, "office_base.html")


@require_GET
@office_required
def equipment_search(request: HttpRequest) -> HttpResponse:
    """Equipment by serial number or MAC address (any spelling of it), across every site."""
    query = request.GET.get("q", "").strip()
    results: list[Equipment] = []
    if query:
        compact = re.sub(r"[\s:.\-]", "", query).upper()
        match = Q(serial_number__icontains=query)
        if compact:
            match |= Q(mac_address__icontains=":".join(compact[i : i + 2] for i in range(0, len(compact), 2)))
        results = list(
            Equipment.objects.filter(match).select_related("customer").order_by("customer__name")[:100]
        )
    return render(request, "fieldops/equipment_search.html", {"query": query, "results": results})


# The customer's sign-off


@technician_required
def job_sign_off(request: HttpRequest, pk: int) -> HttpResponse:
    """GET: the visit's summary and the signature pad; POST: the customer's signature."""
    order = _work_order_for_technician(request, pk)

    def page(status: int) -> HttpResponse:
        context = {
            "order": order,
            "summary": report_context(record_selectors.visit_summary(order)),
            "signatures": list(order.signatures.all()),
            "form": form,
        }
        return render(request, "fieldops/sign_off.html", context, status=status)

    form = SignOffForm(request.POST or None)
    if request.method != "POST":
        return page(200)
    if not form.is_valid():
        return _refuse(request, _form_error(form), page)
    technician, location, data = request.technician, location_from(request.POST), form.cleaned_data
    return _act(
        request,
        action="job_sign_off",
        perform=lambda: record_services.job_sign_off(
            technician=technician,
            work_order=order,
            signer_name=data["signer_name"],
            signature=data["signature"],
            location=location,
        ),
        success=f"Signed by {data['signer_name']}. Thank you.",
        page=page,
        redirect_to=reverse("fieldops:job_detail", args=[pk]) + "#sign-off",
    )


def _serve_signature(signature: CustomerSignature) -> HttpResponse:
    try:
        handle = default_storage.open(signature.image.name, "rb")
    except FileNotFoundError as error:
        raise Http404("No such file.") from error
    response = FileResponse(handle, content_type="image/png")
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


@require_GET
@technician_required
def tech_signature_image(request: HttpRequest, pk) -> HttpResponse:
    signature = get_object_or_404(
        CustomerSignature.objects.only("image"),
        pk=pk,
        work_order__in=WorkOrder.objects.worked_by(request.technician).values("pk"),
    )
    return _serve_signature(signature)


@require_GET
@office_required
def office_signature_image(request: HttpRequest, pk) -> HttpResponse:
    return _serve_signature(get_object_or_404(CustomerSignature.objects.only("image"), pk=pk))


# The service report


def _report(request: HttpRequest, order: WorkOrder) -> HttpResponse:
    if order.status != WorkOrderStatus.COMPLETED:
        return HttpResponse(
            f"Job #{order.pk} is {order.get_status_display().lower()}: "
            "the service report is for a completed job.",
            status=409,
            content_type="text/plain; charset=utf-8",
        )
    version = report.report_version(order)
    stored = report.service_report_ready(order, version=version)
    if stored is None:
        # Not made yet, or made of an older record: ask the worker (once per version). Without a
        # worker (the immediate backend) it is made right here and served below.
        report.service_report_request(order, version=version)
        stored = report.service_report_ready(order, version=version)
    if stored is None:
        return _report_pending(request, order)
    try:
        handle = default_storage.open(stored.file.name, "rb")
    except FileNotFoundError:
        # The stored file is gone (a restored database without its files): make it again.
        ServiceReport.objects.filter(pk=stored.pk).update(file="", version="")
        report.service_report_request(order, version=version)
        return _report_pending(request, order)
    response = FileResponse(handle, content_type="application/pdf", as_attachment=True)
    response["Content-Disposition"] = f'attachment; filename="service-report-{order.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


REPORT_RETRY_SECONDS = 3


def _report_pending(request: HttpRequest, order: WorkOrder) -> HttpResponse:
    """202: the worker is making the report; the page reloads itself until it is there."""
    response = render(
        request,
        "fieldops/report_pending.html",
        {"order": order, "retry": REPORT_RETRY_SECONDS},
        status=202,
    )
    response["Retry-After"] = str(REPORT_RETRY_SECONDS)
    return response


@require_GET
@technician_required
def tech_service_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _report(request, _work_order_for_technician(request, pk))


@require_GET
@office_required
def office_service_report(request: HttpRequest, pk: int) -> HttpResponse:
    return _report(request, get_object_or_404(WorkOrder, pk=pk))
