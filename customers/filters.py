"""One FilterSet per customers resource: it serves the API's query parameters, the staff list page's filter form and
the CSV export, so filtering is written once. Credit adds its own customer filters (credit status, net terms) through
customers.extensions. Imports: core and customers.models."""

import django_filters
from django.db import connection
from django.db.models import Q, QuerySet

from core.filters import CharInFilter, ChoiceInFilter, FilterSet, UtcDateTimeFilter
from customers.models import (
    Customer,
    CustomerStatus,
    CustomerUser,
    CustomerUserStatus,
    PaymentMethod,
    PaymentMethodType,
)


def search_condition(term: str) -> Q:
    """Substring search over name, legal name, email, external id and id, served by one trigram index on
    PostgreSQL: the index finds the few rows holding every trigram of the term, and only those are read."""
    term = term.strip().lower()
    return Q(search_document__contains=term) | Q(id=term)


def fuzzy_search_condition(term: str) -> Q:
    """Rows with a word similar to the term (trigram word similarity): what a typo still finds. Several times the
    cost of `search_condition` on the same index (every posting list of the term's trigrams is read), so
    `customer_search` asks it only when no row contains the term itself."""
    return Q(search_document__trigram_word_similar=term.strip().lower())


def customer_search(queryset: QuerySet, term: str) -> QuerySet:
    """Customers containing the term; when none does (a typo: “roasterz”), those with a similar word instead."""
    matching = queryset.filter(search_condition(term))
    if connection.vendor != "postgresql" or len(term.strip()) < 3 or matching.exists():
        return matching
    return queryset.filter(fuzzy_search_condition(term))


class CustomerFilterSet(FilterSet):
    status = ChoiceInFilter(choices=CustomerStatus.choices, help_text="Comma-separated; default `active`.")
    id = CharInFilter(field_name="id", help_text="Comma-separated customer ids.")
    email = CharInFilter(method="filter_email", help_text="Comma-separated exact email addresses.")
    company_name = django_filters.CharFilter(field_name="name", lookup_expr="icontains")
    external_id = django_filters.CharFilter(field_name="external_id")
    created_at_start = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="RFC 3339, inclusive.")
    created_at_end = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt", help_text="RFC 3339, exclusive.")
    # Last, even after filters other apps add: filters apply in this order, so the search (and its typo fallback)
    # sees only rows the others kept.
    last_filters = ("search",)
    search = django_filters.CharFilter(
        method="filter_search",
        help_text="Name, legal name, email, id, external id: rows containing the term, or, when none does, rows "
        "with a similar word (typos).",
    )

    class Meta:
        model = Customer
        fields: list[str] = []

    def filter_email(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(email__in=[item.strip().lower() for item in value])

    def filter_search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return customer_search(queryset, value) if value.strip() else queryset

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if not self.form.cleaned_data.get("status"):
            queryset = queryset.filter(status=CustomerStatus.ACTIVE)
        return super().filter_queryset(queryset)


class CustomerUserFilterSet(FilterSet):
    id = CharInFilter(field_name="id", help_text="Comma-separated customer user ids.")
    email = CharInFilter(method="filter_email", help_text="Comma-separated exact email addresses.")
    status = ChoiceInFilter(choices=CustomerUserStatus.choices, help_text="Comma-separated; default: all.")

    class Meta:
        model = CustomerUser
        fields: list[str] = []

    def filter_email(self, queryset: QuerySet, name: str, value: list[str]) -> QuerySet:
        return queryset.filter(email__in=[item.strip().lower() for item in value])


class PaymentMethodFilterSet(FilterSet):
    id = CharInFilter(field_name="id", help_text="Comma-separated payment method ids.")
    type = ChoiceInFilter(choices=PaymentMethodType.choices, help_text="Comma-separated.")

    class Meta:
        model = PaymentMethod
        fields: list[str] = []
