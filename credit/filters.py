"""One FilterSet per credit resource, serving the API's query parameters (and any staff page that lists the same
rows), so each filter is parsed and validated once."""

import django_filters
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from core.money import CURRENCY_CODE_PATTERN, CURRENCY_CODES
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


def currency_codes_validator(value: str) -> None:
    if not all(code in CURRENCY_CODES for code in value.split(",")):
        raise ValidationError("Comma-separated ISO 4217 currency codes, such as USD,EUR.", code="invalid")


class CurrencyCodesFilter(django_filters.CharFilter):
    """`?currency_code=USD,EUR`: comma-separated codes of core.money's ISO 4217 table, validated as a whole and taken
    as sent (no stripping), so that a typo (`USD,`, `usd`, ` USD`, `EURO`, `XYZ`) is a 400 rather than a filter that
    silently matches nothing or everything."""

    # The shape; the table decides which codes exist. Empty means "not given", as for every filter.
    openapi_pattern = rf"^({CURRENCY_CODE_PATTERN}(,{CURRENCY_CODE_PATTERN})*)?$"

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("help_text", "Comma-separated ISO 4217 currency codes, such as `USD,EUR`.")
        super().__init__(*args, validators=[currency_codes_validator], strip=False, **kwargs)

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
