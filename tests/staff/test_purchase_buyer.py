"""The staff pages name the buyer of a purchase (credit_transaction_bill's customer_user_id)."""

import pytest
from django.urls import reverse

from credit.services import credit_transaction_bill
from tests.credit.builders import API, approved_customer
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
