import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from credit.models import CreditBalance, CreditLedgerEntry, CreditTransaction
from credit.services import credit_transaction_bill, credit_transaction_repay
from tests.credit.builders import API, approved_customer, completed_transaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def books():
    """Two customers with every kind of movement."""
    first = approved_customer(limit=1_000_000)
    tx = completed_transaction(first, 300_000)
    credit_transaction_repay(credit_transaction=tx, actor=API, amount=100_000)
    credit_transaction_bill(customer=first, actor=API, amount=50_000, currency_code="USD")
    second = approved_customer(limit=500_000, currency="EUR")
    credit_transaction_bill(customer=second, actor=API, amount=10_000, currency_code="EUR")
    return first, second


def reconcile():
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("reconcile_credit", stdout=out, stderr=err)
    except CommandError as error:
        return str(error), out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def test_clean_books_reconcile(books):
    failure, out, err = reconcile()
    assert failure is None
    assert out.strip() == "OK: 2 balances and 7 ledger entries reconcile."
    assert err == ""


def test_a_tampered_balance_is_reported(books):
    first, _ = books
    CreditBalance.objects.filter(customer=first).update(available=999_999)
    failure, _, err = reconcile()
    assert failure == "1 mismatch(es) across 2 balances and 7 ledger entries."
    assert f"MISMATCH {first.id} USD" in err
    assert "available 999999 vs ledger 750000" in err


def test_a_ledger_entry_with_a_broken_chain_is_reported(books):
    _, second = books
    balance = CreditBalance.objects.get(customer=second)
    forged = CreditLedgerEntry.objects.create(
        balance=balance, customer_id=second.id, currency_code="EUR", entry_type="grant", amount=5,
        delta_available=5, delta_reserved=0, delta_used=0, available_after=1, reserved_after=0, used_after=0,
        actor_type="system",
    )  # fmt: skip
    failure, _, err = reconcile()
    assert failure is not None
    assert (
        f"ledger entry {forged.id} records balances after it of 1/0/0 but the entries up to it add up to 490005/10000/0"
        in err
    )
    assert "balance differs from the sum of its ledger" in err


def test_a_balance_that_disagrees_with_its_transactions_is_reported(books):
    first, _ = books
    CreditTransaction.objects.filter(customer=first, status="billed").update(amount=40_000)
    failure, _, err = reconcile()
    assert failure == "1 mismatch(es) across 2 balances and 7 ledger entries."
    assert "reserved 50000 vs billed transactions 40000" in err


def test_empty_books_reconcile():
    assert reconcile() == (None, "OK: 0 balances and 0 ledger entries reconcile.\n", "")


def test_the_check_is_not_bounded_by_the_web_statement_timeout(books):
    """A whole-book check over millions of rows can take longer than a web request may: the command lifts the
    statement timeout for its own transaction (it timed out once in `make bench`, right after a bulk load)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL statement_timeout = 1")  # 1 ms, for the test's transaction: any real query fails
    code, out, _ = reconcile()
    assert code is None and out.startswith("OK")


@pytest.mark.django_db(transaction=True)
def test_the_lifted_timeout_does_not_outlive_the_check():
    """SET LOCAL, not SET: through a transaction-pooling PgBouncer a session setting would stay on a server
    connection that the next client gets."""

    def timeout() -> str:
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            return cursor.fetchone()[0]

    before = timeout()
    assert reconcile()[0] is None
    assert timeout() == before != "0"
