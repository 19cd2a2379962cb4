"""The staff pages name the buyer of a purchase (credit_transaction_bill's customer_user_id), and the bill form offers
the customer's active users as the buyer, the service deciding who may buy."""

import re

import pytest
from django.urls import reverse

from core.models import Event
from credit.models import CreditLedgerEntry, CreditTransaction
from credit.services import credit_transaction_bill
from customers.models import CustomerUser
from customers.services import customer_user_archive
from tests.credit.builders import API, approved_customer, buckets
from tests.factories import CustomerUserFactory

pytestmark = pytest.mark.django_db


def test_the_staff_purchases_show_the_buyer(client_as):
    customer = approved_customer()
    buyer = CustomerUserFactory(customer=customer, first_name="Ada", last_name="Byron", email="ada@acme.example")
    credit_transaction_bill(customer=customer, actor=API, amount=1000, currency_code="USD", customer_user_id=buyer.id)
    viewer = client_as("viewer")
    for name in ("customer_detail", "customer_credit_transactions"):
        page = viewer.get(reverse(f"staff:{name}", args=[customer.id])).content.decode()
        assert "Bought by Ada Byron &lt;ada@acme.example&gt;" in page


def bill_url(customer) -> str:
    return reverse("staff:customer_purchase_bill", args=[customer.id])


BILL = {"amount": "12.50", "currency_code": "USD", "reference": "PO-7", "description": ""}


def test_the_bill_form_offers_only_the_customers_active_users(client_as):
    customer = approved_customer()
    CustomerUserFactory(customer=customer, first_name="Ada", last_name="Byron", email="ada@acme.example")
    archived = CustomerUserFactory(customer=customer, email="gone@acme.example")
    customer_user_archive(user=archived, actor=API)
    CustomerUserFactory(customer=approved_customer(), email="other@elsewhere.example")
    page = client_as("credit_officer").get(bill_url(customer)).content.decode()
    options = re.findall(r"<option value=\"([^\"]*)\"[^>]*>([^<]*)</option>", page)
    buyers = [label for value, label in options if value.startswith("ctu_") or value == ""]
    assert buyers == ["Nobody in particular", "Ada Byron &lt;ada@acme.example&gt;"]
    assert '<label for="id_customer_user_id"' in page and "Bought by" in page


def test_billing_from_the_form_names_the_buyer_chosen(client_as):
    customer = approved_customer()
    buyer = CustomerUserFactory(customer=customer, first_name="Ada", last_name="Byron")
    response = client_as("credit_officer").post(bill_url(customer), {**BILL, "customer_user_id": buyer.id})
    assert response.status_code == 302
    purchase = CreditTransaction.objects.get(customer=customer)
    assert (purchase.amount, purchase.customer_user_id) == (1250, buyer.id)


def test_billing_without_a_buyer_names_nobody(client_as):
    customer = approved_customer()
    CustomerUserFactory(customer=customer)
    assert client_as("credit_officer").post(bill_url(customer), {**BILL, "customer_user_id": ""}).status_code == 302
    assert CreditTransaction.objects.get(customer=customer).customer_user_id is None


@pytest.mark.parametrize("whose", ["archived", "another_customers", "unknown"])
def test_a_buyer_posted_by_hand_who_may_not_buy_is_a_form_error_and_nothing_is_billed(client_as, whose):
    customer = approved_customer()
    if whose == "archived":
        user_id = CustomerUserFactory(customer=customer).id
        customer_user_archive(user=CustomerUser.objects.get(pk=user_id), actor=API)
        why = "they are archived"
    elif whose == "another_customers":
        user_id = CustomerUserFactory(customer=approved_customer()).id
        why = "they are not one of its users"
    else:
        user_id = "ctu_nosuchuser"
        why = "they are not one of its users"
    before = (buckets(customer), CreditLedgerEntry.objects.count(), Event.objects.count())
    response = client_as("credit_officer").post(bill_url(customer), {**BILL, "customer_user_id": user_id})
    assert response.status_code == 200
    errors = response.context["form"].errors["customer_user_id"]
    assert errors == [
        f"That person cannot buy on the credit of {customer}: {why}. Only its active users can: choose one from the "
        "list, or nobody."
    ]
    assert user_id not in errors[0]  # words, not ids
    assert not CreditTransaction.objects.filter(customer=customer).exists()
    assert (buckets(customer), CreditLedgerEntry.objects.count(), Event.objects.count()) == before
