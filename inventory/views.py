"""Office pages for trucks and their stock."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dispatch.access import office_required


@require_GET
@office_required
def stock_matrix(request: HttpRequest) -> HttpResponse:
    return render(request, "inventory/stock_matrix.html", {})
