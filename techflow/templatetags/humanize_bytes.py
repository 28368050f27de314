"""Sizes and ratios for the System page."""

from django import template

register = template.Library()


@register.filter
def bytes(value: int | None) -> str:  # noqa: A001 - the name reads well in templates
    if value is None:
        return ""
    size = float(value)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if size < 1024 or unit == "TiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{size:.1f} TiB"


@register.filter
def percent(value: float) -> str:
    return f"{value * 100:.0f}%"
