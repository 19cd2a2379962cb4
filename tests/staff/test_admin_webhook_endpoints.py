"""The Django admin's webhook endpoint pages write through core.webhooks.services (issue 15, finding 9): each change
records its event, with the request's id, and refreshes the subscription snapshot; a direct save did neither."""

import pytest
from django.urls import reverse

from core.models import Event, EventType, WebhookEndpoint
from core.webhooks.subscriptions import subscribed_event_types
from tests.webhooks.conftest import _forget_subscription_snapshot  # noqa: F401 - autouse: no cached snapshot

pytestmark = pytest.mark.django_db
URL = "https://hooks.example.com/credit"


def test_admin_saves_and_deletes_of_webhook_endpoints_go_through_the_services(client_as):
    superuser = client_as("superuser")
    assert subscribed_event_types() == frozenset()
    response = superuser.post(
        reverse("admin:core_webhookendpoint_add"),
        {"url": URL, "description": "", "event_types": '["customer.created"]', "enabled": "on"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    endpoint = WebhookEndpoint.objects.get()
    assert subscribed_event_types() == {"customer.created"}  # the snapshot was refreshed
    superuser.post(
        reverse("admin:core_webhookendpoint_change", args=[endpoint.pk]),
        {"url": URL, "description": "", "event_types": '["customer.updated"]', "enabled": "on"},
    )
    assert subscribed_event_types() == {"customer.updated"}
    superuser.post(reverse("admin:core_webhookendpoint_delete", args=[endpoint.pk]), {"post": "yes"})
    assert not WebhookEndpoint.objects.exists()
    written = list(Event.objects.filter(event_type__startswith="webhook_endpoint.").order_by("id"))
    assert [(event.event_type, event.actor_type) for event in written] == [
        (EventType.WEBHOOK_ENDPOINT_CREATED, "staff"),
        (EventType.WEBHOOK_ENDPOINT_UPDATED, "staff"),
        (EventType.WEBHOOK_ENDPOINT_DELETED, "staff"),
    ]
    assert written[1].data["changed"] == ["event_types"]
    assert all(event.request_id.startswith("req_") for event in written)


def test_an_admin_refuses_an_unknown_event_type_next_to_the_field(client_as):
    response = client_as("superuser").post(
        reverse("admin:core_webhookendpoint_add"),
        {"url": URL, "description": "", "event_types": '["customer.nope"]', "enabled": "on"},
    )
    assert response.status_code == 200
    assert "Unknown event types: customer.nope" in response.content.decode()
    assert not WebhookEndpoint.objects.exists()
