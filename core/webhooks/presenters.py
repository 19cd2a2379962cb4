"""Wire shapes of webhook endpoints, deliveries, attempts and events: what the API returns, the staff pages show and
receivers get. Written once here so they cannot drift apart."""

from core.formatting import rfc3339
from core.models import Event, WebhookAttempt, WebhookDelivery, WebhookEndpoint


def webhook_endpoint_to_dict(endpoint: WebhookEndpoint, *, include_secret: bool = False) -> dict:
    """The endpoint; its signing secret only when asked for (creation and rotation are the only times it is shown)."""
    data = {
        "id": endpoint.id,
        "url": endpoint.url,
        "description": endpoint.description or None,
        "event_types": list(endpoint.event_types),
        "enabled": endpoint.enabled,
        "created_at": rfc3339(endpoint.created_at),
        "updated_at": rfc3339(endpoint.updated_at),
    }
    if include_secret:
        data["secret"] = endpoint.secret
    return data


def webhook_attempt_to_dict(attempt: WebhookAttempt) -> dict:
    return {
        "attempted_at": rfc3339(attempt.attempted_at),
        "response_status": attempt.response_status,
        "duration_ms": attempt.duration_ms,
        "response_excerpt": attempt.response_excerpt,
        "error": attempt.error or None,
    }


def webhook_delivery_to_dict(delivery: WebhookDelivery) -> dict:
    """A delivery (notification) with its attempts, oldest first. Selectors prefetch the attempts and the event."""
    return {
        "id": delivery.id,
        "endpoint_id": delivery.endpoint_id,
        "event_id": delivery.event_id,
        "event_type": delivery.event.event_type,
        "status": delivery.status,
        "attempt_count": delivery.attempt_count,
        "next_attempt_at": rfc3339(delivery.next_attempt_at),
        "last_attempt_at": rfc3339(delivery.last_attempt_at),
        "delivered_at": rfc3339(delivery.delivered_at),
        "created_at": rfc3339(delivery.created_at),
        "attempts": [webhook_attempt_to_dict(attempt) for attempt in delivery.attempts.all()],
    }


def event_to_dict(event: Event) -> dict:
    """An entry of the event log, which is also the audit trail: who did what to which customer, when."""
    return {
        "id": event.id,
        "event_type": event.event_type,
        "occurred_at": rfc3339(event.occurred_at),
        "customer_id": event.customer_id,
        "actor": {"type": event.actor_type, "id": event.actor_id or None, "label": event.actor_label or None},
        "data": event.data,
    }


def webhook_payload(delivery: WebhookDelivery) -> dict:
    """The body POSTed to the receiver. `notification_id` is the delivery's id: the same on every attempt and
    replay of it, so receivers can drop duplicates."""
    event = delivery.event
    return {
        "event_id": event.id,
        "event_type": event.event_type,
        "occurred_at": rfc3339(event.occurred_at),
        "notification_id": delivery.id,
        "data": event.data,
    }
