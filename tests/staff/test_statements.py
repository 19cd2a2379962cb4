"""Staff download of a customer's monthly statement from the Ledger tab: PDF and CSV for every role that reads the
customer page (viewers and credit officers alike), a bad month or currency answered with the form's errors."""

import csv
import io

import pytest
from django.urls import reverse
from pypdf import PdfReader

from credit.services import credit_transaction_bill
from credit.statements import current_month, month_key
from tests.credit.builders import API, approved_customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def customer():
    customer = approved_customer(limit=1_000_000, name="Bluebird Coffee")
    credit_transaction_bill(customer=customer, actor=API, amount=123_456, currency_code="USD", reference="INV-9")
    return customer


def url(customer, **params) -> str:
    base = reverse("staff:customer_statement", args=[customer.id])
    return base + ("?" + "&".join(f"{key}={value}" for key, value in params.items()) if params else "")


THIS_MONTH = month_key(current_month())


@pytest.mark.parametrize("role", ["viewer", "credit_officer", "account_manager"])
def test_a_reader_downloads_this_months_pdf_with_the_purchase_and_totals(client_as, customer, role):
    response = client_as(role).get(url(customer, month=THIS_MONTH, currency="USD", format="pdf"))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (f'attachment; filename="statement-{customer.id}-USD-{THIS_MONTH}.pdf"')
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "Bluebird Coffee" in text and "INV-9" in text
    assert "1,234.56" in text  # the purchase, and the closing balance
    assert "8,765.44" in text  # available


def test_the_csv_download_has_the_purchase_in_minor_and_major_units(client_as, customer):
    response = client_as("viewer").get(url(customer, month=THIS_MONTH, currency="USD", format="csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["type"] for row in rows] == ["opening_balance", "purchase", "closing_balance"]
    assert (rows[1]["amount"], rows[1]["amount_decimal"], rows[1]["reference"]) == ("123456", "1234.56", "INV-9")


def test_the_ledger_tab_offers_the_statement_for_each_currency(client_as, customer):
    html = client_as("viewer").get(reverse("staff:customer_detail", args=[customer.id])).content.decode()

    ledger = html[html.index('id="ledger-title"') :]
    assert f'action="{reverse("staff:customer_statement", args=[customer.id])}"' in ledger
    assert f'name="month" value="{THIS_MONTH}"' in ledger
    assert '<option value="USD" selected>USD</option>' in ledger
    assert 'name="format" value="pdf"' in ledger and 'name="format" value="csv"' in ledger


def test_without_a_choice_the_page_shows_the_form(client_as, customer):
    response = client_as("viewer").get(url(customer))

    assert response.status_code == 200
    assert b'type="month"' in response.content and b"Download" in response.content


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"month": "2026-13", "currency": "USD", "format": "pdf"}, "month", "Enter a month as YYYY-MM"),
        ({"month": "last", "currency": "USD", "format": "pdf"}, "month", "Enter a month as YYYY-MM"),
        ({"month": "2999-01", "currency": "USD", "format": "pdf"}, "month", "has not begun"),
        ({"month": "1999-12", "currency": "USD", "format": "pdf"}, "month", "start in January 2000"),
        ({"currency": "USD", "format": "pdf"}, "month", "This field is required"),
        ({"month": THIS_MONTH, "currency": "EUR", "format": "pdf"}, "currency", "Select a valid choice"),
        ({"month": THIS_MONTH, "currency": "usd", "format": "pdf"}, "currency", "Select a valid choice"),
        ({"month": THIS_MONTH, "currency": "USD", "format": "xlsx"}, "format", "Select a valid choice"),
    ],
)
def test_a_bad_month_currency_or_format_is_answered_with_the_forms_error(client_as, customer, params, field, message):
    response = client_as("viewer").get(url(customer, **params))

    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    html = response.content.decode()
    assert message in html
    assert f'name="{field}"' in html and 'aria-invalid="true"' in html


def test_a_customer_without_a_line_has_no_statements(client_as):
    customer = CustomerFactory()

    response = client_as("viewer").get(url(customer))
    assert response.status_code == 200 and b"no credit line yet" in response.content
    refused = client_as("viewer").get(url(customer, month=THIS_MONTH, currency="USD", format="pdf"))
    assert refused.status_code == 400


def test_a_statement_of_an_unknown_customer_is_404(client_as):
    response = client_as("viewer").get(
        reverse("staff:customer_statement", args=["ctm_01jx8f3k9q2m7v5t4r6w8y0zab"])
        + f"?month={THIS_MONTH}&currency=USD&format=pdf"
    )
    assert response.status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(client, customer):
    response = client.get(url(customer, month=THIS_MONTH, currency="USD", format="pdf"))
    assert response.status_code == 302 and "/staff/login" in response["Location"]


def test_the_download_is_not_cached(client_as, customer):
    response = client_as("viewer").get(url(customer, month=THIS_MONTH, currency="USD", format="csv"))
    assert "no-store" in response["Cache-Control"]
