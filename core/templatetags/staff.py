"""Display helpers for the staff pages: money (as core.money formats it), percentages, waiting times, status
badges."""

from datetime import timedelta

from django import template

from core.jsondoc import json_preview
from core.money import format_compact, format_human
from core.text import code_label

register = template.Library()


@register.filter(name="money")
def money_with_code(value, currency: str | None) -> str:
    """12345678, "USD" → "123,456.78 USD" (core.money.format_human). None stays an em dash."""
    if value is None or value == "":
        return "—"
    return format_human(int(value), currency or "")


@register.filter(name="money_amount")
def money_without_code(value, currency: str | None) -> str:
    """12345678, "USD" → "123,456.78": a figure beside one that names the currency. None stays an em dash."""
    if value is None or value == "":
        return "—"
    return format_human(int(value), currency or "", with_code=False)


@register.filter(name="money_short")
def money_compact(value, currency: str | None) -> str:
    """Compact amounts for chart labels: 1234567 cents → "12.3k" (core.money.format_compact)."""
    if value is None or value == "":
        return "—"
    return format_compact(int(value), currency or "")


@register.filter
def percent(value, digits: int = 0) -> str:
    """0.4567 → "46 %"."""
    if value is None:
        return "—"
    return f"{100 * float(value):.{int(digits)}f} %"


@register.filter
def wait(value: timedelta | None) -> str:
    """A waiting time a person reads at a glance: "45 min", "3 h 12 min", "2 d 4 h"."""
    if value is None:
        return "—"
    minutes = int(value.total_seconds() // 60)
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return f"{days} d {hours} h"
    if hours:
        return f"{hours} h {minutes} min"
    return f"{minutes} min"


@register.filter
def label(value) -> str:
    """A code as words (core.text.code_label): "no_us_address" → "No US address"; empty → "—"."""
    return code_label(value)


@register.inclusion_tag("staff/_badge.html")
def badge(value, empty: str = "—"):
    """A status pill whose colour follows the value (CSS class `badge--<value>`)."""
    return {"value": value, "empty": empty}


@register.inclusion_tag("staff/_json_document.html")
def json_document(value, whole_url: str, labelledby: str = ""):
    """A JSON document (custom data, an event's payload) pretty-printed up to core.jsondoc.PREVIEW_CHARS, with a link
    to the whole at `whole_url` when it is longer: a page's size never depends on the size of what it shows. The block
    scrolls, so it takes the keyboard's focus, named by the heading `labelledby` (an element id) if there is one."""
    return {"preview": json_preview(value), "whole_url": whole_url, "labelledby": labelledby}
