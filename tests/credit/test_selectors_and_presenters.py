from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from core.errors import NotFound
from core.pagination import keyset_paginate, parse_ordering
from credit.models import CreditCheck, CreditLedgerEntry
from credit.presenters import (
    balance_to_dict,
    credit_decision_to_dict,
    credit_transaction_to_dict,
    ledger_entry_to_dict,
)
from credit.selectors import (
    credit_balance_list,
    credit_decision_list,
    credit_review_queue,
    credit_transaction_get,
    credit_transaction_list,
    ledger_entry_list,
)
from credit.services import (
    credit_check_decide,
    credit_check_request,
    credit_hold,
    credit_line_update,
    credit_reinstate,
    credit_transaction_bill,
)
from tests.credit.builders import API, OFFICER, approved_customer, completed_transaction
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def first_page(queryset, per_page=50):
    return keyset_paginate(queryset, ordering=parse_ordering("id[ASC]", allowed=("id",)), per_page=per_page)


def referred(**customer_fields):
    check = credit_check_request(
        customer=CustomerFactory(**customer_fields), actor=API, amount_requested=100, has_purchase_history=False
    )
    credit_check_decide(credit_check_id=check.id)
    return check


def test_review_queue_lists_referred_checks_oldest_first_with_waiting_time():
    older, newer = referred(), referred()
    approved_customer(via_check=True)  # decided: not in the queue
    CreditCheck.objects.filter(pk=older.pk).update(requested_at=timezone.now() - timedelta(hours=26))
    page = first_page(credit_review_queue())
    assert [check.id for check in page.items] == [older.id, newer.id]
    assert timedelta(hours=26) <= page.items[0].waiting < timedelta(hours=27)
    assert page.items[1].waiting < timedelta(minutes=5)


def test_review_queue_page_is_one_query():
    for _ in range(3):
        referred()
    with CaptureQueriesContext(connection) as queries:
        page = first_page(credit_review_queue())
        rows = [(check.id, check.score, check.customer.name, check.waiting) for check in page.items]
    assert len(rows) == 3
    assert len(queries) == 1


def test_decision_history_pages_in_order_and_in_one_query():
    customer = approved_customer()
    credit_hold(customer=customer, actor=OFFICER, hold_code="other")
    credit_reinstate(customer=customer, actor=OFFICER)
    with CaptureQueriesContext(connection) as queries:
        page = first_page(credit_decision_list(customer=customer), per_page=2)
        rows = [credit_decision_to_dict(decision) for decision in page.items]
    assert [row["decision"] for row in rows] == ["approved", "hold"]
    assert page.has_more is True
    assert len(queries) == 1


def test_decision_object_has_exactly_the_spec_fields():
    customer = approved_customer()
    decision = credit_decision_list(customer=customer).get()
    assert list(credit_decision_to_dict(decision)) == [
        "id", "customer_id", "credit_check_id", "decision", "amount", "currency_code", "default_terms",
        "decline_code", "hold_code", "reasons", "score", "decided_by", "created_at",
    ]  # fmt: skip


def test_transaction_list_filters_by_status_and_rejects_unknown_ones():
    customer = approved_customer()
    done = completed_transaction(customer, 100)
    open_one = credit_transaction_bill(customer=customer, actor=API, amount=200, currency_code="USD")
    assert [tx.id for tx in credit_transaction_list(customer=customer, filters={"status": "billed"})] == [open_one.id]
    assert {tx.id for tx in credit_transaction_list(customer=customer)} == {done.id, open_one.id}
    with pytest.raises(ValidationError):
        credit_transaction_list(customer=customer, filters={"status": "billed,lost"})
    rows = [credit_transaction_to_dict(tx) for tx in first_page(credit_transaction_list(customer=customer)).items]
    assert [row["status"] for row in rows] == ["completed", "billed"]


def test_transaction_get_is_scoped_to_the_customer_and_404s_on_bad_ids():
    customer = approved_customer()
    tx = completed_transaction(customer, 100)
    assert credit_transaction_get(customer=customer, transaction_id=tx.id) == tx
    for bad_id in ("ctx_nope", tx.id.replace("ctx_", "ctm_")):
        with pytest.raises(NotFound):
            credit_transaction_get(customer=customer, transaction_id=bad_id)
    with pytest.raises(NotFound):
        credit_transaction_get(customer=approved_customer(), transaction_id=tx.id)


def test_ledger_entries_page_with_their_wire_shape():
    customer = approved_customer(limit=1_000)
    tx = completed_transaction(customer, 400)
    entries = first_page(ledger_entry_list(customer=customer)).items
    assert [entry.entry_type for entry in entries] == ["grant", "reserve", "use"]
    assert ledger_entry_to_dict(entries[2]) | {"id": None, "created_at": None} == {
        "id": None, "customer_id": customer.id, "currency_code": "USD", "type": "use", "amount": "400",
        "delta": {"available": "0", "reserved": "-400", "used": "400"},
        "balance_after": {"available": "600", "reserved": "0", "used": "400"},
        "credit_transaction_id": tx.id, "credit_decision_id": None,
        "actor": {"type": "api_client", "id": "client-test"}, "reason": "credit transaction completed",
        "created_at": None,
    }  # fmt: skip
    assert CreditLedgerEntry.objects.filter(customer=customer).count() == 3


def test_ledger_can_be_filtered_by_currency():
    customer = approved_customer(currency="EUR")
    assert ledger_entry_list(customer=customer, filters={"currency_code": "USD"}).count() == 0
    assert ledger_entry_list(customer=customer, filters={"currency_code": "EUR,USD"}).count() == 1
    with pytest.raises(ValidationError):
        ledger_entry_list(customer=customer, filters={"currency_code": "eur"})


def test_balances_list_in_paddle_shape_with_currency_filter():
    customer = approved_customer(limit=700, currency="EUR")
    credit_line_update(customer=customer, actor=OFFICER, credit_limit=900, reason="More", currency_code="EUR")
    assert [balance_to_dict(b) for b in credit_balance_list(customer=customer)] == [
        {"customer_id": customer.id, "currency_code": "EUR", "balance": {"available": "900", "reserved": "0",
                                                                         "used": "0"}},
    ]  # fmt: skip
    assert credit_balance_list(customer=customer, filters={"currency_code": "USD"}) == []
    assert credit_balance_list(customer=CustomerFactory()) == []
    with pytest.raises(ValidationError):
        credit_balance_list(customer=customer, filters={"currency_code": "EURO"})
