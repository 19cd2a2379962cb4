"""Endpoint services: validation (bad input changes nothing), the secret shown only when it is made."""

import pytest
from django.core.exceptions import ValidationError

from core.actors import SYSTEM
from core.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from core.webhooks.dispatcher import event_dispatch
from core.webhooks.presenters import webhook_endpoint_to_dict
from core.webhooks.services import (
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_rotate_secret,
    webhook_endpoint_update,
)
from tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

URL = "https://hooks.example.com/creditdesk"


def test_creating_an_endpoint_returns_it_with_a_secret_shown_in_the_creation_shape_only():
    endpoint = webhook_endpoint_create(
        actor=SYSTEM, url=URL, event_types=["customer.created", "payment_method.added"], description="ERP sync"
    )

    created = webhook_endpoint_to_dict(endpoint, include_secret=True)
    assert created["secret"].startswith("whsec_") and len(created["secret"]) == 70
    assert created["id"].startswith("ntfset_")
    assert (created["url"], created["event_types"], created["enabled"], created["description"]) == (
        URL, ["customer.created", "payment_method.added"], True, "ERP sync",
    )  # fmt: skip
    assert "secret" not in webhook_endpoint_to_dict(WebhookEndpoint.objects.get(pk=endpoint.pk))


def test_repeated_event_types_are_stored_once_in_the_order_given():
    endpoint = webhook_endpoint_create(
        actor=SYSTEM, url=URL, event_types=["customer.updated", "customer.created", "customer.updated"]
    )

    assert endpoint.event_types == ["customer.updated", "customer.created"]


@pytest.mark.parametrize(
    ("event_types", "message"),
    [
        (["customer.created", "customer.exploded"], "Unknown event types: customer.exploded."),
        ([], "A non-empty list of event types is required."),
        ("customer.created", "A non-empty list of event types is required."),
        ([42], "A non-empty list of event types is required."),
    ],
)
def test_unknown_or_missing_event_types_are_refused_and_nothing_is_created(event_types, message):
    with pytest.raises(ValidationError) as error:
        webhook_endpoint_create(actor=SYSTEM, url=URL, event_types=event_types)

    assert error.value.message_dict["event_types"][0].startswith(message)
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["not a url", "https://", ""])
def test_a_malformed_url_is_refused(url):
    with pytest.raises(ValidationError) as error:
        webhook_endpoint_create(actor=SYSTEM, url=url, event_types=["customer.created"])

    assert "url" in error.value.message_dict
    assert not WebhookEndpoint.objects.exists()


def test_update_changes_only_the_given_fields():
    endpoint = WebhookEndpointFactory(url=URL, event_types=["customer.created"], description="old")

    updated = webhook_endpoint_update(
        endpoint=endpoint, actor=SYSTEM, data={"event_types": ["customer.archived"], "enabled": False}
    )

    stored = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (stored.event_types, stored.enabled, stored.url, stored.description) == (
        ["customer.archived"], False, URL, "old",
    )  # fmt: skip
    assert updated.updated_at > endpoint.updated_at
    assert stored.secret == endpoint.secret


@pytest.mark.parametrize(
    ("data", "field"),
    [({"secret": "whsec_mine"}, "secret"), ({"event_types": ["nope"]}, "event_types"), ({"enabled": "yes"}, "enabled")],
)
def test_an_invalid_update_is_refused_and_changes_nothing(data, field):
    endpoint = WebhookEndpointFactory(url=URL, event_types=["customer.created"])

    with pytest.raises(ValidationError) as error:
        webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM, data=data)

    assert field in error.value.message_dict
    stored = WebhookEndpoint.objects.get(pk=endpoint.pk)
    assert (stored.secret, stored.event_types, stored.enabled) == (endpoint.secret, ["customer.created"], True)


def test_rotating_the_secret_replaces_it():
    endpoint = WebhookEndpointFactory(url=URL)

    rotated = webhook_endpoint_rotate_secret(endpoint=endpoint, actor=SYSTEM)

    assert rotated.secret != endpoint.secret and rotated.secret.startswith("whsec_")
    assert WebhookEndpoint.objects.get(pk=endpoint.pk).secret == rotated.secret


def test_deleting_an_endpoint_removes_its_deliveries_and_attempts():
    endpoint = WebhookEndpointFactory(url=URL)
    event = Event.objects.create(event_type="customer.created", data={}, actor_type="system")
    (delivery_id,) = event_dispatch(event_id=event.id)
    WebhookAttempt.objects.create(delivery_id=delivery_id, response_status=500)

    webhook_endpoint_delete(endpoint=endpoint, actor=SYSTEM)

    assert not WebhookEndpoint.objects.exists()
    assert (WebhookDelivery.objects.count(), WebhookAttempt.objects.count()) == (0, 0)
    assert Event.objects.filter(pk=event.pk).exists()
