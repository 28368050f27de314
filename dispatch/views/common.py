"""What the views of every app share: picking an htmx region, and refusals as sentences."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def wants_region(request: HttpRequest) -> bool:
    """An htmx request that isn't a boosted navigation: it swaps in one region, not the page."""
    return bool(request.htmx) and not request.htmx.boosted


def render_region(
    request: HttpRequest, template: str, region: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The whole page, or only its named partial for an htmx request that isn't a boosted navigation.

    The one way every app (office, phone, inventory) picks a partial.
    """
    if wants_region(request):
        template = f"{template}#{region}"
    return render(request, template, context, status=status)


def error_messages(error) -> list[str]:
    """A ValidationError as a flat list of sentences."""
    if hasattr(error, "message_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)
