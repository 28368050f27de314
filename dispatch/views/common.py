"""What the office views share."""

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


def render_region(
    request: HttpRequest, template: str, region: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """The whole page, or only its named partial for an htmx request that isn't a boosted navigation."""
    if request.htmx and not request.htmx.boosted:
        template = f"{template}#{region}"
    return render(request, template, context, status=status)


def error_messages(error) -> list[str]:
    """A ValidationError as a flat list of sentences."""
    if hasattr(error, "message_dict"):
        return [message for messages in error.message_dict.values() for message in messages]
    return list(error.messages)
