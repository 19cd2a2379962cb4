"""Input validation for the credit API. The serializers hold the wire format (JSON types, money as strings, field
lengths); the services still validate the values and decide everything else.

Money on the wire is a string of ASCII digits in minor units (`"125000"`), as in every response: JSON numbers lose
precision past 2^53 in many clients, so credit transaction and repayment amounts refuse a JSON number. The one
exception is the credit check's `amount_requested`, which also takes a JSON integer, as Resolve's API (and the
integrations written for it) send it."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.api.serializers import StrictInputSerializer
from core.money import (
    CURRENCY_CODE_PATTERN,
    MAX_AMOUNT,
    WIRE_AMOUNT_PATTERN,
    parse_wire_amount,
    validate_amount,
    validate_currency_code,
)

AMOUNT_EXAMPLE = "125000"


def _money(parse, value):
    """core.money's verdict, as DRF reports field errors."""
    try:
        return parse(value)
    except ValidationError as error:
        raise serializers.ValidationError(error.messages, code=error.code) from None


@extend_schema_field({"type": "string", "pattern": WIRE_AMOUNT_PATTERN, "examples": [AMOUNT_EXAMPLE]})
class AmountField(serializers.Field):
    """A positive amount in minor units, sent as a string of digits (core.money.parse_wire_amount)."""

    def to_internal_value(self, data) -> int:
        return _money(parse_wire_amount, data)

    def to_representation(self, value):
        return str(value)


@extend_schema_field(
    {
        "oneOf": [
            {"type": "integer", "minimum": 1, "maximum": MAX_AMOUNT},
            {"type": "string", "pattern": WIRE_AMOUNT_PATTERN},
        ],
        "examples": [50000],
    }
)
class RequestedAmountField(AmountField):
    """Like AmountField, but a JSON integer is accepted too."""

    default_error_messages = {"invalid": "Must be an integer in minor units, or a string of digits."}

    def to_internal_value(self, data) -> int:
        # JSON Schema counts 50000.0 as an integer, so the server does too (exact: MAX_AMOUNT < 2^53).
        if isinstance(data, float) and data.is_integer():
            data = int(data)
        if isinstance(data, int) and not isinstance(data, bool):
            return _money(validate_amount, data)
        try:
            return parse_wire_amount(data)
        except ValidationError as error:
            if error.code == "invalid":
                self.fail("invalid")
            raise serializers.ValidationError(error.messages, code=error.code) from None


@extend_schema_field({"type": "string", "pattern": f"^{CURRENCY_CODE_PATTERN}$", "examples": ["USD"]})
class CurrencyCodeField(serializers.Field):
    """An ISO 4217 code of core.money's table, exactly: no surrounding spaces, no lower case, no code the standard
    does not define minor units for."""

    def to_internal_value(self, data) -> str:
        return _money(validate_currency_code, data)

    def to_representation(self, value):
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
    customer_user_id = serializers.RegexField(
        r"^ctu_[0-9a-z]{26}$",
        required=False,
        allow_null=True,
        error_messages={"invalid": "Must be a customer user id (ctu_ and 26 lowercase letters or digits)."},
        help_text="The buyer: an active user of this customer. Optional; kept on the transaction.",
    )


def _reason() -> serializers.CharField:
    return serializers.CharField(
        max_length=2000, trim_whitespace=False, help_text="Why: kept on the credit decision and the ledger entry."
    )


class CreditLineGrantInput(StrictInputSerializer):
    currency_code = CurrencyCodeField(help_text="ISO 4217; not the customer's credit currency, which has its line.")
    credit_limit = AmountField(help_text="The line, in minor units of that currency, as a string of digits.")
    reason = _reason()


class CreditLineUpdateInput(StrictInputSerializer):
    credit_limit = AmountField(
        help_text="The whole new line (available + reserved + used), in minor units; not below what is reserved and "
        "used. To end a line in another currency, close it."
    )
    reason = _reason()


class CreditLineCloseInput(StrictInputSerializer):
    reason = _reason()


class CreditRepaymentInput(StrictInputSerializer):
    amount = AmountField(help_text="Minor units, as a string of digits, in the credit transaction's currency.")


class EmptyInput(StrictInputSerializer):
    """No body, or `{}`: any field is refused."""
