"""Credit list endpoints run a fixed number of queries whatever `per_page` (or the number of balances) is."""

import pytest

from credit.services import credit_hold, credit_line_grant, credit_reinstate, credit_transaction_bill
from tests.api.test_query_counts import queries_for
from tests.credit.builders import API, OFFICER, approved_customer

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy_customer():
    """15 credit transactions (30 ledger entries with the grant) and 13 decisions."""
    customer = approved_customer(limit=1_000_000)
    for amount in range(1, 16):
        credit_transaction_bill(customer=customer, actor=API, amount=amount, currency_code="USD")
    for _ in range(6):
        credit_hold(customer=customer, actor=OFFICER, hold_code="other")
        credit_reinstate(customer=customer, actor=OFFICER)
    return customer


@pytest.mark.parametrize("resource", ["credit-transactions", "credit-decisions", "ledger"])
def test_credit_list_queries_do_not_grow_with_per_page(warm_api, busy_customer, resource):
    path = f"customers/{busy_customer.id}/{resource}"
    small, _ = queries_for(warm_api, path, per_page=2)
    large, body = queries_for(warm_api, path, per_page=12)
    assert small == large == 4  # the customer, the page, the planner estimate, a capped count
    assert len(body["data"]) == 12


@pytest.mark.parametrize("resource", ["credit-transactions", "credit-decisions", "ledger"])
def test_a_whole_credit_list_on_one_page_is_two_queries(warm_api, busy_customer, resource):
    count, body = queries_for(warm_api, f"customers/{busy_customer.id}/{resource}", per_page=200)
    assert count == 2  # the customer, the page (which counts itself)
    assert body["meta"]["pagination"]["estimated_total"] == len(body["data"]) >= 13


def test_balances_are_two_queries_whatever_the_number_of_currencies(warm_api):
    customer = approved_customer(limit=1_000)
    one, _ = queries_for(warm_api, f"customers/{customer.id}/credit-balances")
    for currency in ("EUR", "GBP", "CAD"):
        credit_line_grant(customer=customer, actor=OFFICER, credit_limit=500, reason="more", currency_code=currency)
    four, body = queries_for(warm_api, f"customers/{customer.id}/credit-balances")
    assert one == four == 2  # the customer, the balances
    assert [item["currency_code"] for item in body["data"]] == ["CAD", "EUR", "GBP", "USD"]


def test_get_one_credit_transaction_is_two_queries(warm_api):
    customer = approved_customer(limit=1_000)
    transaction = credit_transaction_bill(customer=customer, actor=API, amount=5, currency_code="USD")
    count, body = queries_for(warm_api, f"customers/{customer.id}/credit-transactions/{transaction.id}")
    assert count == 2  # the customer, the transaction
    assert body["data"]["id"] == transaction.id
