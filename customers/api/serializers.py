"""Input validation for the customers API. Field rules come from the models (ModelSerializer), so the API, the
staff forms and the admin refuse the same things; services still run `full_clean()` as the last word."""

from django.core.exceptions import ValidationError
from drf_spectacular.utils import PolymorphicProxySerializer, extend_schema_field
from rest_framework import serializers

from core.api.serializers import JsonDocumentField, StrictInputSerializer
from core.countries import COUNTRY_CODES, validate_country_code
from customers.api.outputs import PAYMENT_REMINDERS_HELP
from customers.models import ADDRESS_FIELDS, BankAccountType, Customer, CustomerUser, last4_validator
from customers.services import CUSTOMER_USER_WRITABLE_FIELDS, CUSTOMER_WRITABLE_FIELDS

# Clearable text fields: null is accepted and stored as "" (the presenters show "" as null, so a client can send
# back what it read).
_CUSTOMER_TEXT = (
    "name",
    "legal_name",
    "ein",
    *ADDRESS_FIELDS,
)


def _email(*, required: bool) -> dict:
    """The serializer's EmailField checks the address itself; the model field's validator (core.validation's
    compiled EmailValidator, which DRF does not recognise as Django's own) would report it a second time."""
    return {"required": required, "validators": []}


@extend_schema_field(
    {
        "type": "string",
        "enum": [*sorted(COUNTRY_CODES), "", None],
        "description": 'ISO 3166-1 alpha-2 (`US`); null or "" clears it.',
    }
)
class CountryCodeField(serializers.CharField):
    """The model's field (and its validator, core.countries), described with the standard's codes as an enum."""


class CustomerInput(StrictInputSerializer, serializers.ModelSerializer):
    country = CountryCodeField(
        max_length=2, required=False, allow_blank=True, allow_null=True, validators=[validate_country_code]
    )
    custom_data = JsonDocumentField(required=False, allow_null=True, help_text="Your own key/value data.")
    import_meta = JsonDocumentField(required=False, allow_null=True, help_text="Where the record came from.")

    class Meta:
        model = Customer
        fields = CUSTOMER_WRITABLE_FIELDS
        extra_kwargs = {
            "email": _email(required=True),
            # An empty string is not a term; null clears it.
            "default_terms": {"allow_blank": False},
            **{name: {"allow_null": True} for name in _CUSTOMER_TEXT},
        }


class CustomerUpdateInput(CustomerInput):
    """PUT and PATCH: any writable field, none required; `status` archives or restores."""

    class Meta(CustomerInput.Meta):
        fields = (*CUSTOMER_WRITABLE_FIELDS, "status")
        extra_kwargs = {**CustomerInput.Meta.extra_kwargs, "email": _email(required=False)}


class CustomerUserInput(StrictInputSerializer, serializers.ModelSerializer):
    class Meta:
        model = CustomerUser
        fields = ("email", "first_name", "last_name", "payment_reminders", "role")
        extra_kwargs = {
            "email": _email(required=True),
            "first_name": {"allow_null": True},
            "last_name": {"allow_null": True},
            "payment_reminders": {"help_text": PAYMENT_REMINDERS_HELP},
            "role": {
                "required": False,
                "help_text": "`admin` or `member`. Not given: `admin` when the customer has no active admin yet, "
                "else `member`.",
            },
        }


class CustomerUserUpdateInput(CustomerUserInput):
    class Meta(CustomerUserInput.Meta):
        fields = CUSTOMER_USER_WRITABLE_FIELDS
        extra_kwargs = {
            **CustomerUserInput.Meta.extra_kwargs,
            "email": _email(required=False),
            "role": {"required": False, "help_text": "`admin` or `member`."},
        }


class CardInput(StrictInputSerializer):
    brand = serializers.CharField(max_length=32, required=False, allow_blank=True, allow_null=True)
    last4 = serializers.CharField(min_length=4, max_length=4, validators=[last4_validator])
    exp_month = serializers.IntegerField(min_value=1, max_value=12)
    exp_year = serializers.IntegerField(min_value=2000, max_value=2100)


class BankAccountInput(StrictInputSerializer):
    type = serializers.ChoiceField(choices=BankAccountType.choices)
    last4 = serializers.CharField(min_length=4, max_length=4, validators=[last4_validator])
    bank_name = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)


class _PaymentMethodInput(StrictInputSerializer):
    # Where each service field sits in the body, when it is nested (the service's errors name the body's place).
    wire_fields: dict[str, str] = {}

    @classmethod
    def errors_on_the_wire(cls, error: ValidationError) -> ValidationError:
        if not hasattr(error, "error_dict"):
            return error
        return ValidationError(
            {cls.wire_fields.get(name, name): messages for name, messages in error.message_dict.items()}
        )

    provider_token = serializers.CharField(max_length=255, help_text="The payment provider's token, e.g. tok_…")
    provider = serializers.CharField(max_length=64, required=False, allow_blank=True, allow_null=True)
    is_default = serializers.BooleanField(
        required=False, help_text="Make it the default. A customer's first method is always the default."
    )


class CardPaymentMethodInput(_PaymentMethodInput):
    type = serializers.ChoiceField(choices=["card"])
    card = CardInput()
    wire_fields = {
        "last4": "card.last4",
        "card_brand": "card.brand",
        "exp_month": "card.exp_month",
        "exp_year": "card.exp_year",
    }

    @staticmethod
    def service_fields(data: dict) -> dict:
        card = data["card"]
        return {
            "type": "card",
            "provider_token": data["provider_token"],
            "provider": data.get("provider") or "",
            "last4": card["last4"],
            "card_brand": card.get("brand") or "",
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
        }


class BankAccountPaymentMethodInput(_PaymentMethodInput):
    type = serializers.ChoiceField(choices=["bank_account"])
    bank_account = BankAccountInput()
    wire_fields = {
        "last4": "bank_account.last4",
        "bank_account_type": "bank_account.type",
        "bank_name": "bank_account.bank_name",
    }

    @staticmethod
    def service_fields(data: dict) -> dict:
        account = data["bank_account"]
        return {
            "type": "bank_account",
            "provider_token": data["provider_token"],
            "provider": data.get("provider") or "",
            "last4": account["last4"],
            "bank_account_type": account["type"],
            "bank_name": account.get("bank_name") or "",
        }


PAYMENT_METHOD_INPUTS = {"card": CardPaymentMethodInput, "bank_account": BankAccountPaymentMethodInput}

PaymentMethodInput = PolymorphicProxySerializer(
    component_name="PaymentMethodInput",
    serializers=PAYMENT_METHOD_INPUTS,
    resource_type_field_name="type",
)
