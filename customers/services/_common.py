"""What the customers services share: refusing unknown fields, and refusing changes to an archived customer."""

import functools
from collections.abc import Collection

from django.core.exceptions import ValidationError

from core.errors import CustomerArchived
from customers.models import Customer


def reject_unknown(data: Collection[str], allowed: tuple[str, ...]) -> None:
    if unknown := set(data) - _as_set(allowed):
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})


_as_set = functools.cache(frozenset)  # the allowed names, once per tuple (a bulk import checks every row)


def ensure_active(customer: Customer) -> None:
    if customer.is_archived:
        raise CustomerArchived(customer.id)
