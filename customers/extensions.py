"""What a higher layer adds to every customer, without customers importing it.

Credit builds on customers (a customer's credit account, balances and enrollment link), yet a customer's wire shape
(API, events, exports) and its list filters show credit fields. The dependency is inverted here: customers declares
what an extension provides, a higher app registers one from its AppConfig.ready, and the customers selectors,
presenters and services ask the registry (the FilterSet takes its filters at registration). Imports: core, and
customers.models and customers.filters (below it; selectors, presenters and services are above it).

An extension provides:
- `load(queryset)`: the queryset with what `fields` reads selected into the same query (annotations), so a page of
  customers costs one query whatever the extensions;
- `fields(customer)`: its fields on the wire shape, read from what `load` selected (never a query of its own);
- `empty()`: the same fields for a customer that has nothing of the extension yet (one just created);
- `filters`: django-filter filters it adds to the customer FilterSet (the API's query parameters, the staff list's
  filter form and the CSV export all use that one FilterSet);
- `customer_saved(customer, changed)`: called in the transaction of a customers service that changed these fields
  of an existing customer, so the extension keeps what it derives from them in step;
- `orderings`: sort keys it adds to the staff customer list, by name (`exposure[DESC]`), each a `CustomerOrdering`:
  a function that annotates a customer queryset with that name, never NULL (keyset pagination compares it, with the
  id as tie-break), the sort menu's two choices, and the direction a column header's first click sorts in.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Protocol

import django_filters
from django.db.models import QuerySet

from customers.filters import CustomerFilterSet
from customers.models import Customer


@dataclass(frozen=True)
class CustomerOrdering:
    annotate: Callable[[QuerySet[Customer]], QuerySet[Customer]]
    choices: tuple[tuple[str, str], ...]
    first: str  # "ASC" or "DESC"


class CustomerExtension(Protocol):
    filters: Mapping[str, django_filters.Filter]
    orderings: Mapping[str, "CustomerOrdering"]

    def load(self, queryset: QuerySet[Customer]) -> QuerySet[Customer]: ...

    def fields(self, customer: Customer) -> dict: ...

    def empty(self) -> dict: ...

    def customer_saved(self, customer: Customer, changed: Collection[str]) -> None: ...


_extensions: list[CustomerExtension] = []


def register(extension: CustomerExtension) -> None:
    """Called once by the extending app's AppConfig.ready, before any request."""
    _extensions.append(extension)
    CustomerFilterSet.extend(extension.filters)


def extensions() -> tuple[CustomerExtension, ...]:
    return tuple(_extensions)


def load(queryset: QuerySet[Customer]) -> QuerySet[Customer]:
    for extension in _extensions:
        queryset = extension.load(queryset)
    return queryset


def fields(customer: Customer) -> dict:
    result: dict = {}
    for extension in _extensions:
        result.update(extension.fields(customer))
    return result


def empty_fields() -> dict:
    result: dict = {}
    for extension in _extensions:
        result.update(extension.empty())
    return result


def customer_saved(customer: Customer, changed: Collection[str]) -> None:
    for extension in _extensions:
        extension.customer_saved(customer, changed)


def orderings() -> dict[str, CustomerOrdering]:
    """The sort keys the extensions add to the customer list."""
    return {name: ordering for extension in _extensions for name, ordering in extension.orderings.items()}


def with_ordering(queryset: QuerySet[Customer], field: str) -> QuerySet[Customer]:
    """The queryset annotated with an extension's sort key `field`; unchanged for the customer's own fields."""
    for extension in _extensions:
        if field in extension.orderings:
            return extension.orderings[field].annotate(queryset)
    return queryset
