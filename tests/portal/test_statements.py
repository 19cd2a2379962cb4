"""The portal's statements: the months worth reading per currency (movements, or a balance owed at the end), the most
recent first, a year at a time; each a PDF and a CSV that are the staff download's (credit.statements.statement_get
rendered by credit.statement_documents), read back here with pypdf and csv; the customer from the session only, so
another customer's statements cannot be reached; a bad month, currency or format is not found."""

import csv
import io
import re
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from core import ids
from credit.services import (
    credit_transaction_bill,
    credit_transaction_cancel,
    credit_transaction_complete,
    credit_transaction_repay,
)
from credit.statements import statement_get, statement_months
from tests.credit.builders import API, approved_customer, grant_line
from tests.factories import CustomerUserFactory
from tests.portal.conftest import signed_in_client
from tests.staff.builders import staff_user

pytestmark = pytest.mark.django_db

MARCH, APRIL, MAY, JUNE = (date(2031, month, 1) for month in (3, 4, 5, 6))


@contextmanager
def on(day: date, hour: int = 12):
    """At noon UTC on `day`, the clock running (ids made meanwhile are of that day)."""
    ids._last = 0
    with time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=True):
        yield


def text(response) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", response.content.decode()).split())


def pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def csv_rows(response) -> list[dict]:
    return list(csv.DictReader(io.StringIO(response.content.decode())))


@pytest.fixture
def book():
    """Acme, in 2031 (UTC): March, a 10,000.00 USD line; P1 3,000.00 billed by Ann and completed, P2 2,000.00 billed
    and cancelled. April: 1,000.00 of P1 repaid, P3 500.00 billed and completed. May: a EUR line, unused; nothing
    else. Globex: its own 7,777.00 USD purchase in April."""
    with on(date(2031, 3, 5)):
        acme = approved_customer(limit=1_000_000, name="Acme Tools", email="ap@acme.example")
        ann = CustomerUserFactory(customer=acme, email="ann@acme.example", first_name="Ann", last_name="Archer")
        p1 = credit_transaction_bill(
            customer=acme, actor=API, amount=300_000, currency_code="USD", reference="INV-1", customer_user_id=ann.id
        )
        p2 = credit_transaction_bill(customer=acme, actor=API, amount=200_000, currency_code="USD", reference="INV-2")
        globex = approved_customer(limit=2_000_000, name="Globex", email="ap@globex.example")
        gil = CustomerUserFactory(customer=globex, email="gil@globex.example", first_name="Gil")
    with on(date(2031, 3, 10)):
        p1 = credit_transaction_complete(credit_transaction=p1, actor=API)
    with on(date(2031, 3, 12)):
        credit_transaction_cancel(credit_transaction=p2, actor=API)
    with on(date(2031, 4, 2)):
        credit_transaction_repay(credit_transaction=p1, actor=API, amount=100_000)
        theirs = credit_transaction_bill(customer=globex, actor=API, amount=777_700, currency_code="USD")
    with on(date(2031, 4, 15)):
        p3 = credit_transaction_bill(customer=acme, actor=API, amount=50_000, currency_code="USD", reference="INV-3")
        credit_transaction_complete(credit_transaction=p3, actor=API)
    with on(date(2031, 5, 3)):
        grant_line(acme, 400_000, "EUR")
    return {"acme": acme, "ann": ann, "globex": globex, "gil": gil, "theirs": theirs, "p1": p1}


def rows_of(response) -> list[str]:
    return [text_of(row) for row in re.findall(r"<tr>.*?</tr>", response.content.decode(), re.S)[1:]]


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_months_with_movements_or_a_balance_owed_are_listed_most_recent_first(book):
    with on(date(2031, 6, 20)):
        response = signed_in_client(book["acme"], book["ann"]).get("/portal/statements")
        listed = statement_months(customer=book["acme"], year=2031)
        closing = {
            (item.month, item.currency_code): statement_get(
                customer=book["acme"], currency_code=item.currency_code, month=item.month
            ).closing_balance
            for item in listed
        }
    assert response.status_code == 200
    # June (so far) and May: no movements, 2,500.00 still owed; April: a repayment, a purchase and its completion;
    # March: two purchases, a completion and a cancellation. The EUR line never moved nor owed: no statement listed.
    assert rows_of(response) == [
        "June 2031 so far USD 0 2,500.00 USD PDF CSV",
        "May 2031 USD 0 2,500.00 USD PDF CSV",
        "April 2031 USD 3 2,500.00 USD PDF CSV",
        "March 2031 USD 4 3,000.00 USD PDF CSV",
    ]
    assert [(item.month, item.movements, item.closing_balance) for item in listed] == [
        (JUNE, 0, 250_000),
        (MAY, 0, 250_000),
        (APRIL, 3, 250_000),
        (MARCH, 4, 300_000),
    ]
    # The list's balances are the statements' own.
    assert all(closing[(item.month, item.currency_code)] == item.closing_balance for item in listed)
    assert 'href="/portal/statements/2031-04/USD.pdf"' in response.content.decode()
    assert 'href="/portal/statements/2031-04/USD.csv"' in response.content.decode()
    assert "Other years" not in text(response)  # the first balance was opened in 2031


def test_a_months_pdf_opens_and_carries_its_totals(book):
    with on(date(2031, 6, 20)):
        response = signed_in_client(book["acme"], book["ann"]).get("/portal/statements/2031-04/USD.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'attachment; filename="statement-{book["acme"].id}-USD-2031-04.pdf"'
    assert "no-store" in response["Cache-Control"]
    pdf = pdf_text(response.content)
    for expected in (
        "Acme Tools",
        book["acme"].id,
        "April 2031",
        "Opening balance",
        "3,000.00",
        "Repayment",
        "-1,000.00",
        "INV-3",
        "Closing balance",
        "2,500.00",
        "10,000.00",  # the credit limit
        "7,500.00",  # available
    ):
        assert expected in pdf, f"{expected!r} not in the PDF"
    assert "Globex" not in pdf and "7,777.00" not in pdf


def test_a_months_csv_carries_its_totals(book):
    with on(date(2031, 6, 20)):
        response = signed_in_client(book["acme"], book["ann"]).get("/portal/statements/2031-03/USD.csv")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    rows = csv_rows(response)
    assert [row["type"] for row in rows] == [
        "opening_balance",
        "purchase",
        "purchase",
        "completed",
        "canceled",
        "closing_balance",
    ]
    opening, closing = int(rows[0]["balance"]), int(rows[-1]["balance"])
    assert (opening, closing, rows[-1]["balance_decimal"]) == (0, 300_000, "3000.00")
    assert opening + sum(int(row["change"]) for row in rows[1:-1]) == closing
    assert (rows[1]["buyer"], rows[1]["buyer_email"]) == ("Ann Archer", "ann@acme.example")
    assert rows[1]["reference"] == "INV-1"


def test_a_company_session_reads_and_downloads_statements(book):
    with on(date(2031, 6, 20)):
        client = signed_in_client(book["acme"])
        assert "April 2031" in text(client.get("/portal/statements"))
        response = client.get("/portal/statements/2031-05/USD.csv")
    assert response.status_code == 200
    rows = csv_rows(response)
    assert [row["type"] for row in rows] == ["opening_balance", "closing_balance"]
    assert rows[0]["balance"] == rows[-1]["balance"] == "250000"


def test_another_customers_statements_cannot_be_reached(book):
    """The URL names no customer: the session's customer is the only one read."""
    with on(date(2031, 6, 20)):
        grant_line(book["globex"], 100_000, "GBP")
        acme = signed_in_client(book["acme"], book["ann"])
        globex = signed_in_client(book["globex"], book["gil"])
        acme_april = acme.get("/portal/statements/2031-04/USD.csv")
        globex_april = globex.get("/portal/statements/2031-04/USD.csv")
        acme_list = acme.get("/portal/statements")
        gbp = acme.get("/portal/statements/2031-06/GBP.pdf")
        assert globex.get("/portal/statements/2031-06/GBP.pdf").status_code == 200
    acme_ids = {row["transaction_id"] for row in csv_rows(acme_april)} - {""}
    globex_ids = {row["transaction_id"] for row in csv_rows(globex_april)} - {""}
    assert book["theirs"].id in globex_ids and book["theirs"].id not in acme_ids
    assert book["p1"].id in acme_ids and book["p1"].id not in globex_ids
    assert csv_rows(globex_april)[-1]["balance"] == "777700"
    assert b"Globex" not in acme_list.content and b"GBP" not in acme_list.content
    assert gbp.status_code == 404 and b"Not found" in gbp.content


@pytest.mark.parametrize(
    "path",
    [
        "/portal/statements/2031-13/USD.pdf",  # no such month
        "/portal/statements/2031-07/USD.pdf",  # not begun
        "/portal/statements/1999-12/USD.pdf",  # before statements
        "/portal/statements/2031-4/USD.pdf",
        "/portal/statements/april/USD.csv",
        "/portal/statements/2031-04/usd.pdf",
        "/portal/statements/2031-04/GBP.pdf",  # no line in GBP
        "/portal/statements/2031-04/USD.xlsx",
        "/portal/statements/2031-04/USD.pdf.csv",
        "/portal/statements?year=2030",  # before the first balance
        "/portal/statements?year=2032",
        "/portal/statements?year=twenty",
    ],
)
def test_a_bad_month_currency_format_or_year_is_not_found_in_the_portals_layout(book, path):
    with on(date(2031, 6, 20)):
        response = signed_in_client(book["acme"], book["ann"]).get(path)
    assert response.status_code == 404
    page = response.content.decode()
    assert "Not found" in page and 'href="/portal/statements" aria-current="page"' in page


def test_statements_need_a_portal_session(book):
    for path in ("/portal/statements", "/portal/statements/2031-04/USD.pdf"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"] == "/portal/sign-in"


def test_the_list_reads_a_fixed_number_of_queries_whatever_the_months_movements(book):
    """The list counts each month's movements in the database: it builds no statement and loads no ledger rows."""

    def queries_for_the_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            statement_months(customer=book["acme"], year=2031)
        return len(queries.captured_queries)

    with on(date(2031, 6, 20)):
        before = queries_for_the_list()
        for number in range(30):
            credit_transaction_bill(customer=book["acme"], actor=API, amount=100 + number, currency_code="USD")
        after = queries_for_the_list()
        june = statement_months(customer=book["acme"], year=2031)[0]
    # The customer's balances, one aggregate, the months' last entries, and one read per currency before the year.
    assert before == after == 3 + 2
    assert (june.month, june.movements, june.closing_balance) == (JUNE, 30, 250_000 + sum(range(100, 130)))


def test_the_portals_file_is_the_staff_downloads(book):
    """One statement, two doors: the buyer's CSV is byte for byte what a viewer downloads from the customer page."""
    with on(date(2031, 6, 20)):
        portal = signed_in_client(book["acme"], book["ann"]).get("/portal/statements/2031-04/USD.csv")
        viewer = Client()
        viewer.force_login(staff_user("viewer"))
        staff = viewer.get(f"/staff/customers/{book['acme'].id}/statement?month=2031-04&currency=USD&format=csv")
    assert staff.status_code == portal.status_code == 200
    assert portal.content == staff.content
    assert portal["Content-Disposition"] == staff["Content-Disposition"]
