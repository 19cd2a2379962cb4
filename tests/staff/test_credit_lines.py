"""Staff pages for lines in more than one currency: a credit officer grants a line in another currency, adjusts it and
closes it, each through the credit services (and so the ledger); refusals come back on the form and change nothing."""

import pytest
from django.urls import reverse

from credit.models import CreditBalance, CreditLedgerEntry
from credit.services import credit_line_grant, credit_transaction_bill
from tests.credit.builders import API, OFFICER, approved_customer

pytestmark = pytest.mark.django_db


def url(name: str, customer, *args) -> str:
    return reverse(f"staff:{name}", args=[customer.id, *args])


def eur(customer) -> tuple[int, int, int] | None:
    balance = CreditBalance.objects.filter(customer=customer, currency_code="EUR").first()
    return (balance.available, balance.reserved, balance.used) if balance else None


def test_a_credit_officer_grants_a_line_in_another_currency_in_major_units(client_as):
    customer = approved_customer(limit=1_000_000)
    officer = client_as("credit_officer")
    assert 'data-testid="grant-line"' in officer.get(url("customer_detail", customer)).content.decode()
    body = {"currency_code": "eur", "credit_limit": "2,500.00", "reason": "EU subsidiary"}
    response = officer.post(url("customer_credit_line_grant", customer), body, follow=True)
    assert "Credit line of 2,500.00 EUR granted." in response.content.decode()
    assert eur(customer) == (250_000, 0, 0)
    entry = CreditLedgerEntry.objects.get(customer=customer, currency_code="EUR")
    assert (entry.entry_type, entry.actor_type, entry.actor_id) == ("grant", "staff", str(officer.user.pk))
    page = officer.get(url("customer_detail", customer)).content.decode()
    assert 'data-testid="balance-EUR"' in page and 'data-testid="close-line-EUR"' in page
    assert 'data-testid="close-line-USD"' not in page


def test_a_grant_in_the_credit_currency_is_refused_on_the_form(client_as):
    customer = approved_customer(limit=1_000_000)
    body = {"currency_code": "USD", "credit_limit": "10", "reason": "More"}
    response = client_as("credit_officer").post(url("customer_credit_line_grant", customer), body)
    assert response.status_code == 200
    assert "already has a USD credit line; adjust it instead." in response.content.decode()
    assert CreditLedgerEntry.objects.filter(customer=customer).count() == 1


@pytest.mark.parametrize(
    "body",
    [
        {"currency_code": "ZZZ", "credit_limit": "10", "reason": "x"},
        {"currency_code": "EUR", "credit_limit": "1e999999", "reason": "x"},
        {"currency_code": "EUR", "credit_limit": "-5", "reason": "x"},
        {"currency_code": "EUR", "credit_limit": "10", "reason": ""},
    ],
)
def test_bad_input_on_the_grant_form_changes_nothing(client_as, body):
    customer = approved_customer()
    response = client_as("credit_officer").post(url("customer_credit_line_grant", customer), body)
    assert response.status_code == 200
    assert eur(customer) is None


def test_the_adjust_form_offers_open_lines_and_adjusts_the_other_currency(client_as):
    customer = approved_customer(limit=1_000_000)
    credit_line_grant(customer=customer, actor=OFFICER, currency_code="EUR", credit_limit=100_000, reason="EU")
    officer = client_as("credit_officer")
    form = officer.get(url("customer_credit_line", customer)).context["form"]
    assert [code for code, _ in form.fields["currency_code"].choices] == ["USD", "EUR"]
    body = {"currency_code": "EUR", "credit_limit": "3,000", "reason": "Bigger orders"}
    officer.post(url("customer_credit_line", customer), body)
    assert eur(customer) == (300_000, 0, 0)


def test_a_credit_officer_closes_a_settled_line(client_as):
    customer = approved_customer(limit=1_000_000)
    credit_line_grant(customer=customer, actor=OFFICER, currency_code="EUR", credit_limit=100_000, reason="EU")
    officer = client_as("credit_officer")
    response = officer.post(url("customer_credit_line_close", customer, "EUR"), {"reason": "Sold"}, follow=True)
    assert "The EUR credit line is closed." in response.content.decode()
    assert eur(customer) == (0, 0, 0)
    page = officer.get(url("customer_detail", customer)).content.decode()
    assert 'data-testid="close-line-EUR"' not in page
    form = officer.get(url("customer_credit_line", customer)).context["form"]
    assert [code for code, _ in form.fields["currency_code"].choices] == ["USD"]
    assert officer.get(url("customer_credit_line_close", customer, "EUR")).status_code == 404


def test_a_line_with_purchases_is_not_closed(client_as):
    customer = approved_customer(limit=1_000_000)
    credit_line_grant(customer=customer, actor=OFFICER, currency_code="EUR", credit_limit=100_000, reason="EU")
    credit_transaction_bill(customer=customer, actor=API, amount=5_000, currency_code="EUR")
    response = client_as("credit_officer").post(url("customer_credit_line_close", customer, "EUR"), {"reason": "x"})
    assert response.status_code == 200
    assert "still has 50.00 EUR reserved and 0.00 EUR used" in response.content.decode()
    assert eur(customer) == (95_000, 5_000, 0)


@pytest.mark.parametrize("currency", ["USD", "GBP", "eur", "X"])
def test_only_another_currency_open_line_has_a_close_page(client_as, currency):
    customer = approved_customer()
    credit_line_grant(customer=customer, actor=OFFICER, currency_code="EUR", credit_limit=100_000, reason="EU")
    assert client_as("credit_officer").get(url("customer_credit_line_close", customer, currency)).status_code == 404


def test_viewers_and_account_managers_cannot_change_lines(client_as):
    customer = approved_customer()
    credit_line_grant(customer=customer, actor=OFFICER, currency_code="EUR", credit_limit=100_000, reason="EU")
    for role in ("viewer", "account_manager"):
        client = client_as(role)
        page = client.get(url("customer_detail", customer)).content.decode()
        assert 'data-testid="grant-line"' not in page and 'data-testid="close-line-EUR"' not in page
        grant = {"currency_code": "CAD", "credit_limit": "10", "reason": "x"}
        assert client.post(url("customer_credit_line_grant", customer), grant).status_code == 403
        assert client.post(url("customer_credit_line_close", customer, "EUR"), {"reason": "x"}).status_code == 403
    assert eur(customer) == (100_000, 0, 0)
