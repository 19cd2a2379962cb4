"""What `customers/presenters.py` returns, described for the OpenAPI schema (documentation only: the presenters
stay the single source of the wire shape; tests/api/test_schema.py fails if the two disagree). The fields an
extension adds to a customer (credit's) are described by that extension, through `extend_customer_out`."""

from collections.abc import Mapping

from rest_framework import serializers

from core.api.serializers import OutputSerializer
from customers.models import (
    BankAccountType,
    CustomerStatus,
    CustomerUserRole,
    CustomerUserStatus,
    PaymentMethodType,
    Terms,
)

MONEY = r"^\d+$"
PAYMENT_REMINDERS_HELP = (
    "Whether payment reminders (before and after each due date) are emailed to this user; true by default. The user"
    " can also opt out through the link in every reminder. Notices of a credit hold and of its end are sent either"
    " way."
)


def _id(prefix: str) -> serializers.RegexField:
    return serializers.RegexField(rf"^{prefix}_[0-9a-z]{{26}}$")


def _text() -> serializers.CharField:
    return serializers.CharField(allow_null=True, allow_blank=True)


def _money() -> serializers.RegexField:
    return serializers.RegexField(MONEY, allow_null=True, help_text="Minor units, as a string.")


class CustomerOut(OutputSerializer):
    id = _id("ctm")
    email = serializers.EmailField()
    name = _text()
    legal_name = _text()
    locale = serializers.CharField()
    external_id = _text()
    ein = _text()
    street_address = _text()
    sub_premise = _text()
    city = _text()
    state = _text()
    postal_code = _text()
    country = serializers.CharField(allow_null=True, allow_blank=True, help_text="ISO 3166-1 alpha-2.")
    status = serializers.ChoiceField(choices=CustomerStatus.choices)
    archived_at = serializers.DateTimeField(allow_null=True)
    default_terms = serializers.ChoiceField(choices=Terms.choices, allow_null=True)
    default_payment_method_id = serializers.RegexField(r"^paymtd_[0-9a-z]{26}$", allow_null=True)
    marketing_consent = serializers.BooleanField()
    custom_data = serializers.DictField(allow_null=True)
    import_meta = serializers.DictField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


def extend_customer_out(fields: Mapping[str, serializers.Field]) -> None:
    """Describe the fields an extension adds to the customer's wire shape (customers.extensions), where the presenter
    puts them: after `archived_at`. Called from the extending app's AppConfig.ready."""
    declared = list(CustomerOut._declared_fields.items())
    at = [name for name, _ in declared].index("archived_at") + 1
    CustomerOut._declared_fields = dict([*declared[:at], *fields.items(), *declared[at:]])


class CustomerUserOut(OutputSerializer):
    id = _id("ctu")
    customer_id = _id("ctm")
    email = serializers.EmailField()
    first_name = _text()
    last_name = _text()
    status = serializers.ChoiceField(choices=CustomerUserStatus.choices)
    payment_reminders = serializers.BooleanField(help_text=PAYMENT_REMINDERS_HELP)
    role = serializers.ChoiceField(
        choices=CustomerUserRole.choices,
        help_text="`admin` also invites and removes the company's users in the buyer portal; `member` does not.",
    )
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CardOut(OutputSerializer):
    brand = _text()
    last4 = serializers.RegexField(r"^\d{4}$")
    exp_month = serializers.IntegerField(min_value=1, max_value=12)
    exp_year = serializers.IntegerField()


class BankAccountOut(OutputSerializer):
    type = serializers.ChoiceField(choices=BankAccountType.choices)
    last4 = serializers.RegexField(r"^\d{4}$")
    bank_name = _text()


class PaymentMethodOut(OutputSerializer):
    """`card` for cards, `bank_account` for bank accounts; never the provider token."""

    id = _id("paymtd")
    customer_id = _id("ctm")
    type = serializers.ChoiceField(choices=PaymentMethodType.choices)
    provider = _text()
    is_default = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    card = CardOut(required=False)
    bank_account = BankAccountOut(required=False)
