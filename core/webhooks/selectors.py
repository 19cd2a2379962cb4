"""Reads for the event log, webhook endpoints and deliveries. Lists return querysets ready for
`core.pagination.keyset_paginate` (ordered by id, which is time order), carrying what their presenters need."""

from collections.abc import Collection

from django.db.models import QuerySet

from core.errors import NotFound
from core.filters import filtered
from core.ids import is_valid_id
from core.models import Event, WebhookDelivery, WebhookEndpoint
from core.webhooks.filters import EventFilterSet, WebhookDeliveryFilterSet


def event_list(*, filters: dict | None = None, event_types: Collection[str] | None = None) -> QuerySet[Event]:
    """The event log (audit trail), filterable by `event_type` and `customer_id` (both comma-separated) and
    `occurred_at_start` / `occurred_at_end`. `event_types`, when given, limits the log to those types whatever the
    filters ask for (the types a caller may read)."""
    queryset = Event.objects.all() if event_types is None else Event.objects.filter(event_type__in=list(event_types))
    return filtered(EventFilterSet, filters, queryset)


def event_get(*, event_id: str) -> Event:
    if not is_valid_id(event_id, "evt"):
        raise NotFound(f"No event with id {event_id}.")
    try:
        return Event.objects.get(pk=event_id)
    except Event.DoesNotExist:
        raise NotFound(f"No event with id {event_id}.") from None


def webhook_endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


def webhook_endpoint_get(*, endpoint_id: str) -> WebhookEndpoint:
    if not is_valid_id(endpoint_id, "ntfset"):
        raise NotFound(f"No webhook endpoint with id {endpoint_id}.")
    try:
        return WebhookEndpoint.objects.get(pk=endpoint_id)
    except WebhookEndpoint.DoesNotExist:
        raise NotFound(f"No webhook endpoint with id {endpoint_id}.") from None


def _deliveries() -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("event").prefetch_related("attempts")


def webhook_delivery_list(*, endpoint: WebhookEndpoint, filters: dict | None = None) -> QuerySet[WebhookDelivery]:
    """An endpoint's deliveries with their event and attempts, filterable by `status` and `event_type`."""
    return filtered(WebhookDeliveryFilterSet, filters, _deliveries().filter(endpoint=endpoint))


def webhook_delivery_get(*, endpoint: WebhookEndpoint, delivery_id: str) -> WebhookDelivery:
    if not is_valid_id(delivery_id, "ntf"):
        raise NotFound(f"No delivery with id {delivery_id}.")
    try:
        return _deliveries().get(pk=delivery_id, endpoint=endpoint)
    except WebhookDelivery.DoesNotExist:
        raise NotFound(f"No delivery with id {delivery_id}.") from None
