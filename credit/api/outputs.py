"""What `credit/presenters.py` returns, described for the OpenAPI schema (documentation only: the presenters stay the
single source of the wire shape; tests/api/test_credit_schema.py fails if the two disagree)."""

from rest_framework import serializers

from core.api.serializers import OutputSerializer
from core.models import ActorType
from credit.models import CreditTransactionStatus, DecisionType, LedgerEntryType
from credit.vocabulary import CreditStatus, DeclineCode, HoldCode, NetTermsStatus
from customers.api.outputs import _id, _money, _text
from customers.models import Terms


def _currency(*, allow_null: bool = False, help_text: str = "ISO 4217.") -> serializers.RegexField:
    return serializers.RegexField(r"^[A-Z]{3}$", allow_null=allow_null, help_text=help_text)


def _amount(help_text: str = "Minor units, as a string.") -> serializers.RegexField:
    return serializers.RegexField(r"^\d+$", help_text=help_text)


def _signed_amount() -> serializers.RegexField:
    return serializers.RegexField(r"^-?\d+$", help_text="Minor units, as a string; negative when the bucket shrank.")


class BucketsOut(OutputSerializer):
    available = _amount()
    reserved = _amount()
    used = _amount()


class BucketDeltasOut(OutputSerializer):
    available = _signed_amount()
    reserved = _signed_amount()
    used = _signed_amount()


class CreditBalanceOut(OutputSerializer):
    """A customer's credit in one currency (Paddle's credit balance). The credit line is the sum of the buckets."""

    customer_id = _id("ctm")
    currency_code = _currency()
    balance = BucketsOut()


class CreditActorOut(OutputSerializer):
    """Who made a credit decision or ledger movement (the event log's actor also carries a label)."""

    type = serializers.ChoiceField(choices=ActorType.choices)
    id = serializers.CharField(allow_null=True, help_text="Staff user id or API client id; null for the system.")


class CreditDecisionOut(OutputSerializer):
    id = _id("cdc")
    customer_id = _id("ctm")
    credit_check_id = serializers.RegexField(r"^crc_[0-9a-z]{26}$", allow_null=True)
    decision = serializers.ChoiceField(choices=DecisionType.choices)
    amount = _money()
    currency_code = _currency(allow_null=True)
    default_terms = serializers.ChoiceField(choices=Terms.choices, allow_null=True)
    decline_code = serializers.ChoiceField(choices=DeclineCode.choices, allow_null=True)
    hold_code = serializers.ChoiceField(choices=HoldCode.choices, allow_null=True)
    reasons = serializers.ListField(child=serializers.CharField(allow_blank=True))
    score = serializers.IntegerField(allow_null=True, help_text="The scorecard's points out of 100 (engine only).")
    decided_by = CreditActorOut()
    created_at = serializers.DateTimeField()


class CreditTransactionOut(OutputSerializer):
    """A purchase on credit: `billed` (credit reserved) → `completed` (used, due at `due_at`) or `canceled`."""

    id = _id("ctx")
    customer_id = _id("ctm")
    customer_user_id = serializers.RegexField(
        r"^ctu_[0-9a-z]{26}$", allow_null=True, help_text="The buyer: the customer user who made the purchase, or null."
    )
    status = serializers.ChoiceField(choices=CreditTransactionStatus.choices)
    amount = _amount()
    amount_repaid = _amount()
    amount_outstanding = _amount("What is still owed, in minor units; 0 unless completed.")
    currency_code = _currency()
    reference = _text()
    description = _text()
    terms = serializers.ChoiceField(choices=Terms.choices, allow_null=True, help_text="Set from the customer's terms.")
    billed_at = serializers.DateTimeField()
    completed_at = serializers.DateTimeField(allow_null=True)
    canceled_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True, help_text="Completion plus the terms.")
    repaid_at = serializers.DateTimeField(allow_null=True, help_text="When the last of it was repaid.")
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class CreditRepaymentOut(OutputSerializer):
    id = _id("rpy")
    credit_transaction_id = _id("ctx")
    customer_id = _id("ctm")
    amount = _amount()
    currency_code = _currency(help_text="The credit transaction's currency.")
    created_at = serializers.DateTimeField()


class LedgerEntryOut(OutputSerializer):
    """One movement between a balance's buckets. Append-only: entries are never changed or removed, and a balance
    is always the sum of its entries' `delta`s."""

    id = _id("cle")
    customer_id = _id("ctm")
    currency_code = _currency()
    type = serializers.ChoiceField(choices=LedgerEntryType.choices)
    amount = serializers.RegexField(
        r"^-?\d+$", help_text="Minor units, as a string; negative only for a line_adjustment that lowers the line."
    )
    delta = BucketDeltasOut(help_text="How much each bucket moved.")
    balance_after = BucketsOut()
    credit_transaction_id = serializers.RegexField(r"^ctx_[0-9a-z]{26}$", allow_null=True)
    credit_decision_id = serializers.RegexField(r"^cdc_[0-9a-z]{26}$", allow_null=True)
    actor = CreditActorOut()
    reason = _text()
    created_at = serializers.DateTimeField()


# What credit adds to the customer object (credit.customer_fields), described for CustomerOut.
CUSTOMER_CREDIT_FIELDS = {
    "credit_status": serializers.ChoiceField(choices=CreditStatus.choices, allow_null=True),
    "credit_check_requested_at": serializers.DateTimeField(allow_null=True),
    "credit_limit": _money(),
    "credit_currency": serializers.CharField(allow_null=True, allow_blank=True, help_text="ISO 4217."),
    "amount_available": _money(),
    "amount_reserved": _money(),
    "amount_used": _money(),
    "decline_code": serializers.ChoiceField(choices=DeclineCode.choices, allow_null=True),
    "hold_code": serializers.ChoiceField(choices=HoldCode.choices, allow_null=True),
    "net_terms_status": serializers.ChoiceField(choices=NetTermsStatus.choices, allow_null=True),
    "net_terms_enrollment_url": serializers.URLField(allow_null=True),
    "net_terms_enrollment_expires_at": serializers.DateTimeField(allow_null=True),
}
