"""Office pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dispatch.access import office_required
from dispatch.models import WorkOrder


@require_GET
@office_required
def office_home(request: HttpRequest) -> HttpResponse:
    today = WorkOrder.objects.today().select_related("customer", "assigned_technician")
    return render(request, "dispatch/office_home.html", {"todays_orders": today})
