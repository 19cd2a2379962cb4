from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.errors import ApplicationError
from credit.models import CreditLedgerEntry, CreditRepayment, CreditTransaction
from credit.presenters import credit_repayment_to_dict, credit_transaction_to_dict
from credit.services import (
    credit_check_decline,
    credit_check_request,
    credit_deactivate,
    credit_hold,
    credit_transaction_bill,
    credit_transaction_cancel,
    credit_transaction_complete,
    credit_transaction_repay,
)
from credit.services.transactions import due_date
from customers.services import customer_archive
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

NOW = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)


def bill(customer, amount=100_000, **kwargs):
    return credit_transaction_bill(customer=customer, actor=API, amount=amount, currency_code="USD", **kwargs)


def refusal(call):
    with pytest.raises(ApplicationError) as error:
        call()
    return error.value.code, error.value.status


def test_billing_reserves_credit():
    customer = approved_customer(limit=1_000_000)
    tx = bill(customer, amount=250000, reference="INV-1", description="Pallets")
    assert (tx.status, tx.amount, tx.currency_code, tx.terms) == ("billed", 250_000, "USD", "net30")
    assert buckets(customer) == (750_000, 250_000, 0)
    entry = CreditLedgerEntry.objects.get(transaction=tx)
    assert (entry.entry_type, entry.amount, entry.actor_type) == ("reserve", 250_000, "api_client")
    assert_customer_agrees_with_balance(customer)


def test_billing_the_whole_available_credit_is_allowed():
    customer = approved_customer(limit=1_000)
    bill(customer, amount=1_000)
    assert buckets(customer) == (0, 1_000, 0)


def test_billing_more_than_available_is_refused_and_changes_nothing():
    customer = approved_customer(limit=1_000)
    bill(customer, amount=600)
    assert refusal(lambda: bill(customer, amount=401)) == ("insufficient_credit", 422)
    assert buckets(customer) == (400, 600, 0)
    assert CreditTransaction.objects.count() == 1


def test_billing_in_a_currency_without_credit_is_insufficient_credit():
    customer = approved_customer(limit=1_000)
    with pytest.raises(ApplicationError) as error:
        credit_transaction_bill(customer=customer, actor=API, amount=1, currency_code="EUR")
    assert error.value.code == "insufficient_credit"
    assert error.value.detail == "Not enough available credit: 0.00 EUR available, 0.01 EUR requested."
    assert not customer.credit_balances.filter(currency_code="EUR").exists()


def test_never_checked_customer_cannot_buy_on_credit():
    assert refusal(lambda: bill(CustomerFactory())) == ("credit_not_approved", 422)


def test_pending_customer_cannot_buy_on_credit():
    customer = CustomerFactory()
    credit_check_request(customer=customer, actor=API, amount_requested=100, has_purchase_history=True)
    assert refusal(lambda: bill(customer)) == ("credit_not_approved", 422)


def test_declined_customer_cannot_buy_on_credit():
    customer = CustomerFactory()
    check = credit_check_request(customer=customer, actor=API, amount_requested=100, has_purchase_history=True)
    credit_check_decline(credit_check=check, actor=OFFICER, decline_code="thin_file")
    with pytest.raises(ApplicationError) as error:
        bill(customer)
    assert error.value.detail == (
        f"Customer {customer.id} credit status is declined; only approved customers can buy on credit."
    )


def test_customer_on_hold_cannot_buy_on_credit():
    customer = approved_customer()
    credit_hold(customer=customer, actor=OFFICER, hold_code="fraud")
    assert refusal(lambda: bill(customer)) == ("credit_on_hold", 422)
    assert buckets(customer) == (1_000_000, 0, 0)


def test_deactivated_customer_cannot_buy_on_credit():
    customer = approved_customer()
    credit_deactivate(customer=customer, actor=OFFICER)
    assert refusal(lambda: bill(customer)) == ("credit_deactivated", 422)


def test_archived_customer_cannot_buy_on_credit():
    customer = approved_customer()
    customer_archive(customer=customer, actor=API)
    assert refusal(lambda: bill(customer)) == ("customer_archived", 422)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"amount": 0}, "amount"),
        ({"amount": "1e5"}, "amount"),
        ({"currency_code": "dollars"}, "currency_code"),
        ({"reference": "r" * 256}, "reference"),
        ({"billed_at": datetime(2999, 1, 1, tzinfo=UTC)}, "billed_at"),
    ],
)
def test_invalid_bill_is_refused_and_changes_nothing(kwargs, field):
    customer = approved_customer()
    values = {"amount": 100, "currency_code": "USD"} | kwargs
    with pytest.raises(ValidationError) as error:
        credit_transaction_bill(customer=customer, actor=API, **values)
    assert list(error.value.message_dict) == [field]
    assert not CreditTransaction.objects.exists()
    assert buckets(customer) == (1_000_000, 0, 0)


@time_machine.travel(NOW, tick=False)
def test_completing_uses_the_reserve_and_sets_the_due_date_from_the_terms():
    customer = approved_customer(terms="net45")
    tx = credit_transaction_complete(credit_transaction=bill(customer, amount=300_000), actor=API)
    assert (tx.status, tx.completed_at, tx.due_at, tx.terms) == ("completed", NOW, NOW + timedelta(days=45), "net45")
    assert buckets(customer) == (700_000, 0, 300_000)
    assert_customer_agrees_with_balance(customer)


def test_end_of_month_terms_count_from_the_end_of_the_completion_month():
    completed = datetime(2026, 2, 11, 12, 0, tzinfo=UTC)
    assert due_date(completed, "net10_eom") == datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert due_date(completed, "net30") == datetime(2026, 3, 13, 12, 0, tzinfo=UTC)


def test_completion_can_record_an_earlier_invoice_date():
    customer = approved_customer()
    billed_at = timezone.now() - timedelta(days=20)
    tx = bill(customer, billed_at=billed_at)
    tx = credit_transaction_complete(credit_transaction=tx, actor=API, completed_at=billed_at + timedelta(days=1))
    assert tx.due_at == billed_at + timedelta(days=31)


def test_completion_before_billing_is_refused():
    customer = approved_customer()
    tx = bill(customer)
    with pytest.raises(ValidationError) as error:
        credit_transaction_complete(credit_transaction=tx, actor=API, completed_at=tx.billed_at - timedelta(days=1))
    assert list(error.value.message_dict) == ["completed_at"]
    assert CreditTransaction.objects.get(pk=tx.pk).status == "billed"


def test_completion_is_allowed_while_on_hold():
    customer = approved_customer()
    tx = bill(customer)
    credit_hold(customer=customer, actor=OFFICER, hold_code="requested_by_merchant")
    assert credit_transaction_complete(credit_transaction=tx, actor=API).status == "completed"


def test_canceling_releases_the_reserve():
    customer = approved_customer()
    tx = credit_transaction_cancel(credit_transaction=bill(customer, amount=40_000), actor=API)
    assert (tx.status, tx.canceled_at is not None) == ("canceled", True)
    assert buckets(customer) == (1_000_000, 0, 0)
    assert_customer_agrees_with_balance(customer)


@pytest.mark.parametrize("action", ["complete", "cancel"])
@pytest.mark.parametrize("state", ["completed", "canceled"])
def test_only_billed_transactions_can_be_completed_or_canceled(action, state):
    customer = approved_customer()
    tx = bill(customer)
    first = credit_transaction_complete if state == "completed" else credit_transaction_cancel
    first(credit_transaction=tx, actor=API)
    before = buckets(customer)
    service = credit_transaction_complete if action == "complete" else credit_transaction_cancel
    with pytest.raises(ApplicationError) as error:
        service(credit_transaction=tx, actor=API)
    assert (error.value.code, error.value.status) == ("invalid_transaction_state", 409)
    verb = "completed" if action == "complete" else "canceled"
    assert error.value.detail == f"Credit transaction {tx.id} is {state}; only billed transactions can be {verb}."
    assert buckets(customer) == before


def test_repayment_moves_used_back_to_available():
    customer = approved_customer()
    tx = completed_transaction(customer, 300_000)
    repayment = credit_transaction_repay(credit_transaction=tx, actor=API, amount=100000)
    tx = reloaded(tx)
    assert (tx.amount_repaid, tx.amount_outstanding, tx.repaid_at) == (100_000, 200_000, None)
    assert buckets(customer) == (800_000, 0, 200_000)
    assert credit_repayment_to_dict(repayment) | {
        "id": None, "created_at": None
    } == {
        "id": None, "credit_transaction_id": tx.id, "customer_id": customer.id, "amount": "100000",
        "currency_code": "USD", "created_at": None,
    }  # fmt: skip
    assert_customer_agrees_with_balance(customer)


def test_full_repayment_marks_the_transaction_repaid():
    customer = approved_customer()
    tx = completed_transaction(customer, 300_000)
    credit_transaction_repay(credit_transaction=tx, actor=API, amount=100_000)
    repayment = credit_transaction_repay(credit_transaction=tx, actor=API, amount=200_000)
    tx = reloaded(tx)
    assert (tx.amount_outstanding, tx.repaid_at) == (0, repayment.created_at)
    assert buckets(customer) == (1_000_000, 0, 0)
    assert credit_transaction_to_dict(tx)["amount_outstanding"] == "0"


def test_repaying_more_than_outstanding_is_refused():
    customer = approved_customer()
    tx = completed_transaction(customer, 300_000)
    credit_transaction_repay(credit_transaction=tx, actor=API, amount=250_000)
    with pytest.raises(ApplicationError) as error:
        credit_transaction_repay(credit_transaction=tx, actor=API, amount=50_001)
    assert (error.value.code, error.value.status) == ("repayment_exceeds_outstanding", 422)
    assert error.value.detail == f"Credit transaction {tx.id} has 500.00 USD outstanding."
    assert error.value.field == "amount"
    assert buckets(customer) == (950_000, 0, 50_000)
    assert CreditRepayment.objects.count() == 1


@pytest.mark.parametrize("state", ["billed", "canceled"])
def test_only_completed_transactions_can_be_repaid(state):
    customer = approved_customer()
    tx = bill(customer)
    if state == "canceled":
        credit_transaction_cancel(credit_transaction=tx, actor=API)
    assert refusal(lambda: credit_transaction_repay(credit_transaction=tx, actor=API, amount=1)) == (
        "invalid_transaction_state", 409,
    )  # fmt: skip
    assert not CreditRepayment.objects.exists()


def test_repayment_amount_must_be_positive():
    tx = completed_transaction(approved_customer(), 1_000)
    with pytest.raises(ValidationError) as error:
        credit_transaction_repay(credit_transaction=tx, actor=API, amount=0)
    assert error.value.message_dict == {"amount": ["Must be at least 0.01 USD."]}


def test_transaction_wire_shape():
    customer = approved_customer()
    with time_machine.travel(NOW, tick=False):
        tx = completed_transaction(customer, 5_000)
    assert credit_transaction_to_dict(tx) == {
        "id": tx.id, "customer_id": customer.id, "customer_user_id": None, "status": "completed", "amount": "5000",
        "amount_repaid": "0",
        "amount_outstanding": "5000", "currency_code": "USD", "reference": None, "description": None,
        "terms": "net30", "billed_at": "2026-03-10T15:00:00Z", "completed_at": "2026-03-10T15:00:00Z",
        "canceled_at": None, "due_at": "2026-04-09T15:00:00Z", "repaid_at": None,
        "created_at": "2026-03-10T15:00:00Z", "updated_at": "2026-03-10T15:00:00Z",
    }  # fmt: skip
