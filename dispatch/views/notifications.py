"""The office inbox, its live unread badge, and messages to technicians."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dispatch import selectors, services
from dispatch.access import office_required
from dispatch.forms import ManualNotificationForm
from dispatch.models import ManualNotification, Notification, Technician
from dispatch.pagination import CappedPaginator
from dispatch.views.common import error_messages, render_region

PAGE_SIZE = 25
SENT_SHOWN = 15


def _inbox_context(request: HttpRequest, send_form: ManualNotificationForm | None = None) -> dict:
    show = request.GET.get("show", "all")
    inbox = Notification.objects.alerts().select_related("work_order")
    if show == "unread":
        inbox = inbox.filter(is_read=False)
    page = CappedPaginator(inbox, PAGE_SIZE).get_page(request.GET.get("page"))
    form = send_form or ManualNotificationForm()
    technicians = list(Technician.objects.filter(active=True))
    form.fields["technician"].choices = [("", "Choose a technician")] + [(t.pk, t.name) for t in technicians]
    sent = ManualNotification.objects.select_related("technician", "work_order")[:SENT_SHOWN]
    return {
        "fingerprint": selectors.inbox_fingerprint(),
        "page": page,
        "show": show,
        "unread": selectors.unread_alert_count(),
        "send_form": form,
        "sent": sent,
    }


@require_GET
@office_required
def notification_list(request: HttpRequest) -> HttpResponse:
    """The inbox; its poll (`since`) answers 204 while no alert came in or changed read state."""
    if request.htmx and request.GET.get("since") and request.GET["since"] == selectors.inbox_fingerprint():
        return HttpResponse(status=204)
    return render_region(request, "dispatch/notification_list.html", "inbox", _inbox_context(request))


@require_GET
@office_required
def notification_badge(request: HttpRequest) -> HttpResponse:
    """The nav's unread count; 204 when the count the page shows is still right."""
    count = selectors.unread_alert_count()
    if request.GET.get("n") == str(count):
        return HttpResponse(status=204)
    return render(request, "dispatch/notification_list.html#badge", {"unread": count})


def _back_to_inbox(request: HttpRequest) -> HttpResponse:
    if request.htmx:
        return render_region(request, "dispatch/notification_list.html", "inbox", _inbox_context(request))
    back = request.POST.get("next") or ""
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "dispatch:notification_list"
    return redirect(back)


@require_POST
@office_required
def notification_set_read(request: HttpRequest, pk: int) -> HttpResponse:
    notification = get_object_or_404(Notification, pk=pk)
    services.notification_set_read(notification=notification, is_read=request.POST.get("is_read") != "false")
    return _back_to_inbox(request)


@require_POST
@office_required
def notifications_mark_all_read(request: HttpRequest) -> HttpResponse:
    count = services.notifications_mark_all_read()
    if not request.htmx:
        messages.success(request, f"Marked {count} notification{'s' if count != 1 else ''} read.")
    return _back_to_inbox(request)


@require_http_methods(["POST"])
@office_required
def notification_send(request: HttpRequest) -> HttpResponse:
    form = ManualNotificationForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.manual_notification_send(
                technician=data["technician"],
                message=data["message"],
                priority=data["priority"],
                work_order=data["work_order"],
            )
        except ValidationError as error:
            form.add_error(None, error_messages(error))
        else:
            if not request.htmx:
                messages.success(request, f"Sent to {data['technician'].name}.")
                return redirect("dispatch:notification_list")
            context = _inbox_context(request)
            context["sent_ok"] = f"Sent to {data['technician'].name}."
            return render_region(request, "dispatch/notification_list.html", "compose", context)
    return render_region(
        request, "dispatch/notification_list.html", "compose", _inbox_context(request, form), status=422
    )
