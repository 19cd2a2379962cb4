"""The credit-check round trip through the API with a real Celery worker process on Redis: POST credit-check answers
204 at once, the worker decides, and the decision shows up in GET credit-decisions and on the customer."""

import time

import pytest

from tests.api.conftest import Api, make_api_key
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def wait_for_decisions(api: Api, customer_id: str, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        decisions = api.get(f"customers/{customer_id}/credit-decisions").json()["data"]
        if decisions:
            return decisions
        time.sleep(0.1)
    raise AssertionError(f"no credit decision for {customer_id} after {timeout} s")


def test_a_credit_check_posted_to_the_api_is_decided_by_the_worker(celery_worker_process):
    api = Api(make_api_key())
    customer = CustomerFactory()
    response = api.post(
        f"customers/{customer.id}/credit-check", {"amount_requested": 50000, "has_purchase_history": True}
    )
    assert response.status_code == 204
    (decision,) = wait_for_decisions(api, customer.id)
    assert (decision["decision"], decision["amount"], decision["currency_code"]) == ("approved", "50000", "USD")
    assert (decision["decided_by"], decision["score"]) == ({"type": "system", "id": None}, 85)
    assert decision["credit_check_id"].startswith("crc_")
    data = api.get(f"customers/{customer.id}").json()["data"]
    assert (data["credit_status"], data["net_terms_status"]) == ("approved", "pending_enrollment")
    assert (data["credit_limit"], data["amount_available"], data["credit_currency"]) == ("50000", "50000", "USD")
    balances = api.get(f"customers/{customer.id}/credit-balances").json()["data"]
    assert balances == [{"customer_id": customer.id, "currency_code": "USD",
                         "balance": {"available": "50000", "reserved": "0", "used": "0"}}]  # fmt: skip
