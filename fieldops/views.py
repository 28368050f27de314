"""Technician phone pages."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dispatch.access import technician_required
from dispatch.models import WorkOrder


@require_GET
@technician_required
def tech_home(request: HttpRequest) -> HttpResponse:
    technician = request.technician
    orders = WorkOrder.objects.for_technician(technician).today().select_related("customer")
    return render(request, "fieldops/tech_home.html", {"technician": technician, "orders": orders})
