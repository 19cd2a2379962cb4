"""Display helpers for the staff pages: money in minor units, percentages, waiting times, status badges."""

import json
from datetime import timedelta

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

register = template.Library()

# ISO 4217 minor units where they are not 2.
_ZERO_DECIMAL = {
    "BIF",
    "CLP",
    "DJF",
    "GNF",
    "ISK",
    "JPY",
    "KMF",
    "KRW",
    "PYG",
    "RWF",
    "UGX",
    "VND",
    "VUV",
    "XAF",
    "XOF",
}
_THREE_DECIMAL = {"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"}


def minor_unit_digits(currency: str | None) -> int:
    code = (currency or "").upper()
    return 0 if code in _ZERO_DECIMAL else 3 if code in _THREE_DECIMAL else 2


@register.filter
def money(value, currency: str | None = None) -> str:
    """12345678, "USD" → "123,456.78 USD". None stays an em dash."""
    if value is None or value == "":
        return "—"
    digits = minor_unit_digits(currency)
    amount = int(value)
    sign = "-" if amount < 0 else ""
    whole, fraction = divmod(abs(amount), 10**digits) if digits else (abs(amount), 0)
    text = f"{sign}{intcomma(whole)}" + (f".{fraction:0{digits}d}" if digits else "")
    return f"{text} {currency}" if currency else text


@register.filter
def money_short(value, currency: str | None = None) -> str:
    """Compact amounts for chart labels: 1234567 cents → "12.3k"."""
    if value is None:
        return "—"
    units = int(value) / 10 ** minor_unit_digits(currency)
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(units) >= threshold:
            return f"{units / threshold:.1f}{suffix}"
    return f"{units:.0f}"


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
    """A code as words: "pending_enrollment" → "Pending enrollment"; empty → "—"."""
    if value in (None, ""):
        return "—"
    return str(value).replace("_", " ").replace(".", " ").capitalize()


@register.inclusion_tag("staff/_badge.html")
def badge(value, empty: str = "—"):
    """A status pill whose colour follows the value (CSS class `badge--<value>`)."""
    return {"value": value, "empty": empty}


@register.filter
def as_json(value) -> str:
    """Pretty JSON for payloads and custom data (autoescaped by the template like any string)."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False, default=str)
