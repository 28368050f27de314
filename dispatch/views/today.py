"""Today: the dispatcher's start page, kept live by a cheap poll."""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from dispatch import clock, selectors
from dispatch.access import office_required
from dispatch.views.common import render_region

ALERTS_SHOWN = 5
TECHNICIANS_SHOWN = 25


@require_GET
@office_required
def office_home(request: HttpRequest) -> HttpResponse:
    fingerprint = selectors.office_fingerprint()
    if request.htmx and request.GET.get("since") == fingerprint:
        return HttpResponse(status=204)
    overview = selectors.today_overview(ALERTS_SHOWN, request.GET.get("page"), TECHNICIANS_SHOWN)
    context = {"fingerprint": fingerprint, "now": clock.now(), **overview}
    return render_region(request, "dispatch/office_home.html", "live", context)
