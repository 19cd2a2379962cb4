"""Redis (broker and cache) down while clients create customers and request credit checks through the API: every
request still succeeds, quickly; nothing is handed to the broker, nothing is lost. Once Redis is back and the sweeps
have run, every check is decided exactly once and every event reaches the webhook endpoint exactly once.

Two ways to be down: stopped (connections refused; it comes back empty, as a Redis without persistence does after a
crash) and frozen (SIGSTOP: connections are accepted and never answered, as with a hung server or a dropped route)."""

import time
from collections import Counter
from datetime import timedelta

import pytest
import requests

from config.celery import app as celery_app
from core.models import DeliveryStatus, Event, EventType, WebhookDelivery
from core.webhooks import dispatcher
from credit.models import CreditCheck, CreditDecision, CreditLedgerEntry
from credit.tasks import sweep_stalled_credit_checks
from tests.api.conftest import make_api_key
from tests.factories import WebhookEndpointFactory
from tests.faults.conftest import publishing_to, suite_database_url
from tests.faults.stack import AppServer, CeleryWorker, app_environment, wait_until
from tests.webhooks.receiver import Receiver

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

CUSTOMERS = 6
AMOUNT = 400_000  # approved at once by the scorecard for the profile below
# Seconds. The first request in each web process to meet a hung Redis waits for the broker's socket timeout (2 s,
# two attempts) and the cache's (0.5 s, two attempts); after that the breakers (core.outage) skip Redis for 10 s.
SLOWEST = 6.0
USUAL = 0.5


def profile(number: int, label: str) -> dict:
    return {
        "email": f"ap{number}@{label}-business{number}.com",
        "name": f"{label} business {number}",
        "legal_name": f"{label} business {number} LLC",
        "ein": f"12-{number:07d}",
        "street_address": "1 Market St",
        "city": "San Francisco",
        "state": "CA",
        "postal_code": "94105",
        "country": "US",
    }


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def stack(own_redis):
    """gunicorn and a Celery worker on the module's own Redis and the test database; this process publishes there."""
    env = app_environment(database_url=suite_database_url(), redis_url=own_redis.url(), DB_CONN_MAX_AGE="0")
    server = AppServer(env, workers=2, threads=2, log_name="redis-outage-app")
    worker = CeleryWorker(env, name="redis-outage")
    server.start()
    worker.start()
    try:
        with publishing_to(own_redis.url()):
            yield server, worker
    finally:
        worker.stop()
        server.stop()


def timed(method: str, url: str, **kwargs) -> tuple[requests.Response, float]:
    started = time.monotonic()
    response = requests.request(method, url, timeout=30, **kwargs)
    return response, time.monotonic() - started


def worker_answers(worker: CeleryWorker) -> bool:
    return bool(celery_app.control.ping(destination=[worker.name], timeout=1))


@pytest.mark.parametrize("failure", ["stopped", "frozen"])
def test_requests_succeed_while_redis_is_down_and_the_work_happens_once_when_it_is_back(
    stack, own_redis, receiver, failure, settings, monkeypatch
):
    server, worker = stack
    endpoint = WebhookEndpointFactory(url=receiver.url, event_types=list(EventType.values))
    headers = {"Authorization": f"Bearer {make_api_key()}"}

    own_redis.stop() if failure == "stopped" else own_redis.freeze()
    try:
        timings, customer_ids = [], []
        for number in range(CUSTOMERS):
            response, elapsed = timed("POST", f"{server.url}/api/v1/customers", json=profile(number, failure),
                                      headers={**headers, "Idempotency-Key": f"{failure}-{number}"})  # fmt: skip
            assert response.status_code == 201, response.text
            customer_ids.append(response.json()["data"]["id"])
            timings.append(elapsed)
            response, elapsed = timed(
                "POST", f"{server.url}/api/v1/customers/{customer_ids[-1]}/credit-check",
                json={"amount_requested": str(AMOUNT), "has_purchase_history": True}, headers=headers,
            )  # fmt: skip
            assert response.status_code == 204, response.text
            timings.append(elapsed)
        # Reads too: the rate limiter's counter lives in Redis.
        response, elapsed = timed("GET", f"{server.url}/api/v1/customers", headers=headers)
        assert response.status_code == 200
        timings.append(elapsed)
        print(f"\nRedis {failure}: request seconds {[round(t, 2) for t in timings]}")
        assert max(timings) < SLOWEST, timings
        assert sorted(timings)[len(timings) // 2] < USUAL, timings  # the median

        pending = CreditCheck.objects.filter(customer_id__in=customer_ids).values_list("status", flat=True)
        assert sorted(pending) == ["pending"] * CUSTOMERS
        assert receiver.requests == []
    finally:
        own_redis.start() if failure == "stopped" else own_redis.thaw()

    wait_until(lambda: worker_answers(worker), timeout=60, interval=0.5, what="worker reconnected")
    checks = CreditCheck.objects.filter(customer_id__in=customer_ids)
    ours = Event.objects.filter(customer_id__in=customer_ids)

    # Beat runs both sweeps every minute, each leaving a grace period to the work's own hand-over; here they run
    # every couple of seconds without one, until the work is done.
    settings.CREDIT_CHECK_DISPATCH_GRACE_SECONDS = 0
    monkeypatch.setattr(dispatcher, "SWEEP_GRACE", timedelta(0))

    def done() -> bool:
        sweeps.append((sweep_stalled_credit_checks(), dispatcher.outbox_sweep()))
        undelivered = WebhookDelivery.objects.filter(event__in=ours).exclude(status=DeliveryStatus.DELIVERED)
        return not (checks.filter(status="pending").exists() or undelivered.exists()
                    or ours.filter(dispatched_at__isnull=True).exists())  # fmt: skip

    sweeps = []
    back = time.monotonic()
    wait_until(done, timeout=90, interval=2, what="every check decided and every event delivered")
    print(
        f"Redis {failure}: all done {time.monotonic() - back:.1f} s after Redis was back, {len(sweeps)} sweeps; "
        f"{ours.count()} events, {len(receiver.requests)} deliveries received"
    )
    assert sweeps[0][0]["failed"] == 0, sweeps[0]

    # Decided once: one decision and one grant per check.
    assert sorted(checks.values_list("status", flat=True)) == ["approved"] * CUSTOMERS
    decisions = CreditDecision.objects.filter(credit_check__in=checks).values_list("credit_check_id", flat=True)
    assert Counter(decisions) == Counter(checks.values_list("id", flat=True))
    grants = CreditLedgerEntry.objects.filter(customer_id__in=customer_ids, entry_type="grant")
    assert sorted(grants.values_list("customer_id", "amount")) == sorted((cid, AMOUNT) for cid in customer_ids)
    # Delivered once: every event of these customers reached the endpoint, none twice.
    received = Counter(request.json["event_id"] for request in receiver.requests)
    assert set(received) == set(ours.values_list("id", flat=True))
    assert set(received.values()) == {1}
    assert WebhookDelivery.objects.filter(endpoint=endpoint, event__in=ours).count() == ours.count()
