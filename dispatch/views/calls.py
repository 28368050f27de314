"""Calls: the call log and its CSV, logging a call, the missed-call queue, the phone system's endpoint."""

import hmac
import json
from datetime import datetime

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from django_tables2 import RequestConfig

from dispatch import calls, clock
from dispatch.access import office_required
from dispatch.csv_export import Echo, SafeWriter
from dispatch.filters import CallFilter
from dispatch.forms import CallbackForm, CallLogForm
from dispatch.models import CallType, CommunicationMessage, Customer, Technician, WorkOrder
from dispatch.tables import CallTable
from dispatch.views.common import error_messages, offer_first_technicians, render_region

PAGE_SIZE = 25
QUEUE_PAGE_SIZE = 50


def _filtered_calls(request: HttpRequest) -> CallFilter:
    return CallFilter(request.GET, queryset=CommunicationMessage.objects.calls())


@require_GET
@office_required
def call_list(request: HttpRequest) -> HttpResponse:
    return _call_list_response(request, CallLogForm())


def _call_list_response(request: HttpRequest, form: CallLogForm, status: int = 200) -> HttpResponse:
    filterset = _filtered_calls(request)
    # 500 technicians were 1,000 options, two thirds of the page's time.
    offer_first_technicians(
        filterset.form.fields["technician"], request.GET.get("technician"), empty="Any technician"
    )
    offer_first_technicians(
        form.fields["technician"], form["technician"].value(), empty="No technician", active_only=True
    )
    table = CallTable(filterset.qs)
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    export_query = request.GET.copy()
    for key in ("page", "sort"):
        export_query.pop(key, None)
    context = {
        "filter": filterset,
        "table": table,
        "count": table.paginator.count,
        "export_query": export_query.urlencode(),
        "waiting": CommunicationMessage.objects.awaiting_callback().count(),
        "form": form,
    }
    return render_region(request, "dispatch/call_list.html", "results", context, status=status)


@require_GET
@office_required
def call_export(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered calls as CSV (the same period as the page), streamed."""
    filterset = _filtered_calls(request)
    writer = SafeWriter(Echo())

    def rows():
        yield writer.writerow(
            [
                "id",
                "when",
                "call_type",
                "outcome",
                "customer",
                "work_order",
                "technician",
                "duration_seconds",
                "wait_time_seconds",
                "sentiment_score",
                "about",
                "called_back_at",
            ]
        )
        for message in filterset.qs.order_by("created_at", "id").iterator(chunk_size=500):
            detail = message.call_detail
            yield writer.writerow(
                [
                    message.pk,
                    timezone.localtime(message.created_at).isoformat(),
                    detail.call_type,
                    detail.call_outcome or "",
                    message.customer.name if message.customer else "",
                    message.work_order_id or "",
                    message.technician.name if message.technician else "",
                    detail.duration_seconds if detail.duration_seconds is not None else "",
                    detail.wait_time_seconds if detail.wait_time_seconds is not None else "",
                    detail.sentiment_score if detail.sentiment_score is not None else "",
                    message.body,
                    timezone.localtime(detail.called_back_at).isoformat() if detail.called_back_at else "",
                ]
            )

    response = StreamingHttpResponse(rows(), content_type="text/csv")
    response["Content-Disposition"] = 'attachment; filename="calls.csv"'
    return response


def _back(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return fallback


@require_POST
@office_required
def call_create(request: HttpRequest) -> HttpResponse:
    """Log a call by hand: from a customer's or a work order's page, or from the call log.

    Refused input answers 422 with the call log's form showing why (nothing is saved).
    """
    form = CallLogForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            calls.call_record(
                call_type=data["call_type"],
                customer=data["customer"],
                work_order=data["work_order"],
                technician=data["technician"],
                duration_seconds=data["minutes"] * 60 if data["minutes"] is not None else None,
                notes=data["notes"],
                logged_by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, f"{CallType(data['call_type']).label} call logged.")
            return redirect(_back(request, reverse("dispatch:call_list")))
    return _call_list_response(request, form, status=422)


# The missed-call queue -------------------------------------------------------------------


def _queue_context(request: HttpRequest) -> dict:
    waiting = CommunicationMessage.objects.awaiting_callback().order_by("created_at", "id")
    page = Paginator(waiting, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    now = clock.now()
    return {
        "page": page,
        "rows": [(message, now - message.created_at) for message in page.object_list],
        "count": page.paginator.count,
        "callback_form": CallbackForm(),
    }


@require_GET
@office_required
def call_queue(request: HttpRequest) -> HttpResponse:
    return render_region(request, "dispatch/call_queue.html", "queue", _queue_context(request))


@require_POST
@office_required
def call_called_back(request: HttpRequest, pk: str) -> HttpResponse:
    call = get_object_or_404(CommunicationMessage.objects.calls(), pk=pk)
    form = CallbackForm(request.POST)
    status = 200
    try:
        if not form.is_valid():
            raise ValidationError("Write at most 2000 characters.")
        calls.call_mark_called_back(call=call, user=request.user, notes=form.cleaned_data["notes"])
        done = f"Called back{f' {call.customer.name}' if call.customer else ''}."
    except ValidationError as error:
        done, status = " ".join(error_messages(error)), 409
    if not request.htmx:
        (messages.success if status == 200 else messages.error)(request, done)
        return redirect("dispatch:call_queue")
    context = _queue_context(request)
    context["done" if status == 200 else "refusal"] = done
    return render_region(request, "dispatch/call_queue.html", "queue", context, status=status)


# The phone system's endpoint ----------------------------------------------------------------


def _bad(message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


def _token_ok(request: HttpRequest) -> bool:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    return any(
        hmac.compare_digest(token.encode(), known.encode()) for known in settings.TECHFLOW_PHONE_TOKENS
    )


def _int(payload: dict, name: str) -> int | None:
    value = payload.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"{name} must be a whole number.")
    return value


def _text(payload: dict, name: str, limit: int = 20000) -> str:
    value = payload.get(name) or ""
    if not isinstance(value, str) or len(value) > limit:
        raise ValidationError(f"{name} must be text of at most {limit} characters.")
    return value


def _row(model, payload: dict, name: str):
    pk = _int(payload, name)
    if pk is None:
        return None
    row = model.objects.filter(pk=pk).first()
    if row is None:
        raise ValidationError(f"There is no {model._meta.verbose_name} with {name} {pk}.")
    return row


@csrf_exempt
@login_not_required
def call_post(request: HttpRequest) -> JsonResponse:
    """POST /api/calls/ with a JSON call from the phone system (Authorization: Bearer <token>).

    201 with the call's id; 200 when its call_id was posted before (nothing is recorded twice);
    400 with the reason for bad input; 401 without a valid token.
    """
    if request.method != "POST":
        response = _bad("POST a call as JSON.", status=405)
        response["Allow"] = "POST"
        return response
    if not _token_ok(request):
        response = _bad("A valid integration token is needed (Authorization: Bearer <token>).", status=401)
        response["WWW-Authenticate"] = "Bearer"
        return response
    try:
        payload = json.loads(request.body or b"")
    except (ValueError, UnicodeDecodeError):
        return _bad("The body is not JSON.")
    if not isinstance(payload, dict):
        return _bad("The body must be a JSON object.")
    try:
        started_at = None
        if payload.get("started_at"):
            started_at = datetime.fromisoformat(_text(payload, "started_at", 40))
            if timezone.is_naive(started_at):
                raise ValidationError("started_at needs a time zone offset, e.g. 2026-12-03T10:30:00-05:00.")
        customer = _row(Customer, payload, "customer_id")
        phone = _text(payload, "phone", 20)
        if customer is None and phone:
            customer = Customer.objects.filter(phone=phone).order_by("pk").first()
        call_id = _text(payload, "call_id", 150)
        ivr_path = payload.get("ivr_path")
        if ivr_path is not None and not isinstance(ivr_path, (list, dict)):
            raise ValidationError("ivr_path must be a list or an object.")
        message, created = calls.call_record(
            call_type=_text(payload, "call_type", 20),
            customer=customer,
            work_order=_row(WorkOrder, payload, "work_order_id"),
            technician=_row(Technician, payload, "technician_id"),
            started_at=started_at,
            duration_seconds=_int(payload, "duration_seconds"),
            wait_time_seconds=_int(payload, "wait_time_seconds"),
            outcome=_text(payload, "outcome", 20) or None,
            notes=_text(payload, "notes", 2000),
            transcription=_text(payload, "transcription"),
            recording_url=_text(payload, "recording_url", 2000),
            queue_name=_text(payload, "queue_name", 200),
            ivr_path=ivr_path,
            idempotency_key=f"phone:{call_id}" if call_id else None,
        )
    except ValueError as error:
        return _bad(f"started_at is not an ISO date-time: {error}")
    except ValidationError as error:
        return _bad(" ".join(error_messages(error)))
    detail = message.call_detail
    return JsonResponse(
        {
            "id": str(message.pk),
            "created": created,
            "customer_id": message.customer_id,
            "sentiment_score": float(detail.sentiment_score) if detail.sentiment_score is not None else None,
            "summary": message.body,
        },
        status=201 if created else 200,
    )
