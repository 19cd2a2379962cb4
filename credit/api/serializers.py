"""Input validation for the credit API. The serializers hold the wire format (JSON types, money as strings, field
lengths); the services still validate the values and decide everything else.

Money on the wire is a string of ASCII digits in minor units (`"125000"`), as in every response: JSON numbers lose
precision past 2^53 in many clients, so credit transaction and repayment amounts refuse a JSON number. The one
exception is the credit check's `amount_requested`, which also takes a JSON integer, as Resolve's API (and the
integrations written for it) send it."""

import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import StrictInputSerializer
from credit.services._common import MAX_AMOUNT

_DIGITS = len(str(MAX_AMOUNT)) - 1
if MAX_AMOUNT != 10**_DIGITS:
    raise RuntimeError("AMOUNT_PATTERN spells MAX_AMOUNT as a power of ten")
# 1 to MAX_AMOUNT, no sign, no leading zero: exactly what AmountField accepts.
AMOUNT_PATTERN = rf"^([1-9][0-9]{{0,{_DIGITS - 1}}}|{MAX_AMOUNT})$"
AMOUNT_EXAMPLE = "125000"
CURRENCY_PATTERN = r"^[A-Z]{3}$"


@extend_schema_field({"type": "string", "pattern": AMOUNT_PATTERN, "examples": [AMOUNT_EXAMPLE]})
class AmountField(serializers.Field):
    """A positive amount in minor units, sent as a string of digits."""

    default_error_messages = {
        "invalid": f'Must be a string of digits in minor units, such as "{AMOUNT_EXAMPLE}".',
        "leading_zero": "Must not start with 0.",
        "min_value": "Must be at least 1.",
        "max_value": f"Must be at most {MAX_AMOUNT}.",
    }

    def to_internal_value(self, data) -> int:
        if not isinstance(data, str) or not re.fullmatch(r"[0-9]+", data):
            self.fail("invalid")
        return self.in_range(data)

    def in_range(self, digits: str) -> int:
        if len(digits) > 1 and digits.startswith("0"):
            self.fail("leading_zero")
        amount = int(digits)
        if amount < 1:
            self.fail("min_value")
        if amount > MAX_AMOUNT:
            self.fail("max_value")
        return amount

    def to_representation(self, value):
        return str(value)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_AMOUNT},
            {"type": "string", "pattern": AMOUNT_PATTERN},
        ],
        "examples": [50000],
    }
)
class RequestedAmountField(AmountField):
    """Like AmountField, but a JSON integer is accepted too."""

    default_error_messages = {
        **AmountField.default_error_messages,
        "invalid": "Must be an integer in minor units, or a string of digits.",
    }

    def to_internal_value(self, data) -> int:
        # JSON Schema counts 50000.0 as an integer, so the server does too (exact: MAX_AMOUNT < 2^53).
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if isinstance(data, int) and not isinstance(data, bool):
            if data < 1:
                self.fail("min_value")
            return self.in_range(str(data))
        return super().to_internal_value(data)


@extend_schema_field({"type": "string", "pattern": CURRENCY_PATTERN, "examples": ["USD"]})
class CurrencyCodeField(serializers.CharField):
    """An ISO 4217 code in capitals, exactly: no surrounding spaces, no lower case."""

    default_error_messages = {"invalid": "Enter an ISO 4217 currency code in capitals, such as USD."}

    def __init__(self, **kwargs):
        super().__init__(trim_whitespace=False, **kwargs)

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        if not re.fullmatch(r"[A-Z]{3}", value):
            self.fail("invalid")
        return value


def _text(max_length: int, help_text: str = "") -> serializers.CharField:
    # Taken as sent (no trimming), so the documented maxLength is exactly the limit.
    return serializers.CharField(
        max_length=max_length,
        required=False,
        allow_blank=True,
        allow_null=True,
        trim_whitespace=False,
        help_text=help_text or None,
    )


class CreditCheckInput(StrictInputSerializer):
    amount_requested = RequestedAmountField(help_text="The credit line asked for, in minor units of USD.")
    has_purchase_history = serializers.BooleanField(help_text="Has the customer bought from you before?")
    has_purchase_terms_history = serializers.BooleanField(
        required=False, allow_null=True, help_text="Has the customer bought from you on terms before?"
    )
    business_description = _text(500, "What the business does.")


class CreditTransactionInput(StrictInputSerializer):
    amount = AmountField(help_text="Minor units, as a string of digits.")
    currency_code = CurrencyCodeField(help_text="ISO 4217; credit is spent from the customer's balance in it.")
    reference = _text(255, "Your order or invoice number.")
    description = _text(1000)


class CreditRepaymentInput(StrictInputSerializer):
    amount = AmountField(help_text="Minor units, as a string of digits, in the credit transaction's currency.")


class EmptyInput(StrictInputSerializer):
    """No body, or `{}`: any field is refused."""
