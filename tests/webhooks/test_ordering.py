"""For one endpoint, one customer's events are delivered in the order they occurred."""

from datetime import UTC, datetime

import pytest
import time_machine

from core.actors import SYSTEM
from core.models import DeliveryStatus, WebhookDelivery
from core.webhooks.tasks import webhook_deliver
from customers.services import customer_create, customer_update, payment_method_add
from tests.factories import WebhookEndpointFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]

CARD = {
    "type": "card",
    "provider_token": "tok_1",
    "card_brand": "visa",
    "last4": "4242",
    "exp_month": 1,
    "exp_year": 2040,
}


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2031, 3, 3, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def three_changes(email="ap@acme.example"):
    customer = customer_create(actor=SYSTEM, email=email)
    customer_update(customer=customer, actor=SYSTEM, data={"name": "Acme"})
    payment_method_add(customer=customer, actor=SYSTEM, **CARD)
    return customer


def test_later_events_wait_while_an_earlier_delivery_is_retried_then_follow_in_order(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.answer(503)
    three_changes()
    assert receiver.answered() == [("customer.created", 503)]
    statuses = list(
        WebhookDelivery.objects.filter(endpoint=endpoint).order_by("event_id").values_list("status", "attempt_count")
    )
    assert statuses == [("pending", 1), ("pending", 0), ("pending", 0)]

    first = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("event_id").first()
    clock.shift(30)
    webhook_deliver.delay(first.id).get()

    assert receiver.answered() == [
        ("customer.created", 503), ("customer.created", 200), ("customer.updated", 200), ("payment_method.added", 200),
    ]  # fmt: skip
    assert set(WebhookDelivery.objects.filter(endpoint=endpoint).values_list("status", flat=True)) == {"delivered"}


def test_a_waiting_delivery_says_why_and_sends_nothing(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.answer(503)
    three_changes()
    second = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("event_id")[1]

    outcome = webhook_deliver.delay(second.id).get()

    assert outcome == "skipped: waiting for an earlier delivery to this endpoint for the same customer"
    assert len(receiver.requests) == 1


def test_another_customers_events_do_not_wait(clock, receiver):
    WebhookEndpointFactory(url=receiver.url)
    receiver.answer(503)
    blocked = three_changes("ap@blocked.example")
    other = customer_create(actor=SYSTEM, email="ap@other.example")

    assert [(body["data"]["id"], body["event_type"]) for body in receiver.bodies()] == [
        (blocked.id, "customer.created"), (other.id, "customer.created"),
    ]  # fmt: skip
    assert [request.answered for request in receiver.requests] == [503, 200]


def test_the_same_customer_on_another_endpoint_does_not_wait(clock, receiver):
    slow = WebhookEndpointFactory(url=receiver.url + "/slow")
    fast = WebhookEndpointFactory(url=receiver.url + "/fast")
    receiver.answer(503)
    three_changes()

    assert WebhookDelivery.objects.filter(endpoint=slow, status=DeliveryStatus.PENDING).count() == 3
    assert WebhookDelivery.objects.filter(endpoint=fast, status=DeliveryStatus.DELIVERED).count() == 3


def test_a_failed_delivery_stops_holding_back_the_later_ones(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    receiver.answer(*[500] * 6)
    three_changes()
    first = WebhookDelivery.objects.filter(endpoint=endpoint).order_by("event_id").first()

    for wait in (30, 90, 270, 810, 2430):
        clock.shift(wait)
        webhook_deliver.delay(first.id).get()

    statuses = list(
        WebhookDelivery.objects.filter(endpoint=endpoint).order_by("event_id").values_list("status", flat=True)
    )
    assert statuses == ["failed", "delivered", "delivered"]
    assert [body["event_type"] for body in receiver.bodies()][-2:] == ["customer.updated", "payment_method.added"]
