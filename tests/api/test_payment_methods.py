import pytest

from core.actors import Actor
from core.models import Event
from customers.models import PaymentMethod
from customers.services import customer_archive
from tests.factories import CustomerFactory, PaymentMethodFactory

pytestmark = pytest.mark.django_db

CARD = {
    "type": "card",
    "provider_token": "tok_visa_123",
    "provider": "stripe",
    "card": {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030},
}
BANK = {
    "type": "bank_account",
    "provider_token": "tok_bank_9",
    "bank_account": {"type": "ach", "last4": "6789", "bank_name": "First Bank"},
}


def test_add_card_returns_201_without_the_token_and_makes_it_default(api):
    customer = CustomerFactory()
    response = api.post(f"customers/{customer.id}/payment-methods", CARD)
    assert response.status_code == 201
    data = response.json()["data"]
    assert data["card"] == {"brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2030}
    assert (data["type"], data["provider"], data["is_default"]) == ("card", "stripe", True)
    assert "provider_token" not in data and "tok_visa_123" not in response.content.decode()
    assert PaymentMethod.objects.get(pk=data["id"]).provider_token == "tok_visa_123"
    assert Event.objects.filter(customer_id=customer.id, event_type="payment_method.added").count() == 1


def test_add_bank_account(api):
    customer = CustomerFactory()
    PaymentMethodFactory(customer=customer, is_default=True)
    data = api.post(f"customers/{customer.id}/payment-methods", BANK).json()["data"]
    assert data["bank_account"] == {"type": "ach", "last4": "6789", "bank_name": "First Bank"}
    assert data["is_default"] is False


def test_add_with_is_default_takes_over_the_default(api):
    customer = CustomerFactory()
    old = PaymentMethodFactory(customer=customer, is_default=True)
    data = api.post(f"customers/{customer.id}/payment-methods", {**BANK, "is_default": True}).json()["data"]
    assert data["is_default"] is True
    assert PaymentMethod.objects.get(pk=old.id).is_default is False


@pytest.mark.parametrize(
    "body, field",
    [
        ({**CARD, "card": {**CARD["card"], "number": "4242424242424242"}}, "card.number"),
        ({**CARD, "provider_token": "4111-1111-1111-1111"}, "provider_token"),
        ({**BANK, "bank_account": {**BANK["bank_account"], "bank_name": "n 5555555555554444"}},
         "bank_account.bank_name"),
    ],
)  # fmt: skip
def test_a_full_card_number_anywhere_is_refused(api, body, field):
    customer = CustomerFactory()
    response = api.post(f"customers/{customer.id}/payment-methods", body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_field"
    assert [item["field"] for item in response.json()["error"]["errors"]] == [field]
    assert not PaymentMethod.objects.exists()


@pytest.mark.parametrize(
    "body, field",
    [
        ({**CARD, "type": "cash"}, "type"),
        ({key: value for key, value in CARD.items() if key != "type"}, "type"),
        ({**CARD, "card": {**CARD["card"], "last4": "42"}}, "card.last4"),
        ({**CARD, "card": {**CARD["card"], "exp_month": 13}}, "card.exp_month"),
        ({**BANK, "bank_account": {**BANK["bank_account"], "type": "wire"}}, "bank_account.type"),
        ({key: value for key, value in BANK.items() if key != "bank_account"}, "bank_account"),
    ],
)  # fmt: skip
def test_invalid_payment_method_bodies_name_the_field(api, body, field):
    customer = CustomerFactory()
    response = api.post(f"customers/{customer.id}/payment-methods", body)
    assert response.status_code == 400
    assert field in [item["field"] for item in response.json()["error"]["errors"]]
    assert not PaymentMethod.objects.exists()


def test_add_to_an_archived_customer_is_422(api):
    customer = customer_archive(customer=CustomerFactory(), actor=Actor.system())
    response = api.post(f"customers/{customer.id}/payment-methods", CARD)
    assert response.status_code == 422
    assert response.json()["error"]["code"] == "customer_archived"


def test_list_and_filter_by_type(api):
    customer = CustomerFactory()
    card = PaymentMethodFactory(customer=customer, is_default=True)
    bank = PaymentMethodFactory(customer=customer, type="bank_account", bank_account_type="pad", exp_month=None,
                                exp_year=None, card_brand="")  # fmt: skip
    assert [item["id"] for item in api.get(f"customers/{customer.id}/payment-methods").json()["data"]] == [
        card.id, bank.id,
    ]  # fmt: skip
    banks = api.get(f"customers/{customer.id}/payment-methods", type="bank_account").json()["data"]
    assert [(item["id"], item["bank_account"]["type"]) for item in banks] == [(bank.id, "pad")]


def test_get_one_and_404_for_another_customers_method(api):
    method = PaymentMethodFactory()
    data = api.get(f"customers/{method.customer_id}/payment-methods/{method.id}").json()["data"]
    assert (data["id"], data["card"]["last4"]) == (method.id, "4242")
    other = CustomerFactory()
    assert api.get(f"customers/{other.id}/payment-methods/{method.id}").status_code == 404
    assert api.get(f"customers/{other.id}/payment-methods/paymtd_nope").status_code == 404


def test_delete_returns_the_method_and_removes_it(api):
    method = PaymentMethodFactory()
    response = api.delete(f"customers/{method.customer_id}/payment-methods/{method.id}")
    assert response.status_code == 200
    assert response.json()["data"]["id"] == method.id
    assert not PaymentMethod.objects.filter(pk=method.id).exists()
    assert Event.objects.filter(event_type="payment_method.deleted", customer_id=method.customer_id).count() == 1


def test_patch_default_moves_the_default(api):
    customer = CustomerFactory()
    old = PaymentMethodFactory(customer=customer, is_default=True)
    new = PaymentMethodFactory(customer=customer)
    response = api.patch(f"customers/{customer.id}/payment-methods/{new.id}/default")
    assert response.status_code == 200
    assert response.json()["data"]["is_default"] is True
    assert list(PaymentMethod.objects.filter(is_default=True).values_list("id", flat=True)) == [new.id]
    assert api.get(f"customers/{customer.id}").json()["data"]["default_payment_method_id"] == new.id
    assert PaymentMethod.objects.get(pk=old.id).is_default is False


def test_default_route_has_no_get(api):
    method = PaymentMethodFactory()
    response = api.get(f"customers/{method.customer_id}/payment-methods/{method.id}/default")
    assert response.status_code == 405
    assert response.json()["error"]["code"] == "method_not_allowed"
