"""Redis down at commit time: the change still commits quickly, and its webhook goes out once Redis is back. The
delivery runs on the real Celery worker process here, reading the committed rows."""

import logging
import time
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from core.actors import SYSTEM
from core.models import DeliveryStatus, Event, WebhookDelivery
from core.webhooks.dispatcher import SWEEP_GRACE, outbox_sweep
from customers.services import customer_create, customer_update
from tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db(transaction=True)


def wait_until(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still false after {timeout} s")
        time.sleep(0.05)


def delivered(delivery_id: str) -> bool:
    return WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.DELIVERED).exists()


def test_a_change_committed_while_the_broker_is_down_returns_quickly_and_keeps_its_delivery(receiver, broker_outage):
    endpoint = WebhookEndpointFactory(url=receiver.url)

    started = time.monotonic()
    customer = customer_create(actor=SYSTEM, email="ap@acme.example")
    elapsed = time.monotonic() - started

    assert elapsed < 2.0
    event = Event.objects.get(customer=customer)
    assert event.dispatched_at is not None
    delivery = WebhookDelivery.objects.get(endpoint=endpoint, event=event)
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("pending", 0, event.dispatched_at)
    assert receiver.requests == []


def test_after_a_failed_publish_the_next_changes_do_not_wait_on_the_broker(receiver, broker_outage, caplog):
    endpoint = WebhookEndpointFactory(url=receiver.url)

    with caplog.at_level(logging.WARNING, logger="core.webhooks.queue"):
        customer = customer_create(actor=SYSTEM, email="ap@acme.example")
        customer_update(customer=customer, actor=SYSTEM, data={"name": "Acme"})

    assert len([r for r in caplog.records if "broker unavailable" in r.getMessage()]) == 1
    assert WebhookDelivery.objects.filter(endpoint=endpoint, status=DeliveryStatus.PENDING).count() == 2


@pytest.mark.celery_worker
def test_an_event_committed_while_the_broker_was_down_goes_out_through_the_sweep_once_it_is_back(
    celery_worker_process, receiver, broker_outage, verify_signature
):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    customer = customer_create(actor=SYSTEM, email="ap@acme.example")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    broker_outage.end()
    assert receiver.requests == []

    # The beat-scheduled sweep, run here a grace period later (the clock moved, not slept on).
    with time_machine.travel(timezone.now() + SWEEP_GRACE + timedelta(seconds=1)):
        result = outbox_sweep()
    wait_until(lambda: delivered(delivery.id))

    assert (result["overdue_deliveries"], result["deliveries_published"]) == (1, 1)
    (request,) = receiver.requests
    assert verify_signature(endpoint.secret, request.headers["Signature"], request.body)
    assert (request.json["notification_id"], request.json["data"]["id"]) == (delivery.id, customer.id)


@pytest.mark.celery_worker
def test_a_delivery_runs_on_the_real_worker(celery_worker_process, receiver, verify_signature):
    endpoint = WebhookEndpointFactory(url=receiver.url, event_types=["customer.created"])
    customer = customer_create(actor=SYSTEM, email="ap@acme.example")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    wait_until(lambda: delivered(delivery.id))

    (request,) = receiver.requests
    assert verify_signature(endpoint.secret, request.headers["Signature"], request.body)
    assert request.json["event_type"] == "customer.created" and request.json["data"]["id"] == customer.id
    attempt = WebhookDelivery.objects.get(pk=delivery.pk).attempts.get()
    assert (attempt.response_status, attempt.error) == (200, "")
