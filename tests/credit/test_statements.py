"""Monthly statements (credit.statements): the numbers, read from the ledger, over months the tests travel through
(UTC months), agreeing with the balances the API reports; and their CSV and PDF (read back with pypdf)."""

import csv
import io
from contextlib import contextmanager
from datetime import UTC, date, datetime

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pypdf import PdfReader

from core import ids
from core.partitions import ensure_partitions
from credit import statements
from credit.selectors import customer_past_due
from credit.services import (
    credit_line_update,
    credit_transaction_bill,
    credit_transaction_cancel,
    credit_transaction_complete,
    credit_transaction_repay,
)
from credit.statement_documents import CSV_COLUMNS, statement_document
from credit.statements import (
    StatementLineKind,
    statement_balances,
    statement_currencies,
    statement_get,
    statement_month_parse,
    statement_months,
)
from tests.api.conftest import Api, make_api_key
from tests.credit.builders import API, OFFICER, approved_customer, grant_line
from tests.factories import CustomerUserFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db


@contextmanager
def on(day: date, hour: int = 12):
    """At noon UTC on `day`, the clock running: the ids made meanwhile are of that day (the id generator forgets the
    later ids it made, which it would otherwise count on from; the conftest fixture restores them)."""
    ids._last = 0
    with time_machine.travel(datetime(day.year, day.month, day.day, hour, tzinfo=UTC), tick=True):
        yield


MARCH, APRIL, MAY, JUNE = (date(2031, month, 1) for month in (3, 4, 5, 6))


def kinds_and_balances(statement) -> list[tuple[str, int, int, int]]:
    return [(line.kind, line.amount, line.change, line.balance) for line in statement.lines]


@pytest.fixture
def book():
    """A customer's purchases over three months (2031, UTC), built through the services:

    March: approved with a 1,000,000 line; P1 300,000 billed (by a named buyer) and completed, P2 200,000 billed and
    cancelled. April: 100,000 of P1 repaid; P3 50,000 billed and completed; the line raised to 1,200,000. May: nothing.
    """
    with on(date(2031, 3, 5)):
        customer = approved_customer(limit=1_000_000, name="Bluebird Coffee")
        buyer = CustomerUserFactory(customer=customer, first_name="Ann", last_name="Lee", email="ann@bluebird.example")
        p1 = credit_transaction_bill(
            customer=customer,
            actor=API,
            amount=300_000,
            currency_code="USD",
            reference="INV-1",
            description="Coffee beans",
            customer_user_id=buyer.id,
        )
        p2 = credit_transaction_bill(customer=customer, actor=API, amount=200_000, currency_code="USD")
    with on(date(2031, 3, 10)):
        p1 = credit_transaction_complete(credit_transaction=p1, actor=API)
    with on(date(2031, 3, 12)):
        credit_transaction_cancel(credit_transaction=p2, actor=API)
    with on(date(2031, 4, 2)):
        credit_transaction_repay(credit_transaction=p1, actor=API, amount=100_000)
    with on(date(2031, 4, 15)):
        p3 = credit_transaction_bill(customer=customer, actor=API, amount=50_000, currency_code="USD")
        p3 = credit_transaction_complete(credit_transaction=p3, actor=API)
        credit_line_update(customer=customer, actor=OFFICER, credit_limit=1_200_000, reason="more", currency_code="USD")
    return {"customer": reloaded(customer), "p1": reloaded(p1), "p2": p2, "p3": reloaded(p3)}


def test_a_month_lists_each_purchase_completion_cancellation_with_the_running_balance(book):
    with on(date(2031, 6, 20)):
        march = statement_get(customer=book["customer"], currency_code="USD", month=MARCH)

    assert march.opening_balance == 0
    assert kinds_and_balances(march) == [
        (StatementLineKind.PURCHASE, 300_000, 300_000, 300_000),
        (StatementLineKind.PURCHASE, 200_000, 200_000, 500_000),
        (StatementLineKind.COMPLETED, 300_000, 0, 500_000),
        (StatementLineKind.CANCELED, 200_000, -200_000, 300_000),
    ]
    first = march.lines[0]
    assert (first.transaction_id, first.reference, first.description) == (book["p1"].id, "INV-1", "Coffee beans")
    assert (first.buyer, first.buyer_email) == ("Ann Lee", "ann@bluebird.example")
    assert first.at.date() == date(2031, 3, 5)
    assert march.lines[2].due_at == book["p1"].due_at
    assert (march.closing_balance, march.credit_limit, march.available, march.past_due) == (
        300_000,
        1_000_000,
        700_000,
        0,
    )
    assert (march.purchases_total, march.canceled_total, march.repaid_total) == (500_000, 200_000, 0)
    assert march.is_complete and march.as_of == datetime(2031, 4, 1, tzinfo=UTC)


def test_the_next_month_opens_where_the_last_closed_and_counts_what_was_past_due_at_its_end(book):
    with on(date(2031, 6, 20)):
        april = statement_get(customer=book["customer"], currency_code="USD", month=APRIL)

    assert april.opening_balance == 300_000
    # The line's raise is no line of the statement: it moves nothing owed.
    assert kinds_and_balances(april) == [
        (StatementLineKind.REPAYMENT, 100_000, -100_000, 200_000),
        (StatementLineKind.PURCHASE, 50_000, 50_000, 250_000),
        (StatementLineKind.COMPLETED, 50_000, 0, 250_000),
    ]
    assert (april.closing_balance, april.credit_limit, april.available) == (250_000, 1_200_000, 950_000)
    # P1 (due 9 April) still owed 200,000 at the end of April; P3 was due in May.
    assert april.past_due == 200_000
    assert april.repaid_total == 100_000


def test_a_month_without_movements_has_a_statement_with_opening_equal_to_closing(book):
    with on(date(2031, 6, 20)):
        may = statement_get(customer=book["customer"], currency_code="USD", month=MAY)
        before = statement_get(customer=book["customer"], currency_code="USD", month=date(2031, 1, 1))

    assert may.lines == ()
    assert may.opening_balance == may.closing_balance == 250_000
    assert (may.credit_limit, may.available) == (1_200_000, 950_000)
    assert may.past_due == 250_000  # P3 fell due in May too
    # Before the line existed: all zero.
    assert (before.opening_balance, before.closing_balance, before.credit_limit, before.past_due) == (0, 0, 0, 0)


def test_the_current_months_closing_balance_is_what_the_api_reports_after_a_partial_repayment(book):
    customer = book["customer"]
    with on(date(2031, 6, 3)):
        p4 = credit_transaction_bill(customer=customer, actor=API, amount=70_000, currency_code="USD")
        p5 = credit_transaction_bill(customer=customer, actor=API, amount=5_000, currency_code="USD")
        credit_transaction_cancel(credit_transaction=p5, actor=API)
        # (P1 is long past due: the repayment puts the customer on a past-due hold, so it comes last.)
        credit_transaction_repay(credit_transaction=book["p1"], actor=API, amount=25_000)
    with on(date(2031, 6, 4)):
        june = statement_get(customer=customer, currency_code="USD", month=JUNE)
        response = Api(make_api_key()).get(f"customers/{customer.id}/credit-balances")
        past_due = customer_past_due(customer=customer, now=june.as_of)

    assert response.status_code == 200, response.content
    (balance,) = response.json()["data"]
    buckets = balance["balance"]
    assert june.closing_balance == int(buckets["reserved"]) + int(buckets["used"]) == 250_000 - 25_000 + 70_000
    assert june.available == int(buckets["available"])
    assert june.credit_limit == int(buckets["available"]) + int(buckets["reserved"]) + int(buckets["used"])
    assert june.past_due == past_due[0]["outstanding"] == 225_000
    assert june.opening_balance == 250_000
    assert not june.is_complete and june.as_of < june.period_end
    assert p4.id in {line.transaction_id for line in june.lines}


def test_the_months_ledger_query_reads_only_that_months_partition(book):
    if connection.vendor != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")
    # The months travelled to get partitions of their own (the daily task makes them; the rows move out of the
    # default partition); the test's transaction takes them away again.
    ensure_partitions(today=MARCH, months_ahead=4)

    with on(date(2031, 6, 20)), CaptureQueriesContext(connection) as queries:
        statement_get(customer=book["customer"], currency_code="USD", month=APRIL)
    ledger_reads = [query["sql"] for query in queries.captured_queries if "creditledgerentry" in query["sql"]]
    plans = []
    for sql in ledger_reads:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    before, in_month, past_due = plans
    assert "p203104" in in_month
    assert not {"p203103", "p203105", "p203106", "_default"} & {part for part in _parts(in_month)}
    # The opening balance reads no month after April's start, past due none after its end.
    assert not {"p203104", "p203105", "p203106"} & _parts(before)
    assert not {"p203105", "p203106"} & _parts(past_due)


def _parts(plan: str) -> set[str]:
    return {word.split("credit_creditledgerentry")[1] for word in plan.split() if "credit_creditledgerentry_" in word}


def test_a_second_currency_has_statements_of_its_own(book):
    customer = book["customer"]
    with on(date(2031, 6, 5)):
        grant_line(customer, 500_000, "EUR")
        credit_transaction_bill(customer=customer, actor=API, amount=1_000, currency_code="EUR")
        eur = statement_get(customer=customer, currency_code="EUR", month=JUNE)

    assert statement_currencies(customer=customer) == ["EUR", "USD"]
    assert (eur.opening_balance, eur.closing_balance, eur.credit_limit, eur.available) == (0, 1_000, 500_000, 499_000)
    assert [line.kind for line in eur.lines] == [StatementLineKind.PURCHASE]


def test_a_currency_without_a_balance_or_a_month_to_come_is_refused(book):
    with on(date(2031, 6, 20)):
        with pytest.raises(ValidationError, match="no credit line in GBP"):
            statement_get(customer=book["customer"], currency_code="GBP", month=MAY)
        with pytest.raises(ValidationError, match="not begun"):
            statement_get(customer=book["customer"], currency_code="USD", month=date(2031, 7, 1))
        assert statement_month_parse("2031-06") == JUNE
        for bad in ("2031-07", "2031-13", "2031-6", "June", "", None, "1999-12", "2031-00"):
            with pytest.raises(ValidationError):
                statement_month_parse(bad)


def test_the_balances_to_email_are_those_opened_by_the_months_end_of_customers_with_active_users(book):
    customer = book["customer"]
    with on(date(2031, 6, 20)):
        other = approved_customer(limit=1_000)  # no users: nobody to email
    assert list(statement_balances(month=APRIL).values_list("customer_id", flat=True)) == [customer.id]
    assert list(statement_balances(month=date(2031, 2, 1))) == []
    assert other.id not in set(statement_balances(month=JUNE).values_list("customer_id", flat=True))


def test_the_csv_has_a_header_opening_and_closing_rows_and_amounts_in_minor_and_major_units(book):
    with on(date(2031, 6, 20)):
        document = statement_document(statement_get(customer=book["customer"], currency_code="USD", month=APRIL), "csv")

    assert document.file_name == f"statement-{book['customer'].id}-USD-2031-04.csv"
    assert document.content_type == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(document.content.decode())))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert [row["type"] for row in rows] == ["opening_balance", "repayment", "purchase", "completed", "closing_balance"]
    assert (rows[0]["balance"], rows[0]["balance_decimal"]) == ("300000", "3000.00")
    repayment = rows[1]
    assert (repayment["amount"], repayment["amount_decimal"]) == ("100000", "1000.00")
    assert (repayment["change"], repayment["change_decimal"]) == ("-100000", "-1000.00")
    assert (rows[-1]["balance"], rows[-1]["balance_decimal"], rows[-1]["date"]) == (
        "250000",
        "2500.00",
        "2031-05-01T00:00:00Z",
    )


def test_a_csv_cell_a_spreadsheet_would_run_is_quoted(book):
    customer = book["customer"]
    with on(date(2031, 6, 5)):
        credit_transaction_bill(
            customer=customer, actor=API, amount=1_000, currency_code="USD", reference="=HYPERLINK(1)"
        )
        document = statement_document(statement_get(customer=customer, currency_code="USD", month=JUNE), "csv")
    rows = list(csv.DictReader(io.StringIO(document.content.decode())))
    assert rows[1]["reference"] == "'=HYPERLINK(1)"


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_opens_and_carries_the_seller_customer_period_lines_and_totals(book, settings):
    settings.SELLER_NAME = "Acme Roasters Ltd"
    with on(date(2031, 6, 20)):
        statement = statement_get(customer=book["customer"], currency_code="USD", month=APRIL)
        document = statement_document(statement, "pdf")

    assert document.content.startswith(b"%PDF-")
    assert document.content_type == "application/pdf"
    text = pdf_text(document.content)
    for expected in (
        "Acme Roasters Ltd",
        "Bluebird Coffee",
        book["customer"].id,
        "April 2031",
        "USD",
        "Opening balance",
        "3,000.00",  # opening
        "Repayment",
        "-1,000.00",
        "Closing balance",
        "2,500.00",  # closing
        "12,000.00",  # credit limit
        "9,500.00",  # available
        "2,000.00",  # past due
    ):
        assert expected in text, f"{expected!r} not in the PDF's text"


def test_a_pdf_prints_names_beyond_latin_1_and_runs_over_pages(book):
    customer = book["customer"]
    customer.name = "Kaffee Ōsaka Łódź"
    customer.save(update_fields=["name"])
    with on(date(2031, 6, 5)):
        for number in range(60):
            credit_transaction_bill(
                customer=customer, actor=API, amount=100 + number, currency_code="USD", reference=f"R-{number}"
            )
        document = statement_document(
            statement_get(customer=reloaded(customer), currency_code="USD", month=JUNE), "pdf"
        )

    reader = PdfReader(io.BytesIO(document.content))
    assert len(reader.pages) >= 2
    text = pdf_text(document.content)
    assert "Kaffee Ōsaka Łódź" in text and "R-59" in text


def test_a_month_read_in_chunks_is_the_same_statement(book, monkeypatch):
    """A month's entries are read STATEMENT_CHUNK at a time (keyset on the id): the lines and balances do not depend
    on the chunk size."""
    with on(date(2031, 6, 20)):
        whole = statement_get(customer=book["customer"], currency_code="USD", month=MARCH)
        monkeypatch.setattr(statements, "STATEMENT_CHUNK", 3)
        with CaptureQueriesContext(connection) as queries:
            chunked = statement_get(customer=book["customer"], currency_code="USD", month=MARCH)
    assert chunked == whole and len(whole.lines) == 4
    # Four entries in March (two reserves, a use, a release) and the grant: two chunks of 3.
    in_month = [q for q in queries.captured_queries if "creditledgerentry" in q["sql"] and " LIMIT 3" in q["sql"]]
    assert len(in_month) == 2


def test_the_years_list_reads_that_years_partitions_only(book):
    if connection.vendor != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")
    ensure_partitions(today=MARCH, months_ahead=10)  # to January 2032

    with on(date(2031, 6, 20)), CaptureQueriesContext(connection) as queries:
        listed = statement_months(customer=book["customer"], year=2031)
    assert [(item.month, item.movements, item.closing_balance) for item in listed] == [
        (JUNE, 0, 250_000),
        (MAY, 0, 250_000),
        (APRIL, 3, 250_000),
        (MARCH, 4, 300_000),
    ]
    plans = []
    for query in queries.captured_queries:
        if "creditledgerentry" in query["sql"]:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN " + query["sql"])
                plans.append(_parts("\n".join(row[0] for row in cursor.fetchall())))
    aggregate, _last_entries, before = plans
    # The year's months to the current one; nothing from July on; before the year, nothing of it.
    assert {"_p203103", "_p203104", "_p203105", "_p203106"} <= aggregate
    assert not {part for part in aggregate if part.startswith(("_p203107", "_p203108", "_p2032"))}
    assert not {part for part in before if part.startswith("_p2031")}
