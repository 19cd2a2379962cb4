"""POST /webhooks/{id}/deliveries/{ntf_id}/replay: one attempt now, answered with the delivery and that attempt."""

import threading

import pytest
from django.db import connection, transaction

from core.models import WebhookAttempt, WebhookDelivery
from tests.factories import WebhookAttemptFactory, WebhookDeliveryFactory, WebhookEndpointFactory


def failed_delivery(endpoint, *, attempts: int = 6) -> WebhookDelivery:
    delivery = WebhookDeliveryFactory(endpoint=endpoint, status="failed", attempt_count=attempts)
    WebhookAttemptFactory.create_batch(attempts, delivery=delivery, response_status=500)
    return delivery


def replay_path(delivery: WebhookDelivery) -> str:
    return f"webhooks/{delivery.endpoint_id}/deliveries/{delivery.id}/replay"


@pytest.mark.django_db
def test_replay_sends_the_delivery_now_and_returns_it_with_the_new_attempt(api, receiver, verify_signature):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    delivery = failed_delivery(endpoint)

    response = api.post(replay_path(delivery))

    assert response.status_code == 200
    data = response.json()["data"]
    assert (data["id"], data["status"], data["attempt_count"], data["next_attempt_at"]) == (
        delivery.id, "delivered", 7, None,
    )  # fmt: skip
    assert [attempt["response_status"] for attempt in data["attempts"]] == [500] * 6 + [200]
    assert data["attempts"][-1]["response_excerpt"] == '{"received": true, "status": 200}'
    (request,) = receiver.requests
    assert request.json["notification_id"] == delivery.id
    assert request.json["event_id"] == delivery.event_id
    assert verify_signature(endpoint.secret, request.headers["Signature"], request.body)


@pytest.mark.django_db
def test_a_replay_the_receiver_refuses_is_logged_and_leaves_the_delivery_failed(api, receiver):
    delivery = failed_delivery(WebhookEndpointFactory(url=receiver.url))
    receiver.answer(503)

    data = api.post(replay_path(delivery)).json()["data"]

    assert (data["status"], data["attempt_count"], data["next_attempt_at"]) == ("failed", 7, None)
    assert data["attempts"][-1]["response_status"] == 503


@pytest.mark.django_db
def test_replaying_a_delivery_of_a_disabled_endpoint_is_422_and_sends_nothing(api, receiver):
    delivery = failed_delivery(WebhookEndpointFactory(url=receiver.url, enabled=False))

    response = api.post(replay_path(delivery))

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "endpoint_disabled"
    assert error["detail"] == f"Webhook endpoint {delivery.endpoint_id} is disabled; enable it to replay."
    assert receiver.requests == []
    assert WebhookAttempt.objects.filter(delivery=delivery).count() == 6


@pytest.mark.django_db
@pytest.mark.parametrize("delivery_id", ["nope", "ntf_123", "evt_" + "0" * 26, "ntf_" + "0" * 26])
def test_a_malformed_or_unknown_delivery_id_is_404(api, delivery_id):
    endpoint = WebhookEndpointFactory()

    response = api.post(f"webhooks/{endpoint.id}/deliveries/{delivery_id}/replay")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.django_db
def test_a_delivery_of_another_endpoint_is_404_and_is_not_sent(api, receiver):
    delivery = failed_delivery(WebhookEndpointFactory(url=receiver.url))
    other = WebhookEndpointFactory()

    response = api.post(f"webhooks/{other.id}/deliveries/{delivery.id}/replay")

    assert response.status_code == 404
    assert receiver.requests == []


@pytest.mark.django_db
def test_a_replay_with_the_same_idempotency_key_is_not_sent_twice(api, receiver):
    delivery = failed_delivery(WebhookEndpointFactory(url=receiver.url))
    headers = {"Idempotency-Key": "replay-1"}

    first = api.post(replay_path(delivery), headers=headers)
    again = api.post(replay_path(delivery), headers=headers)

    assert again.json()["data"] == first.json()["data"]
    assert again["Idempotent-Replayed"] == "true"
    assert len(receiver.requests) == 1


@pytest.mark.django_db(transaction=True)
def test_a_replay_while_another_attempt_holds_the_delivery_is_409(api, receiver):
    delivery = failed_delivery(WebhookEndpointFactory(url=receiver.url))
    locked, release = threading.Event(), threading.Event()

    def attempt_in_progress():
        # What a worker does while it sends an attempt: hold the delivery's row.
        try:
            with transaction.atomic():
                WebhookDelivery.objects.select_for_update().get(pk=delivery.pk)
                locked.set()
                release.wait(timeout=10)
        finally:
            connection.close()

    holder = threading.Thread(target=attempt_in_progress)
    holder.start()
    assert locked.wait(timeout=10)
    try:
        response = api.post(replay_path(delivery))
    finally:
        release.set()
        holder.join(timeout=10)

    assert response.status_code == 409
    error = response.json()["error"]
    assert (error["code"], error["detail"]) == ("conflict", f"Delivery {delivery.id} is being attempted right now.")
    assert receiver.requests == []
