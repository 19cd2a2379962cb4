"""Failed attempts are retried on the 30 s · 90 s · 270 s · 810 s · 2430 s schedule, then the delivery fails. The
clock is moved (time-machine), never slept on; `webhook_deliver` is what the retry task runs when its time comes."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core.actors import SYSTEM
from core.models import DeliveryStatus, WebhookDelivery
from core.webhooks.services import webhook_endpoint_update
from core.webhooks.tasks import webhook_deliver
from customers.services import customer_create
from tests.factories import WebhookEndpointFactory
from tests.reading import reloaded

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]

START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def seconds_after_start(value: datetime) -> float:
    return (value - START).total_seconds()


def test_receiver_down_then_up_is_retried_on_schedule_until_delivered(clock, receiver, verify_signature):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.stop()
    customer_create(actor=SYSTEM, email="ap@acme.example")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    retry_times = [seconds_after_start(delivery.next_attempt_at)]

    for wait in (30, 90):
        clock.shift(wait)
        assert webhook_deliver.delay(delivery.id).get().startswith("attempt")
        delivery = reloaded(delivery)
        retry_times.append(seconds_after_start(delivery.next_attempt_at))
    receiver.start()
    clock.shift(270)
    assert webhook_deliver.delay(delivery.id).get() == "attempt 4: delivered"

    assert retry_times == [30, 30 + 90, 30 + 90 + 270]
    delivery = reloaded(delivery)
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("delivered", 4, None)
    attempts = list(delivery.attempts.order_by("id"))
    assert [a.response_status for a in attempts] == [None, None, None, 200]
    assert all("ConnectionError" in a.error for a in attempts[:3]) and attempts[3].error == ""
    (request,) = receiver.requests
    assert verify_signature(endpoint.secret, request.headers["Signature"], request.body)
    assert request.headers["Signature"].startswith(f"ts={int(START.timestamp()) + 390};")


def test_a_receiver_that_keeps_failing_is_tried_six_times_then_the_delivery_fails(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.answer(500, 502, 503, 500, 404, 500)
    customer_create(actor=SYSTEM, email="ap@acme.example")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    waits = []
    while delivery.status == DeliveryStatus.PENDING:
        waits.append((delivery.next_attempt_at - datetime.now(UTC)).total_seconds())
        clock.shift(waits[-1])
        webhook_deliver.delay(delivery.id).get()
        delivery = reloaded(delivery)
    assert waits == [30, 90, 270, 810, 2430]
    assert (delivery.status, delivery.attempt_count, delivery.next_attempt_at) == ("failed", 6, None)
    assert [a.response_status for a in delivery.attempts.order_by("id")] == [500, 502, 503, 500, 404, 500]
    assert len(receiver.requests) == 6


def test_a_delivery_is_not_attempted_before_its_retry_time(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.answer(500)
    customer_create(actor=SYSTEM, email="ap@acme.example")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    clock.shift(29)
    outcome = webhook_deliver.delay(delivery.id).get()

    assert outcome == "skipped: not due"
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempt_count == 1


def test_a_delivered_delivery_is_never_sent_again_by_its_task(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    customer_create(actor=SYSTEM, email="ap@acme.example")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    clock.shift(timedelta(hours=1))
    outcome = webhook_deliver.delay(delivery.id).get()

    assert outcome == "skipped: already delivered"
    assert len(receiver.requests) == 1


def test_the_response_excerpt_keeps_the_first_kilobyte_of_the_answer(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.answer(500)
    receiver.reply_body = b"E" * 1000 + b"TAIL" * 1000
    customer_create(actor=SYSTEM, email="ap@acme.example")

    attempt = WebhookDelivery.objects.get(endpoint=endpoint).attempts.get()
    assert attempt.response_status == 500
    assert attempt.response_excerpt == "E" * 1000 + "TAIL" * 6


def test_a_retry_that_comes_due_while_its_endpoint_is_disabled_sends_nothing(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.answer(500)
    customer_create(actor=SYSTEM, email="ap@acme.example")
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM, data={"enabled": False})
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    clock.shift(30)
    outcome = webhook_deliver.delay(delivery.id).get()

    assert outcome == "skipped: endpoint disabled"
    assert len(receiver.requests) == 1
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == DeliveryStatus.PENDING
