"""Webhook endpoint pages: superusers manage endpoints through the webhook services (secrets shown once), everyone
with a staff role reads endpoints, deliveries and their attempts."""

import pytest
from django.contrib.messages import get_messages
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.events import event_record
from core.models import EventType, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from tests.credit.builders import API as SEED
from tests.factories import CustomerFactory, WebhookEndpointFactory
from tests.reading import reloaded
from tests.webhooks.receiver import Receiver

pytestmark = pytest.mark.django_db
LIST = reverse("staff:webhooks")
CREATE = reverse("staff:webhook_create")


@pytest.fixture
def admin(client_as):
    return client_as("superuser")


@pytest.fixture
def receiver():
    server = Receiver()
    server.start()
    yield server
    server.stop()


def delivery_for(endpoint, *, status="pending", attempts=(), event_type=EventType.CUSTOMER_UPDATED):
    """A delivery of a new event to the endpoint, in `status`, with attempts given as (HTTP status, answer)."""
    with transaction.atomic():
        customer = CustomerFactory()
        event = event_record(event_type=event_type, data={}, actor=SEED, customer_id=customer.id)
        delivery = WebhookDelivery.objects.create(
            endpoint=endpoint, event=event, status=status, attempt_count=len(attempts)
        )
        for response_status, excerpt in attempts:
            WebhookAttempt.objects.create(
                delivery=delivery, response_status=response_status, duration_ms=42, response_excerpt=excerpt
            )
    return delivery


def test_creating_an_endpoint_shows_its_secret_once(admin):
    response = admin.post(
        CREATE, {"url": "https://erp.example.com/hooks", "event_types": ["customer.created"], "enabled": "on"}
    )
    endpoint = WebhookEndpoint.objects.get()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert (endpoint.url, endpoint.event_types, endpoint.enabled) == (
        "https://erp.example.com/hooks", ["customer.created"], True,
    )  # fmt: skip
    assert f'data-testid="webhook-secret">{endpoint.secret}</output>' in response.content.decode()
    for page in (LIST, reverse("staff:webhook_detail", args=[endpoint.id])):
        assert endpoint.secret not in admin.get(page).content.decode()


def test_a_url_the_service_refuses_is_shown_next_to_the_url(admin):
    response = admin.post(CREATE, {"url": "ftp://files.example.com/x", "event_types": ["customer.created"]})
    assert response.status_code == 200
    assert response.context["form"].errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_an_endpoint_without_event_types_gets_the_services_message(admin):
    response = admin.post(CREATE, {"url": "https://erp.example.com/hooks"})
    assert response.context["form"].errors == {"event_types": ["A non-empty list of event types is required."]}
    assert not WebhookEndpoint.objects.exists()


def test_editing_changes_only_what_was_changed(admin):
    endpoint = WebhookEndpointFactory(description="ERP", event_types=["customer.created"])
    secret = endpoint.secret
    response = admin.post(
        reverse("staff:webhook_edit", args=[endpoint.id]),
        {"url": endpoint.url, "description": "ERP", "event_types": ["customer.created", "customer.updated"]},
    )
    assert response["Location"] == reverse("staff:webhook_detail", args=[endpoint.id])
    endpoint = reloaded(endpoint)
    assert (endpoint.event_types, endpoint.enabled, endpoint.secret) == (
        ["customer.created", "customer.updated"], False, secret,
    )  # fmt: skip


def test_rotating_the_secret_shows_the_new_one_once(admin):
    endpoint = WebhookEndpointFactory()
    old = endpoint.secret
    response = admin.post(reverse("staff:webhook_rotate_secret", args=[endpoint.id]))
    endpoint = reloaded(endpoint)
    assert endpoint.secret != old
    assert response.context["endpoint"].secret == endpoint.secret
    assert "no-store" in response["Cache-Control"]


def test_deleting_an_endpoint_removes_its_deliveries(admin):
    endpoint = WebhookEndpointFactory()
    delivery_for(endpoint, attempts=[(500, "oops")])
    response = admin.post(reverse("staff:webhook_delete", args=[endpoint.id]))
    assert response["Location"] == LIST
    assert not WebhookEndpoint.objects.exists()
    assert not WebhookDelivery.objects.exists()


def test_the_list_counts_what_is_still_pending_or_failed(client_as):
    endpoint = WebhookEndpointFactory()
    delivery_for(endpoint, status="failed")
    delivery_for(endpoint, status="pending")
    delivery_for(endpoint, status="pending")
    delivery_for(endpoint, status="delivered")
    [shown] = client_as("viewer").get(LIST).context["endpoints"]
    assert (shown.pending, shown.failed) == (2, 1)


def test_only_superusers_are_offered_to_manage_endpoints(client_as):
    endpoint = WebhookEndpointFactory()
    delivery_for(endpoint, attempts=[(500, "")])
    detail = reverse("staff:webhook_detail", args=[endpoint.id])
    for role in ("viewer", "account_manager", "credit_officer"):
        client = client_as(role)
        assert "New endpoint" not in client.get(LIST).content.decode()
        html = client.get(detail).content.decode()
        assert ("Rotate secret" in html, "Replay" in html, "Delete" in html) == (False, False, False)
    html = client_as("superuser").get(detail).content.decode()
    assert ("Rotate secret" in html, "Replay" in html, "Delete" in html) == (True, True, True)


def test_deliveries_show_their_attempts_newest_first_and_filter_by_status(client_as):
    endpoint = WebhookEndpointFactory()
    failed = delivery_for(endpoint, status="failed", attempts=[(500, "upstream broke"), (502, "bad gateway")])
    delivered = delivery_for(endpoint, status="delivered", attempts=[(200, '{"ok":true}')])
    viewer = client_as("viewer")
    url = reverse("staff:webhook_detail", args=[endpoint.id])
    response = viewer.get(url)
    assert [d.id for d in response.context["page"].items] == [delivered.id, failed.id]
    html = response.content.decode()
    for text in ("HTTP 502", "upstream broke", "42 ms", "{&quot;ok&quot;:true}"):
        assert text in html
    assert [d.id for d in viewer.get(url, {"status": "failed"}).context["page"].items] == [failed.id]


def test_replaying_a_delivery_sends_it_now_and_reports_the_answer(admin, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    delivery = delivery_for(endpoint, status="failed", attempts=[(500, "")])
    response = admin.post(reverse("staff:webhook_replay", args=[endpoint.id, delivery.id]))
    assert response["Location"] == reverse("staff:webhook_detail", args=[endpoint.id]) + f"#{delivery.id}"
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith(f"Replayed {delivery.id}: HTTP 200, in ")
    assert [request.json["notification_id"] for request in receiver.requests] == [delivery.id]
    delivery = reloaded(delivery)
    assert (delivery.status, delivery.attempt_count) == ("delivered", 2)


def test_replaying_to_a_disabled_endpoint_is_refused_with_the_services_message(admin, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url, enabled=False)
    delivery = delivery_for(endpoint, status="pending")
    response = admin.post(reverse("staff:webhook_replay", args=[endpoint.id, delivery.id]))
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == f"Webhook endpoint {endpoint.id} is disabled; enable it to replay."
    assert receiver.requests == []


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_endpoint_list_query_count_is_fixed(client_as):
    viewer = client_as("viewer")
    delivery_for(WebhookEndpointFactory(), status="failed")
    few = count_queries(viewer, LIST)
    for _ in range(5):
        endpoint = WebhookEndpointFactory()
        delivery_for(endpoint, status="pending")
        delivery_for(endpoint, status="failed")
    assert count_queries(viewer, LIST) == few
    # session, user, groups, endpoints, pending and failed counts
    assert few <= 5


def test_the_deliveries_page_query_count_is_fixed(client_as):
    viewer = client_as("viewer")
    endpoint = WebhookEndpointFactory()
    delivery_for(endpoint, attempts=[(500, "")])
    url = reverse("staff:webhook_detail", args=[endpoint.id])
    few = count_queries(viewer, url)
    for _ in range(6):
        delivery_for(endpoint, status="failed", attempts=[(500, "a"), (503, "b")])
    assert count_queries(viewer, url) == few
    # session, user, groups, endpoint, deliveries with their events, their attempts
    assert few <= 6
