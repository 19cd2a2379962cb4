"""Two workers given the same delivery at once: the row lock lets one send it, the other skips."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from core.models import DeliveryStatus, Event, WebhookDelivery
from core.webhooks.delivery import webhook_delivery_attempt_due
from tests.factories import WebhookEndpointFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_delivery_attempted_by_two_workers_at_once_is_sent_once(receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    event = Event.objects.create(
        event_type="customer.created", data={}, actor_type="system", dispatched_at=timezone.now()
    )
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=timezone.now())
    receiver.delay = 1.0  # the first worker holds the row that long
    start, outcomes = threading.Barrier(2), []

    def worker():
        start.wait()
        try:
            outcomes.append(webhook_delivery_attempt_due(delivery_id=delivery.id))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    delivered, other = sorted(outcomes)
    assert delivered == "attempt 1: delivered"
    assert other.startswith("skipped: ")
    assert len(receiver.requests) == 1
    delivery = reloaded(delivery)
    assert (delivery.status, delivery.attempt_count, delivery.attempts.count()) == (DeliveryStatus.DELIVERED, 1, 1)
