"""Reads for the event log, webhook endpoints and deliveries. Lists return querysets ready for
`core.pagination.keyset_paginate` (ordered by id, which is time order), carrying what their presenters need."""

from collections.abc import Collection

from django.db.models import Count, QuerySet

from core.filters import filtered
from core.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from core.selectors import get_by_id
from core.webhooks.filters import EventFilterSet, WebhookDeliveryFilterSet


def event_list(*, filters: dict | None = None, event_types: Collection[str] | None = None) -> QuerySet[Event]:
    """The event log (audit trail), filterable by `event_type` and `customer_id` (both comma-separated) and
    `occurred_at_start` / `occurred_at_end`. `event_types`, when given, limits the log to those types whatever the
    filters ask for (the types a caller may read)."""
    queryset = Event.objects.all() if event_types is None else Event.objects.filter(event_type__in=list(event_types))
    return filtered(EventFilterSet, filters, queryset)


def webhook_endpoint_list() -> QuerySet[WebhookEndpoint]:
    return WebhookEndpoint.objects.all()


def webhook_endpoint_get(*, endpoint_id: str) -> WebhookEndpoint:
    return get_by_id(WebhookEndpoint.objects.all(), endpoint_id, noun="webhook endpoint")


def _deliveries() -> QuerySet[WebhookDelivery]:
    return WebhookDelivery.objects.select_related("event").prefetch_related("attempts")


def webhook_delivery_list(*, endpoint: WebhookEndpoint, filters: dict | None = None) -> QuerySet[WebhookDelivery]:
    """An endpoint's deliveries with their event and attempts, filterable by `status` and `event_type`."""
    return filtered(WebhookDeliveryFilterSet, filters, _deliveries().filter(endpoint=endpoint))


def webhook_delivery_get(*, endpoint: WebhookEndpoint, delivery_id: str) -> WebhookDelivery:
    return get_by_id(_deliveries().filter(endpoint=endpoint), delivery_id, noun="delivery")


def webhook_unsettled_delivery_counts() -> dict[str, dict[str, int]]:
    """{endpoint id: {status: count}} of pending and failed deliveries, in one query. Delivered ones are left out on
    purpose: they only grow, and counting them would read every delivery ever made."""
    rows = (
        WebhookDelivery.objects.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.FAILED])
        .order_by()
        .values_list("endpoint_id", "status")
        .annotate(n=Count("id"))
    )
    counts: dict[str, dict[str, int]] = {}
    for endpoint_id, status, n in rows:
        counts.setdefault(endpoint_id, {})[status] = n
    return counts
