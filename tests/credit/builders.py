"""Credit states for tests, built through the services (never by writing rows), so every test starts from a state
the application itself can reach. The one way tests make approved customers, lines and purchases."""

from collections.abc import Iterable
from datetime import timedelta

from django.utils import timezone

from core.actors import Actor
from core.models import ActorType
from credit.models import CreditAccount, CreditBalance, CreditCheck, CreditTransaction
from credit.selectors import credit_account_get
from credit.services import (
    credit_check_approve,
    credit_check_decline,
    credit_check_refer,
    credit_check_request,
    credit_deactivate,
    credit_direct_approve,
    credit_hold,
    credit_line_grant,
    credit_line_update,
    credit_transaction_bill,
    credit_transaction_complete,
    credit_transaction_repay,
    net_terms_enroll,
)
from customers.models import Customer, Terms
from customers.presenters import customer_to_dict
from customers.selectors import customer_get
from tests.factories import CustomerFactory, CustomerUserFactory
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


def accept_terms(customer: Customer) -> Customer:
    """A customer approved through a check (pending_enrollment) enrolled by a new user of its accepting the terms, as
    through the enrollment link: it can buy from now on."""
    net_terms_enroll(customer=customer, customer_user=CustomerUserFactory(customer=customer))
    return reloaded(customer)


def customer_with_credit_status(status: str | None, *, limit: int = 1_000_000, **customer_fields) -> Customer:
    """A customer brought to a credit status by the services: None (never checked), pending (a check requested and
    waiting), approved (a direct application, enrolled), declined, hold (by an officer) or deactivated."""
    if status in {"approved", "hold", "deactivated"}:
        customer = approved_customer(limit=limit, **customer_fields)
        if status == "hold":
            credit_hold(customer=customer, actor=OFFICER, hold_code="requested_by_merchant")
        elif status == "deactivated":
            credit_deactivate(customer=customer, actor=OFFICER)
        return reloaded(customer)
    customer = CustomerFactory(**customer_fields)
    if status in {"pending", "declined"}:
        check = credit_check_request(customer=customer, actor=API, amount_requested=limit, has_purchase_history=True)
        if status == "declined":
            credit_check_decline(credit_check=check, actor=OFFICER, decline_code="failing_credit")
    elif status is not None:
        raise ValueError(f"Unknown credit status {status!r}")
    return reloaded(customer)


def referred_check(*, requested_at, **customer_fields) -> CreditCheck:
    """A check a credit officer must decide (the engine could not), as if requested at `requested_at`."""
    customer = CustomerFactory(**customer_fields)
    check = credit_check_request(customer=customer, actor=API, amount_requested=1000, has_purchase_history=False)
    check = credit_check_refer(credit_check=check, actor=Actor.system("tests"), reason="for a person to decide")
    CreditCheck.objects.filter(pk=check.pk).update(requested_at=requested_at, referred_at=requested_at)
    CreditAccount.objects.filter(pk=customer.pk).update(credit_check_requested_at=requested_at)
    return reloaded(check)


def grant_line(customer: Customer, amount: int, currency: str = "USD") -> None:
    """`amount` more credit in `currency`: a customer never checked is approved on a direct application (net30);
    an approved one has its line in that currency raised (a second currency's line starts from nothing)."""
    if credit_account_get(customer=customer) is None:
        credit_direct_approve(
            customer=customer, actor=OFFICER, amount=amount, default_terms="net30", currency_code=currency
        )
        return
    balance = CreditBalance.objects.filter(customer_id=customer.pk, currency_code=currency).first()
    if balance is None or not balance.is_open_line(credit_account_get(customer=customer).credit_currency):
        credit_line_grant(
            customer=customer,
            actor=OFFICER,
            currency_code=currency,
            credit_limit=amount,
            reason="a line in " + currency,
        )
        return
    credit_line_update(
        customer=customer,
        actor=OFFICER,
        credit_limit=balance.credit_limit + amount,
        reason="more credit",
        currency_code=currency,
    )


def completed_purchases(
    customer: Customer, purchases: Iterable[tuple[int, int, int]], currency: str = "USD"
) -> list[CreditTransaction]:
    """Purchases (amount, days past due, repaid) billed and completed as long ago as makes them that late on the
    customer's terms (an invoice recorded from the ERP), then repaid: all bought before any repayment, as a repayment
    may put the customer on a past-due hold, which refuses purchases after it."""
    now = timezone.now()
    terms = Customer.objects.values_list("default_terms", flat=True).get(pk=customer.pk) or Terms.NET30
    made = []
    for amount, days_past_due, repaid in purchases:
        completed_at = now - timedelta(days=Terms.days(terms) + days_past_due)
        billed = credit_transaction_bill(
            customer=customer,
            actor=API,
            amount=amount,
            currency_code=currency,
            billed_at=completed_at - timedelta(days=2),
        )
        made.append(
            (credit_transaction_complete(credit_transaction=billed, actor=API, completed_at=completed_at), repaid)
        )
    for purchase, repaid in made:
        if repaid:
            credit_transaction_repay(credit_transaction=purchase, actor=API, amount=repaid)
    return [purchase for purchase, _ in made]


def completed_purchase(
    customer: Customer, amount: int, *, days_past_due: int, repaid: int = 0, currency: str = "USD"
) -> CreditTransaction:
    """One purchase `days_past_due` days past due (negative: due in the future), `repaid` of it repaid."""
    return completed_purchases(customer, [(amount, days_past_due, repaid)], currency)[0]


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
