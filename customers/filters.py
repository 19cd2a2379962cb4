"""One FilterSet per resource: it serves the API's query parameters, the staff list page's filter form and the
CSV export, so filtering is written once."""

from datetime import UTC

import django_filters
from django import forms
from django.db import connection
from django.db.models import Q, QuerySet
from django_filters.fields import BaseCSVField

from customers.models import (
    CreditStatus,
    Customer,
    CustomerStatus,
    CustomerUser,
    CustomerUserStatus,
    NetTermsStatus,
    PaymentMethod,
    PaymentMethodType,
)


class FilterSet(django_filters.FilterSet):
    """Builds its form class once per FilterSet class. django-filter rebuilds the class, every field and label
    included, on each instance, which cost more than the list query itself on the API's hot path. Safe because
    these filters never depend on the request; each form instance still gets its own copies of the fields."""

    _form_classes: dict[type, type] = {}

    def get_form_class(self):
        form_class = FilterSet._form_classes.get(type(self))
        if form_class is None:
            form_class = FilterSet._form_classes[type(self)] = super().get_form_class()
        return form_class


class UtcIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An RFC 3339 / ISO 8601 timestamp with any offset, cleaned to UTC. A valid timestamp can leave the range
    of dates in UTC (`0001-01-01T00:00:00+01:00`): that is a bad value, not a 500."""

    def clean(self, value):
        cleaned = super().clean(value)
        if cleaned is None:
            return cleaned
        try:
            return cleaned.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Out of range once converted to UTC.", code="out_of_range") from None


class UtcDateTimeFilter(django_filters.IsoDateTimeFilter):
    """RFC 3339 / ISO 8601 with any offset, queried in UTC: PostgreSQL refuses offsets beyond ±15:59, which
    RFC 3339 allows (up to ±23:59)."""

    field_class = UtcIsoDateTimeField


class CharInFilter(django_filters.BaseInFilter, django_filters.CharFilter):
    """Comma-separated values: `?id=ctm_a,ctm_b`."""


class NoEmptyMemberCSVField(BaseCSVField):
    """Refuses an empty member (`active,` or `a,,b`), as the OpenAPI pattern of a comma-separated filter does: the
    server accepts exactly what its schema says."""

    def clean(self, value):
        if value and "" in value:
            raise forms.ValidationError("Comma-separated values, none of them empty.", code="empty_member")
        return super().clean(value)


class ChoiceInFilter(django_filters.BaseInFilter, django_filters.ChoiceFilter):
    """Comma-separated values, each validated against the choices."""

    base_field_class = NoEmptyMemberCSVField


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
    credit_status = ChoiceInFilter(choices=CreditStatus.choices, help_text="Comma-separated.")
    net_terms_status = ChoiceInFilter(choices=NetTermsStatus.choices, help_text="Comma-separated.")
    created_at_start = UtcDateTimeFilter(field_name="created_at", lookup_expr="gte", help_text="RFC 3339, inclusive.")
    created_at_end = UtcDateTimeFilter(field_name="created_at", lookup_expr="lt", help_text="RFC 3339, exclusive.")
    # Last: filters apply in this order, so the search (and its typo fallback) sees only rows the others kept.
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
