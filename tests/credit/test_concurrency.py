"""Races on PostgreSQL: threads, each with its own database connection, hit one customer at the same moment."""

import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F

from core.errors import ApplicationError
from credit.models import CreditAccount, CreditBalance, CreditCheck, CreditRepayment, CreditTransaction
from credit.reconciliation import credit_reconcile
from credit.services import (
    credit_check_approve,
    credit_check_request,
    credit_transaction_bill,
    credit_transaction_cancel,
    credit_transaction_complete,
    credit_transaction_repay,
)
from tests.credit.builders import (
    API,
    OFFICER,
    approved_customer,
    assert_customer_agrees_with_balance,
    completed_transaction,
)
from tests.factories import CustomerFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db(transaction=True)


def race(calls):
    """Run the callables at once, each in its own thread and connection; returns ("ok", value) or (code, None)."""
    barrier = threading.Barrier(len(calls))
    outcomes = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=30)
            outcomes[index] = ("ok", call())
        except ApplicationError as error:
            outcomes[index] = (error.code, None)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index, call)) for index, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(outcome is not None for outcome in outcomes), "a thread died without an outcome"
    return outcomes


def test_parallel_reservations_never_overdraw_the_line():
    limit = 10_000
    customer = approved_customer(limit=limit)
    amounts = [700, 1_300, 2_100] * 8

    def bill(amount):
        return lambda: credit_transaction_bill(customer=customer, actor=API, amount=amount, currency_code="USD")

    outcomes = race([bill(amount) for amount in amounts])

    accepted = [amount for amount, (code, _) in zip(amounts, outcomes, strict=True) if code == "ok"]
    refused = [(amount, code) for amount, (code, _) in zip(amounts, outcomes, strict=True) if code != "ok"]
    balance = CreditBalance.objects.get(customer=customer, currency_code="USD")
    assert sum(accepted) <= limit
    assert {code for _, code in refused} == {"insufficient_credit"}
    assert (balance.available, balance.reserved, balance.used) == (limit - sum(accepted), sum(accepted), 0)
    # No reservation was refused while it would have fitted: what is left is less than the smallest refusal.
    assert balance.available < min(amount for amount, _ in refused)
    assert CreditTransaction.objects.filter(customer=customer).count() == len(accepted)
    assert_customer_agrees_with_balance(customer)
    assert credit_reconcile() == []


def test_parallel_credit_check_requests_create_exactly_one_check(broker_down):
    # With the broker down the committed check stays pending here, instead of reaching a shared worker that could
    # still be deciding it while the test database is flushed.
    customer = CustomerFactory()

    def request():
        return credit_check_request(customer=customer, actor=API, amount_requested=1_000, has_purchase_history=True)

    outcomes = race([request] * 6)
    codes = sorted(code for code, _ in outcomes)
    assert codes == ["credit_check_already_requested"] * 5 + ["ok"]
    assert list(CreditCheck.objects.filter(customer=customer).values_list("status", flat=True)) == ["pending"]


def test_complete_and_cancel_racing_on_one_transaction_settle_it_once():
    customer = approved_customer(limit=5_000)
    billed = credit_transaction_bill(customer=customer, actor=API, amount=5_000, currency_code="USD")
    outcomes = race([
        lambda: credit_transaction_complete(credit_transaction=billed, actor=API),
        lambda: credit_transaction_cancel(credit_transaction=billed, actor=API),
    ] * 3)  # fmt: skip
    assert sorted(code for code, _ in outcomes) == ["invalid_transaction_state"] * 5 + ["ok"]
    billed = reloaded(billed)
    expected = (0, 0, 5_000) if billed.status == "completed" else (5_000, 0, 0)
    balance = CreditBalance.objects.get(customer=customer)
    assert (balance.available, balance.reserved, balance.used) == expected
    assert credit_reconcile() == []


def test_parallel_repayments_never_repay_more_than_owed():
    customer = approved_customer(limit=10_000)
    owed = completed_transaction(customer, 9_000)
    outcomes = race([lambda: credit_transaction_repay(credit_transaction=owed, actor=API, amount=2_000)] * 8)
    assert sorted(code for code, _ in outcomes) == ["ok"] * 4 + ["repayment_exceeds_outstanding"] * 4
    owed = reloaded(owed)
    assert (owed.amount_repaid, CreditRepayment.objects.count()) == (8_000, 4)
    assert_customer_agrees_with_balance(customer)
    assert credit_reconcile() == []


def test_two_officers_approving_one_check_at_once_approve_it_once(broker_down):
    check = credit_check_request(customer=CustomerFactory(), actor=API, amount_requested=1_000,
                                 has_purchase_history=False)  # fmt: skip

    def approve():
        return credit_check_approve(credit_check=check, actor=OFFICER, amount=1_000, default_terms="net30")

    outcomes = race([approve] * 4)
    assert sorted(code for code, _ in outcomes) == ["credit_check_already_decided"] * 3 + ["ok"]
    assert CreditBalance.objects.get(customer=check.customer_id).available == 1_000
    assert credit_reconcile() == []


def test_the_database_refuses_a_negative_bucket_even_when_the_ledger_is_bypassed():
    customer = approved_customer(limit=1_000)
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditBalance.objects.filter(customer=customer).update(available=F("available") - 1_001)
    assert CreditBalance.objects.get(customer=customer).available == 1_000


def test_a_completion_racing_a_repayment_leaves_the_oldest_unpaid_due_date_right():
    customer = approved_customer(limit=10_000)
    owed = completed_transaction(customer, 1_000)
    billed = [credit_transaction_bill(customer=customer, actor=API, amount=500, currency_code="USD") for _ in range(3)]
    outcomes = race([
        lambda: credit_transaction_repay(credit_transaction=owed, actor=API, amount=1_000),
        *(lambda purchase=purchase: credit_transaction_complete(credit_transaction=purchase, actor=API)
          for purchase in billed),
    ])  # fmt: skip
    assert [code for code, _ in outcomes] == ["ok"] * 4
    unpaid = CreditTransaction.objects.filter(customer=customer, status="completed", amount_repaid=0)
    assert CreditAccount.objects.get(pk=customer.pk).oldest_unpaid_due_at == min(p.due_at for p in unpaid)
    assert credit_reconcile() == []
