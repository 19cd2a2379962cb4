"""List endpoints run a fixed number of queries whatever `per_page` is: no per-row query, no count() of the table."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from customers.models import Customer
from tests.credit.builders import approved_customer
from tests.factories import CustomerFactory, CustomerUserFactory, PaymentMethodFactory

pytestmark = pytest.mark.django_db


def approved_customer_with_credit() -> Customer:
    customer = approved_customer(limit=50_000)
    PaymentMethodFactory(customer=customer, is_default=True)
    return customer


def queries_for(api, path: str, **params) -> tuple[int, dict]:
    with CaptureQueriesContext(connection) as captured:
        response = api.get(path, **params)
    assert response.status_code == 200
    return len(captured.captured_queries), response.json()


def test_customer_list_queries_do_not_grow_with_per_page(warm_api):
    for _ in range(25):
        approved_customer_with_credit()
    small, _ = queries_for(warm_api, "customers", per_page=3)
    large, large_body = queries_for(warm_api, "customers", per_page=20)
    # the page (balances and default methods as subqueries), the planner estimate, a capped count
    assert small == large == 3
    assert len(large_body["data"]) == 20
    row = large_body["data"][0]
    assert (row["amount_available"], row["credit_limit"], row["credit_currency"]) == ("50000", "50000", "USD")
    assert row["default_payment_method_id"].startswith("paymtd_")


def test_a_later_customer_page_asks_for_has_previous_in_the_page_query(warm_api):
    for _ in range(12):
        CustomerFactory()
    first = warm_api.get("customers", per_page=3).json()["meta"]["pagination"]["end_cursor"]
    count_small, _ = queries_for(warm_api, "customers", per_page=3, after=first)
    count_large, _ = queries_for(warm_api, "customers", per_page=8, after=first)
    assert count_small == count_large == 3


def test_customer_user_list_queries_do_not_grow_with_per_page(warm_api):
    customer = CustomerFactory()
    for _ in range(15):
        CustomerUserFactory(customer=customer)
    small, _ = queries_for(warm_api, f"customers/{customer.id}/users", per_page=2)
    large, body = queries_for(warm_api, f"customers/{customer.id}/users", per_page=12)
    assert small == large == 4  # the customer, the page, estimate, capped count
    assert len(body["data"]) == 12


def test_payment_method_list_queries_do_not_grow_with_per_page(warm_api):
    customer = CustomerFactory()
    for _ in range(15):
        PaymentMethodFactory(customer=customer)
    small, _ = queries_for(warm_api, f"customers/{customer.id}/payment-methods", per_page=2)
    large, body = queries_for(warm_api, f"customers/{customer.id}/payment-methods", per_page=12)
    assert small == large == 4
    assert len(body["data"]) == 12


def test_get_one_customer_is_one_query(warm_api):
    customer = approved_customer_with_credit()
    count, body = queries_for(warm_api, f"customers/{customer.id}")
    assert count == 1  # the customer with its balance and default method
    assert body["data"]["amount_available"] == "50000"
