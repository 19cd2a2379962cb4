"""Credit states for tests, built through the services (never by writing rows), so every test starts from a state
the application itself can reach."""

from core.actors import Actor
from core.models import ActorType
from credit.models import CreditBalance, CreditTransaction
from credit.services import (
    credit_check_approve,
    credit_check_request,
    credit_direct_approve,
    credit_transaction_bill,
    credit_transaction_complete,
)
from customers.models import Customer
from customers.presenters import customer_to_dict
from customers.selectors import customer_get
from tests.factories import CustomerFactory
from tests.reading import reloaded

API = Actor.api_client("client-test", label="storefront")
OFFICER = Actor(type=ActorType.STAFF, id="42", label="officer")


def approved_customer(
    *, limit: int = 1_000_000, terms: str = "net30", currency: str = "USD", via_check=False, **customer_fields
) -> Customer:
    """An approved customer with `limit` available: a direct application (enrolled) or, with via_check, a credit
    check approved by an officer (pending_enrollment)."""
    customer = CustomerFactory(**customer_fields)
    if via_check:
        check = credit_check_request(customer=customer, actor=API, amount_requested=limit, has_purchase_history=False)
        credit_check_approve(credit_check=check, actor=OFFICER, amount=limit, default_terms=terms)
    else:
        credit_direct_approve(
            customer=customer, actor=OFFICER, amount=limit, default_terms=terms, currency_code=currency
        )
    customer = reloaded(customer)
    return customer


def completed_transaction(customer: Customer, amount: int, **complete_kwargs) -> CreditTransaction:
    billed = credit_transaction_bill(
        customer=customer, actor=API, amount=amount, currency_code=customer.credit_currency
    )
    return credit_transaction_complete(credit_transaction=billed, actor=API, **complete_kwargs)


def buckets(customer: Customer, currency: str = "USD") -> tuple[int, int, int]:
    balance = CreditBalance.objects.get(customer=customer, currency_code=currency)
    return balance.available, balance.reserved, balance.used


def assert_customer_agrees_with_balance(customer: Customer) -> None:
    """The customer's credit fields (as the selectors load them) equal its balance in the credit currency, and that
    balance equals the sum of its ledger."""
    balance = CreditBalance.objects.get(customer_id=customer.id, currency_code=customer.credit_currency)
    entries = list(balance.entries.all())
    assert (balance.available, balance.reserved, balance.used) == (
        sum(e.delta_available for e in entries),
        sum(e.delta_reserved for e in entries),
        sum(e.delta_used for e in entries),
    )
    expected = {
        "credit_currency": balance.currency_code,
        "credit_limit": str(balance.available + balance.reserved + balance.used),
        "amount_available": str(balance.available),
        "amount_reserved": str(balance.reserved),
        "amount_used": str(balance.used),
    }
    data = customer_to_dict(customer_get(customer_id=customer.id))
    assert {key: data[key] for key in expected} == expected
