"""Identical idempotent POSTs sent at the same instant to a multi-process server (gunicorn, 2 processes of 4 threads,
each request on its own connection): one effect, and every twin gets the same answer. The in-process versions are in
tests/api/test_idempotency.py and tests/api/test_credit_concurrency.py."""

import threading
from collections import Counter

import pytest
import requests

from core.models import Event
from credit.models import CreditLedgerEntry, CreditTransaction
from customers.models import Customer
from tests.api.conftest import make_api_key
from tests.credit.builders import approved_customer
from tests.faults.conftest import suite_database_url
from tests.faults.stack import AppServer, app_environment

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

TWINS = 16


@pytest.fixture
def server(own_redis):
    app = AppServer(
        app_environment(database_url=suite_database_url(), redis_url=own_redis.url(), DB_CONN_MAX_AGE="0",
                        API_RATE_LIMIT_PER_MINUTE="1000000"),
        workers=2, threads=4, log_name="twins",
    )  # fmt: skip
    app.start()
    yield app
    app.stop()


def send_together(url: str, body: dict, headers: dict) -> list[requests.Response]:
    barrier = threading.Barrier(TWINS)
    responses: list = [None] * TWINS

    def send(index: int) -> None:
        barrier.wait(timeout=30)
        responses[index] = requests.post(url, json=body, headers=headers, timeout=60)

    threads = [threading.Thread(target=send, args=(index,)) for index in range(TWINS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return responses


def assert_one_answer_replayed(responses: list, status: int) -> dict:
    assert Counter(response.status_code for response in responses) == {status: TWINS}
    assert len({response.content for response in responses}) == 1  # the same answer, byte for byte
    replayed = Counter(response.headers.get("Idempotent-Replayed") for response in responses)
    assert replayed == {None: 1, "true": TWINS - 1}
    return responses[0].json()["data"]


def test_identical_customer_creations_in_parallel_create_one_customer(server):
    headers = {"Authorization": f"Bearer {make_api_key()}", "Idempotency-Key": "signup-42"}
    body = {"email": "ap@twins.example", "name": "Twins"}
    responses = send_together(f"{server.url}/api/v1/customers", body, headers)
    created = assert_one_answer_replayed(responses, 201)
    assert list(Customer.objects.values_list("id", flat=True)) == [created["id"]]
    assert Event.objects.filter(event_type="customer.created").count() == 1


def test_identical_purchases_on_credit_in_parallel_reserve_once(server):
    customer = approved_customer(limit=1_000)
    headers = {"Authorization": f"Bearer {make_api_key()}", "Idempotency-Key": "order-7"}
    body = {"amount": "600", "currency_code": "USD", "reference": "order-7"}
    url = f"{server.url}/api/v1/customers/{customer.id}/credit-transactions"
    created = assert_one_answer_replayed(send_together(url, body, headers), 201)
    assert list(CreditTransaction.objects.values_list("id", flat=True)) == [created["id"]]
    reserves = CreditLedgerEntry.objects.filter(customer_id=customer.id, entry_type="reserve")
    assert list(reserves.values_list("amount", flat=True)) == [600]
