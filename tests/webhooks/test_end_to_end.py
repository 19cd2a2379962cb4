"""Changes made through the services reach a real HTTP receiver on loopback, signed as the README documents."""

import pytest

from core.actors import Actor
from core.models import DeliveryStatus, Event, WebhookDelivery
from core.webhooks.dispatcher import outbox_sweep
from core.webhooks.services import webhook_endpoint_create
from customers.services import customer_create, customer_update, customer_user_create, payment_method_add
from tests.factories import WebhookEndpointFactory
from tests.webhooks.conftest import DATA_EVENT_TYPES

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]

API_CLIENT = Actor.api_client("client_storefront", label="Storefront")
CARD = {"type": "card", "provider_token": "tok_visa_4242", "card_brand": "visa", "last4": "4242", "exp_month": 12,
        "exp_year": 2030}  # fmt: skip


def make_changes():
    customer = customer_create(actor=API_CLIENT, email="ap@acme.example", name="Acme Corp")
    customer_update(customer=customer, actor=API_CLIENT, data={"city": "Chicago", "state": "IL"})
    payment_method_add(customer=customer, actor=API_CLIENT, **CARD)
    customer_user_create(customer=customer, actor=API_CLIENT, email="buyer@acme.example")
    return customer


def test_each_change_reaches_the_receiver_signed_with_the_documented_algorithm(receiver, verify_signature):
    endpoint = webhook_endpoint_create(actor=API_CLIENT, url=receiver.url, event_types=DATA_EVENT_TYPES)
    customer = make_changes()

    events = list(Event.objects.filter(customer=customer).order_by("id"))
    assert [event.event_type for event in events] == [
        "customer.created", "customer.updated", "payment_method.added", "customer_user.created",
    ]  # fmt: skip
    assert len(receiver.requests) == 4
    for request, event in zip(receiver.requests, events, strict=True):
        assert verify_signature(endpoint.secret, request.headers["Signature"], request.body)
        assert request.headers["Content-Type"] == "application/json"
        assert request.path == "/hooks/creditdesk"
        delivery = WebhookDelivery.objects.get(event=event, endpoint=endpoint)
        assert request.json == {
            "event_id": event.id,
            "event_type": event.event_type,
            "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
            "notification_id": delivery.id,
            "data": event.data,
        }


def test_payload_data_is_the_changed_object_as_the_api_shows_it(receiver):
    webhook_endpoint_create(actor=API_CLIENT, url=receiver.url, event_types=["customer.updated"])
    customer = make_changes()

    (update,) = receiver.bodies()
    assert update["data"]["id"] == customer.id
    assert (update["data"]["city"], update["data"]["state"], update["data"]["name"]) == ("Chicago", "IL", "Acme Corp")


def test_a_signature_made_with_another_secret_does_not_verify(receiver, verify_signature):
    webhook_endpoint_create(actor=API_CLIENT, url=receiver.url, event_types=["customer.created"])
    other = WebhookEndpointFactory.build()
    customer_create(actor=API_CLIENT, email="ap@acme.example")

    (request,) = receiver.requests
    assert not verify_signature(other.secret, request.headers["Signature"], request.body)
    assert not verify_signature(other.secret, request.headers["Signature"], request.body + b" ")


def test_each_delivery_is_logged_as_one_successful_attempt(receiver):
    endpoint = webhook_endpoint_create(actor=API_CLIENT, url=receiver.url, event_types=DATA_EVENT_TYPES)
    make_changes()

    deliveries = list(WebhookDelivery.objects.filter(endpoint=endpoint).prefetch_related("attempts"))
    assert {(d.status, d.attempt_count, d.next_attempt_at) for d in deliveries} == {(DeliveryStatus.DELIVERED, 1, None)}
    for delivery in deliveries:
        (attempt,) = delivery.attempts.all()
        assert (attempt.response_status, attempt.error) == (200, "")
        assert attempt.response_excerpt == '{"received": true, "status": 200}'
        assert delivery.delivered_at >= attempt.attempted_at
        assert 0 <= attempt.duration_ms < 5000


def test_event_types_the_endpoint_did_not_subscribe_to_are_not_sent(receiver):
    endpoint = webhook_endpoint_create(
        actor=API_CLIENT, url=receiver.url, event_types=["customer.created", "payment_method.added"]
    )
    make_changes()

    assert [body["event_type"] for body in receiver.bodies()] == ["customer.created", "payment_method.added"]
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2
    outbox_sweep()  # events no endpoint wants are marked by the sweep, off the request path
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert WebhookDelivery.objects.filter(endpoint=endpoint).count() == 2


def test_a_disabled_endpoint_gets_nothing(receiver):
    endpoint = webhook_endpoint_create(actor=API_CLIENT, url=receiver.url, event_types=DATA_EVENT_TYPES, enabled=False)
    make_changes()

    assert receiver.requests == []
    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()


def test_every_subscribed_endpoint_gets_its_own_delivery_signed_with_its_own_secret(receiver, verify_signature):
    first = webhook_endpoint_create(actor=API_CLIENT, url=receiver.url + "/a", event_types=["customer.created"])
    second = webhook_endpoint_create(actor=API_CLIENT, url=receiver.url + "/b", event_types=["customer.created"])
    customer_create(actor=API_CLIENT, email="ap@acme.example")

    by_path = {request.path: request for request in receiver.requests}
    assert set(by_path) == {"/hooks/creditdesk/a", "/hooks/creditdesk/b"}
    assert verify_signature(
        first.secret, by_path["/hooks/creditdesk/a"].headers["Signature"], by_path["/hooks/creditdesk/a"].body
    )
    assert verify_signature(
        second.secret, by_path["/hooks/creditdesk/b"].headers["Signature"], by_path["/hooks/creditdesk/b"].body
    )
    assert (
        by_path["/hooks/creditdesk/a"].json["notification_id"] != by_path["/hooks/creditdesk/b"].json["notification_id"]
    )
