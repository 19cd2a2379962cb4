"""Writes for webhook endpoints and deliveries. Every change of an endpoint records its event
(`webhook_endpoint.created`, `.updated`, `.deleted`), with the endpoint as the API shows it, never its secret: who
pointed the application's events at which URL is in the audit trail like any other change."""

import logging
from collections.abc import Sequence
from typing import TypedDict

from django.core.exceptions import ValidationError
from django.db import transaction

from core.actors import Actor
from core.errors import ApplicationError, NotFound
from core.events import event_record
from core.models import EventType, WebhookDelivery, WebhookEndpoint, generate_webhook_secret
from core.selectors import get_by_id
from core.webhooks.delivery import webhook_delivery_attempt_now
from core.webhooks.presenters import webhook_endpoint_to_dict
from core.webhooks.subscriptions import subscriptions_changed
from core.webhooks.url_safety import TargetRefused, check_target_url

logger = logging.getLogger(__name__)


class WebhookEndpointFields(TypedDict, total=False):
    url: str
    event_types: list[str]
    enabled: bool
    description: str | None


WEBHOOK_ENDPOINT_WRITABLE_FIELDS = tuple(WebhookEndpointFields.__annotations__)


def clean_event_types(value: Sequence[str]) -> list[str]:
    """The event types an endpoint subscribes to, checked (the API, the staff form and the admin's form)."""
    if not isinstance(value, list | tuple) or not value or not all(isinstance(item, str) for item in value):
        raise ValidationError({"event_types": "A non-empty list of event types is required."})
    unknown = sorted(set(value) - set(EventType.values))
    if unknown:
        raise ValidationError(
            {"event_types": f"Unknown event types: {', '.join(unknown)}. Choose among: {', '.join(EventType.values)}."}
        )
    return list(dict.fromkeys(value))


def _endpoint_lock(endpoint: WebhookEndpoint) -> WebhookEndpoint:
    """The endpoint locked until the transaction ends and read afresh; NotFound if it was deleted meanwhile (a race
    lost to a delete), never a DoesNotExist."""
    return get_by_id(WebhookEndpoint.objects.select_for_update(), endpoint.pk, noun="webhook endpoint")


def _validate_and_save(endpoint: WebhookEndpoint, *, update_fields: list[str] | None = None) -> None:
    endpoint.event_types = clean_event_types(endpoint.event_types)
    if not isinstance(endpoint.enabled, bool):
        raise ValidationError({"enabled": "Must be true or false."})
    endpoint.full_clean()
    try:
        check_target_url(endpoint.url)
    except TargetRefused as exc:
        raise ValidationError({"url": str(exc)}) from None
    endpoint.save(update_fields=update_fields)
    subscriptions_changed()


@transaction.atomic
def webhook_endpoint_create(
    *, actor: Actor, url: str, event_types: list[str], enabled: bool = True, description: str = ""
) -> WebhookEndpoint:
    """Register a receiver. The returned endpoint carries its signing secret: show it now, it is never shown again."""
    endpoint = WebhookEndpoint(url=url, event_types=event_types, enabled=enabled, description=description or "")
    _validate_and_save(endpoint)
    _record(EventType.WEBHOOK_ENDPOINT_CREATED, endpoint, actor=actor)
    return endpoint


def _record(event_type: EventType, endpoint: WebhookEndpoint, *, actor: Actor, **extra) -> None:
    event_record(event_type=event_type, data={**webhook_endpoint_to_dict(endpoint), **extra}, actor=actor)


@transaction.atomic
def webhook_endpoint_update(*, endpoint: WebhookEndpoint, actor: Actor, data: WebhookEndpointFields) -> WebhookEndpoint:
    """Change any of url, event_types, enabled, description (none required). Disabling pauses pending deliveries;
    re-enabling lets the outbox sweep send them."""
    unknown = sorted(set(data) - set(WEBHOOK_ENDPOINT_WRITABLE_FIELDS))
    if unknown:
        raise ValidationError({name: "Unknown field." for name in unknown})
    endpoint = _endpoint_lock(endpoint)
    changed = [name for name, value in data.items() if getattr(endpoint, name) != value]
    for name in changed:
        setattr(endpoint, name, "" if name == "description" and data[name] is None else data[name])
    if changed:
        _validate_and_save(endpoint, update_fields=changed)
        _record(EventType.WEBHOOK_ENDPOINT_UPDATED, endpoint, actor=actor, changed=changed)
    return endpoint


@transaction.atomic
def webhook_endpoint_delete(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Delete the endpoint with its deliveries and their attempts. One that is already gone (a race lost to another
    delete) is NotFound."""
    endpoint = _endpoint_lock(endpoint)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).delete()
    subscriptions_changed()
    _record(EventType.WEBHOOK_ENDPOINT_DELETED, endpoint, actor=actor)


@transaction.atomic
def webhook_endpoint_rotate_secret(*, endpoint: WebhookEndpoint, actor: Actor) -> WebhookEndpoint:
    """Replace the signing secret; every later attempt, retries included, is signed with the new one. The returned
    endpoint carries the new secret, shown this once."""
    endpoint = _endpoint_lock(endpoint)
    endpoint.secret = generate_webhook_secret()
    endpoint.save(update_fields=["secret"])
    _record(EventType.WEBHOOK_ENDPOINT_UPDATED, endpoint, actor=actor, changed=["secret"])
    return endpoint


@transaction.atomic
def webhook_delivery_replay(*, delivery: WebhookDelivery, actor: Actor) -> WebhookDelivery:
    """Send a delivery again now, whatever its status: one attempt, logged like any other, with no retry after it.
    Success marks it delivered. Returns the delivery with its attempts."""
    # Read afresh: the caller's delivery may carry an endpoint loaded before it was disabled, or deleted.
    enabled = WebhookEndpoint.objects.filter(pk=delivery.endpoint_id).values_list("enabled", flat=True).first()
    if enabled is None:
        raise NotFound(f"No delivery with id {delivery.id}.")
    if not enabled:
        raise ApplicationError(
            "endpoint_disabled",
            f"Webhook endpoint {delivery.endpoint_id} is disabled; enable it to replay.",
            status=422,
        )
    replayed = webhook_delivery_attempt_now(delivery_id=delivery.id)
    deliveries = WebhookDelivery.objects.select_related("event").prefetch_related("attempts")
    if replayed is None:
        get_by_id(deliveries, delivery.id, noun="delivery")  # deleted with its endpoint meanwhile: NotFound
        raise ApplicationError("conflict", f"Delivery {delivery.id} is being attempted right now.", status=409)
    logger.info("Webhook delivery %s replayed by %s %s", delivery.id, actor.type, actor.label or actor.id)
    return get_by_id(deliveries, replayed.id, noun="delivery")
