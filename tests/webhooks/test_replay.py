"""Replay: one attempt now, logged like any other, whatever the delivery's status."""

from datetime import UTC, datetime

import pytest
import time_machine

from core.actors import SYSTEM, Actor
from core.errors import ApplicationError
from core.models import DeliveryStatus, WebhookDelivery
from core.webhooks.presenters import webhook_delivery_to_dict
from core.webhooks.services import webhook_delivery_replay, webhook_endpoint_update
from core.webhooks.tasks import webhook_deliver
from customers.services import customer_create, customer_update
from tests.factories import WebhookEndpointFactory
from tests.reading import reloaded

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]

STAFF = Actor(type="staff", id="7", label="credit.officer")
START = datetime(2031, 3, 3, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def failed_delivery(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.answer(*[500] * 6)
    customer_create(actor=SYSTEM, email="ap@acme.example")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    for wait in (30, 90, 270, 810, 2430):
        clock.shift(wait)
        webhook_deliver.delay(delivery.id).get()
    delivery = reloaded(delivery)
    assert delivery.status == DeliveryStatus.FAILED
    return delivery


def test_replaying_a_failed_delivery_sends_it_now_and_marks_it_delivered(clock, receiver, verify_signature):
    delivery = failed_delivery(clock, receiver)
    clock.shift(3600)

    replayed = webhook_delivery_replay(delivery=delivery, actor=STAFF)

    shape = webhook_delivery_to_dict(replayed)
    assert (shape["status"], shape["attempt_count"], shape["next_attempt_at"]) == ("delivered", 7, None)
    assert [a["response_status"] for a in shape["attempts"]] == [500] * 6 + [200]
    replay_request = receiver.requests[-1]
    assert replay_request.json == receiver.requests[0].json
    assert replay_request.json["notification_id"] == delivery.id
    assert verify_signature(delivery.endpoint.secret, replay_request.headers["Signature"], replay_request.body)
    assert replay_request.headers["Signature"] != receiver.requests[0].headers["Signature"]


def test_replaying_a_delivered_delivery_sends_it_again_and_keeps_it_delivered(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    customer_create(actor=SYSTEM, email="ap@acme.example")
    delivery = WebhookDelivery.objects.get(endpoint=endpoint)

    replayed = webhook_delivery_replay(delivery=delivery, actor=STAFF)

    assert (replayed.status, replayed.attempt_count) == ("delivered", 2)
    assert len(receiver.requests) == 2
    assert receiver.requests[0].body == receiver.requests[1].body


def test_a_replay_that_fails_is_logged_and_schedules_no_retry(clock, receiver):
    delivery = failed_delivery(clock, receiver)
    receiver.answer(502)

    replayed = webhook_delivery_replay(delivery=delivery, actor=STAFF)

    assert (replayed.status, replayed.attempt_count, replayed.next_attempt_at) == ("failed", 7, None)
    assert replayed.attempts.order_by("id").last().response_status == 502


def test_replaying_a_pending_delivery_that_succeeds_releases_the_ones_waiting_behind_it(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.answer(503)
    customer = customer_create(actor=SYSTEM, email="ap@acme.example")
    customer_update(customer=customer, actor=SYSTEM, data={"name": "Acme"})
    first, second = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("event_id")

    webhook_delivery_replay(delivery=first, actor=STAFF)

    assert [body["event_type"] for body in receiver.bodies()] == ["customer.created"] * 2 + ["customer.updated"]
    assert WebhookDelivery.objects.get(pk=second.pk).status == DeliveryStatus.DELIVERED


def test_replay_to_a_disabled_endpoint_is_refused_and_sends_nothing(clock, receiver):
    delivery = failed_delivery(clock, receiver)
    webhook_endpoint_update(endpoint=delivery.endpoint, actor=STAFF, data={"enabled": False})

    with pytest.raises(ApplicationError) as error:
        webhook_delivery_replay(delivery=delivery, actor=STAFF)

    assert (error.value.code, error.value.status) == ("endpoint_disabled", 422)
    assert len(receiver.requests) == 6
    assert WebhookDelivery.objects.get(pk=delivery.pk).attempt_count == 6
