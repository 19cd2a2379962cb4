import pytest
from django.core.exceptions import ValidationError

from core.errors import ApplicationError
from core.models import Event
from credit.models import CreditDecision, CreditLedgerEntry
from credit.services import (
    credit_check_request,
    credit_deactivate,
    credit_hold,
    credit_line_update,
    credit_reinstate,
    credit_transaction_bill,
)
from customers.selectors import customer_get
from tests.credit.builders import (
    API,
    OFFICER,
    approved_customer,
    assert_customer_agrees_with_balance,
    buckets,
    completed_transaction,
)
from tests.factories import CustomerFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db


def test_line_increase_adds_available_credit_with_history():
    customer = approved_customer(limit=1_000_000)
    decision = credit_line_update(customer=customer, actor=OFFICER, credit_limit=1500000, reason="Paid on time")
    assert buckets(customer) == (1_500_000, 0, 0)
    assert (decision.decision, decision.amount, decision.currency_code, decision.reasons) == (
        "line_adjustment", 1_500_000, "USD", ["Paid on time"],
    )  # fmt: skip
    entry = CreditLedgerEntry.objects.get(decision=decision)
    assert (entry.entry_type, entry.amount, entry.reason, entry.actor_type) == ("line_adjustment", 500_000,
                                                                                 "Paid on time", "staff")  # fmt: skip
    event = Event.objects.filter(event_type="customer.line_amount_updated").last()
    assert (event.data["line"]["credit_limit"], event.data["line"]["previous_credit_limit"]) == ("1500000", "1000000")
    assert_customer_agrees_with_balance(customer)


def test_line_decrease_takes_only_available_credit():
    customer = approved_customer(limit=1_000_000)
    completed_transaction(customer, 300_000)
    credit_transaction_bill(customer=customer, actor=API, amount=200_000, currency_code="USD")
    credit_line_update(customer=customer, actor=OFFICER, credit_limit=500_000, reason="Exposure review")
    assert buckets(customer) == (0, 200_000, 300_000)
    assert CreditLedgerEntry.objects.filter(entry_type="line_adjustment").get().amount == -500_000
    assert_customer_agrees_with_balance(customer)


def test_line_cannot_go_below_what_is_reserved_or_used():
    customer = approved_customer(limit=1_000_000)
    completed_transaction(customer, 300_000)
    with pytest.raises(ValidationError) as error:
        credit_line_update(customer=customer, actor=OFFICER, credit_limit=299_999, reason="Too risky")
    assert error.value.message_dict == {
        "credit_limit": ["Cannot go below 3,000.00 USD: that much is reserved or used."]
    }
    assert buckets(customer) == (700_000, 0, 300_000)
    assert not CreditDecision.objects.filter(decision="line_adjustment").exists()


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"reason": "  "}, "reason"),
        ({"credit_limit": -1}, "credit_limit"),
        ({"credit_limit": 1_000_000}, "credit_limit"),
    ],
)
def test_line_update_needs_a_reason_and_a_new_non_negative_line(kwargs, field):
    customer = approved_customer(limit=1_000_000)
    values = {"credit_limit": 2_000_000, "reason": "Seasonal"} | kwargs
    with pytest.raises(ValidationError) as error:
        credit_line_update(customer=customer, actor=OFFICER, **values)
    assert list(error.value.message_dict) == [field]
    assert buckets(customer) == (1_000_000, 0, 0)


@pytest.mark.parametrize("status", [None, "pending", "deactivated"])
def test_line_update_needs_an_approved_account(status):
    customer = CustomerFactory()
    if status == "pending":
        credit_check_request(customer=customer, actor=API, amount_requested=100, has_purchase_history=True)
    if status == "deactivated":
        customer = approved_customer()
        credit_deactivate(customer=customer, actor=OFFICER)
    with pytest.raises(ApplicationError) as error:
        credit_line_update(customer=customer, actor=OFFICER, credit_limit=5, reason="x")
    assert (error.value.code, error.value.status) == ("invalid_credit_status", 409)


def test_line_can_change_while_on_hold():
    customer = approved_customer(limit=1_000)
    credit_hold(customer=customer, actor=OFFICER, hold_code="other")
    credit_line_update(customer=customer, actor=OFFICER, credit_limit=2_000, reason="Renegotiated")
    assert buckets(customer) == (2_000, 0, 0)


def test_officer_hold_records_code_decision_and_status_event():
    customer = approved_customer()
    decision = credit_hold(customer=customer, actor=OFFICER, hold_code="failed_payment", note="ACH returned R01")
    customer = reloaded(customer)
    assert (customer.credit_status, customer.hold_code) == ("hold", "failed_payment")
    assert (decision.decision, decision.hold_code, decision.reasons, decision.decided_by_type) == (
        "hold", "failed_payment", ["ACH returned R01"], "staff",
    )  # fmt: skip
    event = Event.objects.filter(event_type="customer.status_updated").last()
    assert (event.data["credit_status"], event.data["previous_credit_status"], event.data["hold_code"]) == (
        "hold", "approved", "failed_payment",
    )  # fmt: skip


def test_hold_needs_a_resolve_hold_code():
    customer = approved_customer()
    with pytest.raises(ValidationError) as error:
        credit_hold(customer=customer, actor=OFFICER, hold_code="grumpy")
    assert "hold_code" in error.value.message_dict
    assert customer_get(customer_id=customer.pk).credit_status == "approved"


@pytest.mark.parametrize("status", ["hold", "deactivated"])
def test_only_approved_accounts_can_be_put_on_hold(status):
    customer = approved_customer()
    (credit_deactivate(customer=customer, actor=OFFICER) if status == "deactivated"
     else credit_hold(customer=customer, actor=OFFICER, hold_code="other"))  # fmt: skip
    with pytest.raises(ApplicationError) as error:
        credit_hold(customer=customer, actor=OFFICER, hold_code="fraud")
    assert error.value.code == "invalid_credit_status"
    assert customer_get(customer_id=customer.pk).credit_status == status


@pytest.mark.parametrize("from_status", ["approved", "hold"])
def test_deactivation_keeps_balances_and_clears_the_hold_code(from_status):
    customer = approved_customer()
    completed_transaction(customer, 1_000)
    if from_status == "hold":
        credit_hold(customer=customer, actor=OFFICER, hold_code="fraud")
    decision = credit_deactivate(customer=customer, actor=OFFICER, note="Business closed")
    customer = reloaded(customer)
    assert (customer.credit_status, customer.hold_code, decision.decision) == ("deactivated", None, "deactivate")
    assert buckets(customer) == (999_000, 0, 1_000)
    assert_customer_agrees_with_balance(customer)


def test_deactivating_a_declined_customer_is_refused():
    customer = CustomerFactory(email="x@gmail.com")
    credit_check_request(customer=customer, actor=API, amount_requested=100, has_purchase_history=True)
    with pytest.raises(ApplicationError) as error:
        credit_deactivate(customer=customer, actor=OFFICER)
    assert error.value.code == "invalid_credit_status"


@pytest.mark.parametrize("from_status", ["hold", "deactivated"])
def test_officer_reinstates_to_approved(from_status):
    customer = approved_customer()
    if from_status == "hold":
        credit_hold(customer=customer, actor=OFFICER, hold_code="past_due")
    else:
        credit_deactivate(customer=customer, actor=OFFICER)
    decision = credit_reinstate(customer=customer, actor=OFFICER, note="Reviewed")
    customer = reloaded(customer)
    assert (customer.credit_status, customer.hold_code, decision.decision) == ("approved", None, "reinstate")
    credit_transaction_bill(customer=customer, actor=API, amount=1, currency_code="USD")


def test_reinstating_an_approved_account_is_refused():
    with pytest.raises(ApplicationError) as error:
        credit_reinstate(customer=approved_customer(), actor=OFFICER)
    assert (error.value.code, error.value.status) == ("invalid_credit_status", 409)
    assert not CreditDecision.objects.filter(decision="reinstate").exists()
