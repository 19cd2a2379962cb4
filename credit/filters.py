"""One FilterSet per credit resource, serving the API's query parameters (and any staff page that lists the same
rows), so each filter is parsed and validated once."""

import django_filters
from django.core.validators import RegexValidator
from django.db.models import QuerySet

from credit.models import (
    CreditBalance,
    CreditDecision,
    CreditLedgerEntry,
    CreditTransaction,
    CreditTransactionStatus,
    DecisionType,
    LedgerEntryType,
)
from customers.filters import ChoiceInFilter, FilterSet

# Empty means "not given", as for every filter.
CURRENCY_CODES_PATTERN = r"^([A-Z]{3}(,[A-Z]{3})*)?$"


class CurrencyCodesFilter(django_filters.CharFilter):
    """`?currency_code=USD,EUR`: comma-separated ISO 4217 codes, upper case, validated as a whole so that a typo
    (`USD,`, `usd`, `EURO`) is a 400 rather than a filter that silently matches nothing."""

    openapi_pattern = CURRENCY_CODES_PATTERN

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", "Comma-separated ISO 4217 currency codes, such as `USD,EUR`.")
        validator = RegexValidator(CURRENCY_CODES_PATTERN, "Comma-separated ISO 4217 currency codes, such as USD,EUR.")
        super().__init__(*args, validators=[validator], **kwargs)

    def filter(self, qs: QuerySet, value: str) -> QuerySet:
        return qs.filter(**{f"{self.field_name}__in": value.split(",")}) if value else qs


class CreditBalanceFilterSet(FilterSet):
    currency_code = CurrencyCodesFilter(field_name="currency_code")

    class Meta:
        model = CreditBalance
        fields: list[str] = []


class CreditDecisionFilterSet(FilterSet):
    decision = ChoiceInFilter(choices=DecisionType.choices, help_text="Comma-separated.")

    class Meta:
        model = CreditDecision
        fields: list[str] = []


class CreditTransactionFilterSet(FilterSet):
    status = ChoiceInFilter(choices=CreditTransactionStatus.choices, help_text="Comma-separated; default: all.")
    currency_code = CurrencyCodesFilter(field_name="currency_code")

    class Meta:
        model = CreditTransaction
        fields: list[str] = []


class LedgerEntryFilterSet(FilterSet):
    currency_code = CurrencyCodesFilter(field_name="currency_code")
    entry_type = ChoiceInFilter(choices=LedgerEntryType.choices, help_text="Comma-separated.")

    class Meta:
        model = CreditLedgerEntry
        fields: list[str] = []
