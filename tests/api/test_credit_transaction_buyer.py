"""The buyer on a purchase: an optional `customer_user_id` on billing, kept on the transaction and shown on its wire
shape and on the staff page; only an active user of the customer billed can be named, and a refusal changes nothing."""

import pytest
from django.db import IntegrityError, connection, transaction

from core.models import Event
from credit.models import CreditLedgerEntry, CreditTransaction
from credit.services import credit_transaction_bill
from customers.services import customer_user_archive
from tests.credit.builders import API, approved_customer, buckets
from tests.factories import CustomerUserFactory

pytestmark = pytest.mark.django_db


def bill(api, customer, **fields):
    body = {"amount": "125000", "currency_code": "USD", **fields}
    return api.post(f"customers/{customer.id}/credit-transactions", body)


def test_a_purchase_names_its_buyer_and_the_transaction_carries_it(api):
    customer = approved_customer()
    buyer = CustomerUserFactory(customer=customer)
    response = bill(api, customer, customer_user_id=buyer.id)
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["customer_user_id"] == buyer.id
    assert CreditTransaction.objects.get(pk=data["id"]).customer_user_id == buyer.id
    fetched = api.get(f"customers/{customer.id}/credit-transactions/{data['id']}").json()["data"]
    assert fetched["customer_user_id"] == buyer.id
    (listed,) = api.get(f"customers/{customer.id}/credit-transactions").json()["data"]
    assert listed["customer_user_id"] == buyer.id


@pytest.mark.parametrize("body", [{}, {"customer_user_id": None}])
def test_a_purchase_without_a_buyer_carries_null(api, body):
    customer = approved_customer()
    response = bill(api, customer, **body)
    assert response.status_code == 201, response.content
    assert response.json()["data"]["customer_user_id"] is None


def refused_and_nothing_changed(response, customer, *, status, code, field="customer_user_id"):
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] == code
    assert [item["field"] for item in error.get("errors", [])] == [field]
    assert not CreditTransaction.objects.filter(customer=customer).exists()
    assert buckets(customer) == (1_000_000, 0, 0)
    assert not CreditLedgerEntry.objects.filter(customer=customer, entry_type="reserve").exists()
    assert not Event.objects.filter(customer_id=customer.id, event_type="credit_balance.updated").count() > 1


def test_a_user_of_another_customer_cannot_be_the_buyer(api):
    customer = approved_customer()
    stranger = CustomerUserFactory(customer=approved_customer())
    response = bill(api, customer, customer_user_id=stranger.id)
    refused_and_nothing_changed(response, customer, status=422, code="customer_user_not_allowed")
    assert response.json()["error"]["detail"] == (
        f"Customer user {stranger.id} is not a user of this customer; only an active user of customer "
        f"{customer.id} can buy on its credit."
    )


def test_an_archived_user_cannot_be_the_buyer(api):
    customer = approved_customer()
    buyer = CustomerUserFactory(customer=customer)
    customer_user_archive(user=buyer, actor=API)
    response = bill(api, customer, customer_user_id=buyer.id)
    refused_and_nothing_changed(response, customer, status=422, code="customer_user_not_allowed")
    assert f"Customer user {buyer.id} is archived" in response.json()["error"]["detail"]


def test_an_unknown_user_id_cannot_be_the_buyer(api):
    customer = approved_customer()
    response = bill(api, customer, customer_user_id="ctu_" + "0" * 26)
    refused_and_nothing_changed(response, customer, status=422, code="customer_user_not_allowed")


@pytest.mark.parametrize("value", ["ctm_" + "0" * 26, "ctu_SHOUTING00000000000000000", "ctu_\x00", "", 12, ["x"]])
def test_a_malformed_buyer_id_is_an_invalid_field(api, value):
    customer = approved_customer()
    response = bill(api, customer, customer_user_id=value)
    refused_and_nothing_changed(response, customer, status=400, code="invalid_field")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the composite foreign key is PostgreSQL's")
def test_the_database_refuses_a_buyer_of_another_customer(api):
    customer = approved_customer()
    purchase = credit_transaction_bill(customer=customer, actor=API, amount=1000, currency_code="USD")
    stranger = CustomerUserFactory(customer=approved_customer())
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditTransaction.objects.filter(pk=purchase.pk).update(customer_user_id=stranger.id)
        connection.check_constraints()


def test_the_schema_documents_the_buyer(schema):
    components = schema["components"]["schemas"]
    assert components["CreditTransaction"]["properties"]["customer_user_id"]["pattern"] == "^ctu_[0-9a-z]{26}$"
    assert components["CreditTransactionInput"]["properties"]["customer_user_id"]["pattern"] == "^ctu_[0-9a-z]{26}$"
    assert "customer_user_id" not in components["CreditTransactionInput"].get("required", [])
    operation = schema["paths"]["/api/v1/customers/{customer_id}/credit-transactions"]["post"]
    assert "`customer_user_not_allowed`:" in operation["responses"]["422"]["description"]
