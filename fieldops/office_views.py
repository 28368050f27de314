"""Office pages that show what happens in the field."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from dispatch.access import office_required


@require_GET
@office_required
def field_overview(request: HttpRequest) -> HttpResponse:
    return render(request, "fieldops/field_overview.html", {})
