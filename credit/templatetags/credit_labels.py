"""Credit's words for the staff pages: `{% load credit_labels %}`, then
`{% badge customer.net_terms_status|net_terms_shown:customer.credit_status "Not offered" %}` (credit.vocabulary
decides), and the figures of a customer row's credit columns."""

from datetime import datetime

from django import template
from django.utils import timezone

from credit.vocabulary import net_terms_shown as shown

register = template.Library()


@register.filter
def net_terms_shown(net_terms_status: str | None, credit_status: str | None) -> str | None:
    """An "enrolled" customer reads "suspended" while the credit is on hold and "closed" once it is deactivated."""
    return shown(net_terms_status, credit_status)


@register.filter
def used_of_line(customer) -> float | None:
    """A customer row's credit used ÷ credit line in its credit currency (the list's utilisation sort), None without
    a line."""
    used, available, reserved = customer.credit_used, customer.credit_available, customer.credit_reserved
    if used is None or available is None or reserved is None:
        return None
    limit = used + available + reserved
    return used / limit if limit else 0.0


@register.filter
def days_past_due(due_at: datetime | None) -> int | None:
    """Whole days past a due date (the oldest unpaid purchase's), None when nothing is past due."""
    if due_at is None:
        return None
    now = timezone.now()
    return (now - due_at).days if due_at < now else None
