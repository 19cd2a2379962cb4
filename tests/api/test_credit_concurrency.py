"""Parallel purchases through the HTTP layer (the view's idempotency transaction around the service included): threads,
each with its own database connection, bill one customer at once. The service-level races are in
tests/credit/test_concurrency.py."""

import threading

import pytest
from django.db import connection

from credit.models import CreditTransaction
from credit.reconciliation import credit_reconcile
from tests.api.conftest import Api, make_api_key
from tests.credit.builders import approved_customer, assert_customer_agrees_with_balance, buckets

pytestmark = pytest.mark.django_db(transaction=True)


def test_parallel_bills_over_http_never_overdraw_and_twins_replay():
    customer = approved_customer(limit=1_000)
    token = make_api_key()
    # 12 distinct purchases of 100 against a line of 1000, and each one sent twice under its own key.
    keys = [f"order-{n}" for n in range(12)] * 2
    barrier = threading.Barrier(len(keys))
    responses = [None] * len(keys)

    def send(index: int, key: str) -> None:
        try:
            barrier.wait(timeout=30)
            responses[index] = Api(token).post(
                f"customers/{customer.id}/credit-transactions",
                {"amount": "100", "currency_code": "USD", "reference": key},
                headers={"Idempotency-Key": key},
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=item) for item in enumerate(keys)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert all(response is not None for response in responses)
    assert {response.status_code for response in responses} <= {201, 422}
    for first, twin in zip(responses[:12], responses[12:], strict=True):
        assert first.content == twin.content  # a key's twin replays its answer, whichever ran first
    created = {response.json()["data"]["id"] for response in responses if response.status_code == 201}
    refused = [response.json()["error"]["code"] for response in responses if response.status_code == 422]
    assert len(created) == CreditTransaction.objects.count() == 10
    assert set(refused) == {"insufficient_credit"} and len(refused) == 4  # two keys, each answered twice
    assert buckets(customer) == (0, 1_000, 0)
    assert_customer_agrees_with_balance(customer)
    assert credit_reconcile() == []
