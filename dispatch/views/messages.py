"""Messages to customers: what was sent and how it went, a retry, and the office's wording."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch import clock, messaging
from dispatch.access import office_required
from dispatch.forms import MessageTemplateForm
from dispatch.models import Channel, CommunicationMessage, DeliveryStatus, MessageKind
from dispatch.scheduling import day_bounds
from dispatch.views.common import error_messages, render_region

PAGE_SIZE = 50
# The list reads the last two weeks unless asked for an earlier day: a year of messages stays off it.
DEFAULT_DAYS = 14


def _list_context(request: HttpRequest, **extra) -> dict:
    status = request.GET.get("status") if request.GET.get("status") in DeliveryStatus.values else ""
    try:
        since = date.fromisoformat(request.GET.get("since", ""))
    except ValueError:
        since = clock.localdate() - timedelta(days=DEFAULT_DAYS)
    sent = CommunicationMessage.objects.filter(
        channel_type__in=[Channel.EMAIL, Channel.SMS],
        delivery_status__gt="",
        created_at__gte=day_bounds(since)[0],
    ).select_related("customer")
    if status:
        sent = sent.filter(delivery_status=status)
    page = Paginator(sent.order_by("-created_at", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return {
        "page": page,
        "count": page.paginator.count,
        "status": status,
        "since": since,
        "statuses": DeliveryStatus.choices,
        **extra,
    }


@require_GET
@office_required
def message_list(request: HttpRequest) -> HttpResponse:
    return render_region(request, "dispatch/message_list.html", "messages", _list_context(request))


@require_POST
@office_required
def message_retry(request: HttpRequest, pk: str) -> HttpResponse:
    message = get_object_or_404(CommunicationMessage, pk=pk, delivery_status__gt="")
    try:
        messaging.message_retry_now(message=message)
    except ValidationError as error:
        context = _list_context(request, refusal=" ".join(error_messages(error)))
        return render_region(request, "dispatch/message_list.html", "messages", context, status=409)
    message.refresh_from_db()
    context = _list_context(request, done=f"Tried again: {message.get_delivery_status_display().lower()}.")
    return render_region(request, "dispatch/message_list.html", "messages", context)


def _template_rows(bound: MessageTemplateForm | None = None) -> list[tuple[str, str, MessageTemplateForm]]:
    rows = []
    for kind, label in MessageKind.choices:
        if bound is not None and bound.data.get("kind") == kind:
            rows.append((kind, label, bound))
            continue
        subject, body = messaging.wording(kind)
        rows.append(
            (kind, label, MessageTemplateForm(initial={"kind": kind, "subject": subject, "body": body}))
        )
    return rows


@require_http_methods(["GET", "POST"])
@office_required
def message_templates(request: HttpRequest) -> HttpResponse:
    """The wording of each kind of customer message; saving one checks its placeholders."""
    context = {"placeholders": messaging.PLACEHOLDERS}
    if request.method == "POST":
        form = MessageTemplateForm(request.POST)
        if form.is_valid():
            try:
                messaging.message_template_save(**form.cleaned_data)
            except ValidationError as error:
                for text in error_messages(error):
                    form.add_error(None, text)
            else:
                context["done"] = f"{MessageKind(form.cleaned_data['kind']).label} saved."
                context["rows"] = _template_rows()
                return render(request, "dispatch/message_templates.html", context)
        context["rows"] = _template_rows(form)
        return render(request, "dispatch/message_templates.html", context, status=422)
    context["rows"] = _template_rows()
    return render(request, "dispatch/message_templates.html", context)
