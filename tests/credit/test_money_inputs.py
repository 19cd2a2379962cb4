"""The credit services check amounts and currencies with core.money, so they refuse what the API refuses. They used to
trim and upper-case a currency ("usd" was USD, "ZZZ" a currency) and read an amount with spaces, a sign and leading
zeros (" 0012 " was 12). They take typed values now: text is the adapters' to parse (the API's wire strings, the staff
forms' major units), so any text given to a service as an amount is refused."""

import pytest
from django.core.exceptions import ValidationError

from core.models import Event
from credit.models import CreditBalance, CreditDecision, CreditTransaction
from credit.services import (
    credit_check_approve,
    credit_check_request,
    credit_direct_approve,
    credit_line_update,
    credit_transaction_bill,
)
from tests.credit.builders import API, OFFICER, approved_customer, buckets
from tests.factories import CustomerFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db

NOT_AN_INTEGER = "Must be an integer in minor units."
NOT_A_CURRENCY = "Enter an ISO 4217 currency code, such as USD."
AMOUNTS = [(text, NOT_AN_INTEGER) for text in (" -0012 ", " 0012 ", "+12", "0012", "12")]
CURRENCIES = ["usd", " USD", "USD ", "ZZZ", "XYZ", "XAU", "XTS", "XXX"]


def refused(service, **kwargs) -> dict:
    with pytest.raises(ValidationError) as error:
        service(**kwargs)
    return error.value.message_dict


@pytest.mark.parametrize(("amount", "message"), AMOUNTS)
def test_a_purchase_amount_that_is_not_a_wire_amount_is_refused(amount, message):
    customer = approved_customer()
    assert refused(credit_transaction_bill, customer=customer, actor=API, amount=amount, currency_code="USD") == {
        "amount": [message]
    }
    assert buckets(customer) == (1_000_000, 0, 0)
    assert not CreditTransaction.objects.exists()


@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_purchase_currency_outside_the_table_is_refused_as_given(currency):
    customer = approved_customer()
    assert refused(credit_transaction_bill, customer=customer, actor=API, amount=100, currency_code=currency) == {
        "currency_code": [NOT_A_CURRENCY]
    }
    assert list(CreditBalance.objects.values_list("currency_code", flat=True)) == ["USD"]
    assert not CreditTransaction.objects.exists()


@pytest.mark.parametrize(("amount", "message"), AMOUNTS)
def test_a_credit_line_that_is_not_a_wire_amount_is_refused(amount, message):
    customer = approved_customer()
    assert refused(credit_line_update, customer=customer, actor=OFFICER, credit_limit=amount, reason="r") == {
        "credit_limit": [message]
    }
    assert buckets(customer) == (1_000_000, 0, 0)


@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_credit_line_in_a_currency_outside_the_table_is_refused(currency):
    customer = approved_customer()
    events = Event.objects.count()
    error = refused(
        credit_line_update, customer=customer, actor=OFFICER, credit_limit=5_000, reason="r", currency_code=currency
    )
    assert error == {"currency_code": [NOT_A_CURRENCY]}
    assert list(CreditBalance.objects.values_list("currency_code", flat=True)) == ["USD"]
    assert Event.objects.count() == events


@pytest.mark.parametrize("currency", CURRENCIES)
def test_a_direct_approval_in_a_currency_outside_the_table_is_refused(currency):
    customer = CustomerFactory()
    error = refused(
        credit_direct_approve,
        customer=customer,
        actor=OFFICER,
        amount=5_000,
        default_terms="net30",
        currency_code=currency,
    )
    assert error == {"currency_code": [NOT_A_CURRENCY]}
    customer = reloaded(customer)
    assert customer.credit_status is None
    assert not CreditBalance.objects.exists() and not CreditDecision.objects.exists()


@pytest.mark.parametrize("currency", CURRENCIES)
def test_approving_a_check_in_a_currency_outside_the_table_is_refused(currency):
    customer = CustomerFactory()
    check = credit_check_request(customer=customer, actor=API, amount_requested=5_000, has_purchase_history=False)
    error = refused(
        credit_check_approve,
        credit_check=check,
        actor=OFFICER,
        amount=5_000,
        default_terms="net30",
        currency_code=currency,
    )
    assert error == {"currency_code": [NOT_A_CURRENCY]}
    check = reloaded(check)
    assert check.status != "approved"
    assert not CreditBalance.objects.exists() and not CreditDecision.objects.exists()


@pytest.mark.parametrize(("currency", "amount"), [("JPY", 1_500_000), ("BHD", 1_500_000), ("XAF", 1), ("CLF", 10_000)])
def test_every_currency_of_the_table_with_a_minor_unit_can_be_granted(currency, amount):
    customer = approved_customer(limit=amount, currency=currency)
    assert buckets(customer, currency) == (amount, 0, 0)
