"""Credit's words for the staff pages: `{% load credit_labels %}`, then
`{% badge customer.net_terms_status|net_terms_shown:customer.credit_status "Not offered" %}` (credit.vocabulary
decides)."""

from django import template

from credit.vocabulary import net_terms_shown as shown

register = template.Library()


@register.filter
def net_terms_shown(net_terms_status: str | None, credit_status: str | None) -> str | None:
    """An "enrolled" customer reads "suspended" while the credit is on hold and "closed" once it is deactivated."""
    return shown(net_terms_status, credit_status)
