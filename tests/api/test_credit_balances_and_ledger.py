"""GET /customers/{id}/credit-balances (Paddle's shape, whole list) and GET /customers/{id}/ledger (paginated)."""

import pytest

from credit.models import CreditLedgerEntry
from credit.services import credit_line_grant, credit_transaction_bill, credit_transaction_complete
from customers.services import customer_archive
from tests.credit.builders import API, OFFICER, approved_customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def balances(api, customer, **params):
    return api.get(f"customers/{customer.id}/credit-balances", **params)


def ledger(api, customer, **params):
    return api.get(f"customers/{customer.id}/ledger", **params)


def two_currency_customer():
    """USD line of 500000 with 1000 reserved, and an EUR line of 9000."""
    customer = approved_customer(limit=500_000)
    credit_transaction_bill(customer=customer, actor=API, amount=1_000, currency_code="USD")
    credit_line_grant(customer=customer, actor=OFFICER, credit_limit=9_000, reason="EU shop", currency_code="EUR")
    return customer


def test_balances_are_paddle_shaped_in_currency_order_and_not_paginated(api):
    customer = two_currency_customer()
    body = balances(api, customer).json()
    assert body["data"] == [
        {"customer_id": customer.id, "currency_code": "EUR",
         "balance": {"available": "9000", "reserved": "0", "used": "0"}},
        {"customer_id": customer.id, "currency_code": "USD",
         "balance": {"available": "499000", "reserved": "1000", "used": "0"}},
    ]  # fmt: skip
    assert set(body["meta"]) == {"request_id"}


@pytest.mark.parametrize(("currency_code", "expected"), [("USD", ["USD"]), ("EUR,USD", ["EUR", "USD"]),
                                                         ("GBP", []), ("", ["EUR", "USD"])])  # fmt: skip
def test_balances_filter_by_currency_codes(api, currency_code, expected):
    data = balances(api, two_currency_customer(), currency_code=currency_code).json()["data"]
    assert [item["currency_code"] for item in data] == expected


def test_a_customer_without_credit_has_an_empty_list(api):
    response = balances(api, CustomerFactory())
    assert (response.status_code, response.json()["data"]) == (200, [])


def test_an_archived_customers_balances_can_still_be_read(api):
    customer = approved_customer(limit=700)
    customer_archive(customer=customer, actor=API)
    assert balances(api, customer).json()["data"][0]["balance"]["available"] == "700"


@pytest.mark.parametrize(
    "currency_code", ["usd", "EURO", "USD,", "US", "USD;EUR", "USD, EUR", " USD", "USD\n", "\x1d", "XYZ", "USD,XAU"]
)
def test_an_invalid_currency_filter_is_400_invalid_field(api, currency_code):
    response = balances(api, approved_customer(), currency_code=currency_code)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "invalid_field"
    assert error["errors"] == [
        {"field": "currency_code", "message": "Comma-separated ISO 4217 currency codes, such as USD,EUR."}
    ]


@pytest.mark.parametrize("path", ["credit-balances", "ledger", "credit-decisions", "credit-transactions"])
def test_reads_of_an_unknown_customer_are_404(api, path):
    response = api.get(f"customers/ctm_{'0' * 26}/{path}")
    assert (response.status_code, response.json()["error"]["code"]) == (404, "not_found")


# --- ledger -----------------------------------------------------------------------------------------------------------


def test_the_ledger_lists_every_movement_oldest_first_with_the_balance_after(api):
    customer = approved_customer(limit=5_000)
    billed = credit_transaction_bill(customer=customer, actor=API, amount=1_200, currency_code="USD")
    credit_transaction_complete(credit_transaction=billed, actor=API)
    data = ledger(api, customer).json()["data"]
    assert [(item["type"], item["amount"], item["credit_transaction_id"]) for item in data] == [
        ("grant", "5000", None),
        ("reserve", "1200", billed.id),
        ("use", "1200", billed.id),
    ]
    assert data[2]["delta"] == {"available": "0", "reserved": "-1200", "used": "1200"}
    assert data[2]["balance_after"] == {"available": "3800", "reserved": "0", "used": "1200"}
    assert data[2]["actor"] == {"type": "api_client", "id": "client-test"}
    assert data[0]["credit_decision_id"].startswith("cdc_")
    assert [item["id"] for item in data] == list(
        CreditLedgerEntry.objects.filter(customer=customer).order_by("id").values_list("id", flat=True)
    )


def test_the_ledger_newest_first_with_order_by_id_desc(api):
    customer = approved_customer(limit=5_000)
    credit_transaction_bill(customer=customer, actor=API, amount=10, currency_code="USD")
    data = ledger(api, customer, order_by="id[DESC]").json()["data"]
    assert [item["type"] for item in data] == ["reserve", "grant"]


def test_the_ledger_filters_by_currency_and_entry_type(api):
    customer = two_currency_customer()
    eur = ledger(api, customer, currency_code="EUR").json()["data"]
    assert [(item["type"], item["amount"]) for item in eur] == [("grant", "9000")]
    reserves = ledger(api, customer, entry_type="reserve,use").json()["data"]
    assert [(item["type"], item["currency_code"]) for item in reserves] == [("reserve", "USD")]


def test_the_ledger_pages_forward_and_back(api):
    customer = approved_customer(limit=5_000)
    for amount in (1, 2, 3, 4):
        credit_transaction_bill(customer=customer, actor=API, amount=amount, currency_code="USD")
    first = ledger(api, customer, per_page=2).json()
    second = api.get(first["meta"]["pagination"]["next"]).json()
    third = api.get(second["meta"]["pagination"]["next"]).json()
    assert [item["amount"] for page in (first, second, third) for item in page["data"]] == ["5000", "1", "2", "3", "4"]
    assert third["meta"]["pagination"]["has_more"] is False
    back = api.get(third["meta"]["pagination"]["previous"]).json()
    assert [item["amount"] for item in back["data"]] == ["2", "3"]


@pytest.mark.parametrize(("params", "field"), [({"entry_type": "refund"}, "entry_type"),
                                               ({"currency_code": "eur"}, "currency_code"),
                                               ({"order_by": "amount[ASC]"}, "order_by")])  # fmt: skip
def test_an_invalid_ledger_parameter_is_400(api, params, field):
    response = ledger(api, approved_customer(), **params)
    assert response.status_code == 400
    assert response.json()["error"]["errors"][0]["field"] == field
