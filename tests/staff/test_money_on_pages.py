"""Money reads the same on every page: the staff customer page and the public enrollment page format a credit line
with core.money, in major units with the currency's ISO 4217 exponent. They used to carry two exponent tables that
disagreed (XAF had 0 decimals on one and 2 on the other, IQD 3 and 2), and the staff page's companion figures
(available, reserved, used) always showed two decimals."""

import re

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse

from credit.ledger import balance_lock, ledger_post
from credit.services import credit_check_approve, credit_check_request
from customers.models import Customer
from customers.selectors import customer_get
from tests.credit.builders import API, OFFICER
from tests.factories import CustomerFactory
from tests.reading import enrollment_url_of

pytestmark = pytest.mark.django_db

LIMIT = 1_234_567  # minor units


def offered_in(currency: str) -> Customer:
    """A customer whose credit check an officer approved for LIMIT in `currency`: it has an enrollment link."""
    customer = CustomerFactory()
    check = credit_check_request(customer=customer, actor=API, amount_requested=LIMIT, has_purchase_history=True)
    credit_check_approve(credit_check=check, actor=OFFICER, amount=LIMIT, default_terms="net30", currency_code=currency)
    return customer_get(customer_id=customer.pk)


def figure(page: str, name: str) -> str:
    (value,) = figures(page, name)
    return value


def figures(page: str, name: str) -> list[str]:
    """Every figure called `name` on the page: on the staff customer page, the summary's then the credit card's."""
    return re.findall(rf"<dt>{name}</dt><dd>([^<]*)</dd>", page)


@pytest.mark.parametrize(
    ("currency", "shown", "available"),
    [
        ("USD", "12,345.67 USD", "12,345.67"),
        ("JPY", "1,234,567 JPY", "1,234,567"),
        ("BHD", "1,234.567 BHD", "1,234.567"),
        ("XAF", "1,234,567 XAF", "1,234,567"),
        ("IQD", "1,234.567 IQD", "1,234.567"),
        ("CLF", "123.4567 CLF", "123.4567"),
    ],
)
def test_the_staff_page_and_the_enrollment_page_show_a_credit_line_alike(client_as, currency, shown, available):
    customer = offered_in(currency)
    staff_page = client_as("viewer").get(reverse("staff:customer_detail", args=[customer.id])).content.decode()
    public = Client().get(enrollment_url_of(customer).removeprefix("http://testserver"))
    assert public.status_code == 200
    assert figure(public.content.decode(), "Credit line") == shown
    assert figures(staff_page, "Credit line") == [shown, shown]
    # The summary names the currency; the card's figures stand beside its credit line.
    assert figures(staff_page, "Available") == [shown, available]


def test_a_balance_in_a_code_outside_the_table_still_renders_in_minor_units(client_as):
    # A row stored while ZZZ was accepted: shown as stored, and said to be, rather than a 500 or a guessed exponent.
    customer = CustomerFactory()
    with transaction.atomic():  # written as the ledger wrote it then: the services refuse ZZZ now
        balance = balance_lock(customer_id=customer.id, currency_code="ZZZ")
        ledger_post(balance=balance, entry_type="grant", amount=125_000, actor=API)
    page = client_as("viewer").get(reverse("staff:customer_detail", args=[customer.id]))
    assert page.status_code == 200
    assert (figures(page.content.decode(), "Credit line"), figures(page.content.decode(), "Available")) == (
        ["125,000 ZZZ (minor units)", "125,000 ZZZ (minor units)"],
        ["125,000 ZZZ (minor units)", "125,000 (minor units)"],
    )
