"""Which event types any enabled endpoint subscribes to, cached, so that a write nobody listens to pays one cache
read after commit instead of a fan-out transaction.

The snapshot is only ever used to *skip* the immediate fan-out: a skipped event stays undispatched and the outbox
sweep fans it out against the database, so a stale snapshot delays a delivery (by at most one sweep), never loses
one."""

import logging
import time

from django.core.cache import cache
from django.db import transaction

from core.models import WebhookEndpoint
from core.outage import CACHE

logger = logging.getLogger(__name__)

CACHE_KEY = "webhooks:subscribed-event-types:v1"
CACHE_SECONDS = 30
# Each process also keeps the snapshot for a moment, so a burst of writes (a bulk import) asks the cache once.
LOCAL_SECONDS = 1.0
_local: tuple[float, frozenset[str]] | None = None


def subscribed_event_types() -> frozenset[str] | None:
    """The event types some enabled endpoint wants, or None when the cache cannot say (then dispatch as usual)."""
    global _local
    now = time.monotonic()
    if _local is not None and now < _local[0]:
        return _local[1]
    types = _shared_snapshot()
    _local = None if types is None else (now + LOCAL_SECONDS, types)
    return types


def _shared_snapshot() -> frozenset[str] | None:
    unavailable = object()
    cached = CACHE.attempt(
        lambda: cache.get(CACHE_KEY),
        log=logger,
        warning="Cache unavailable; dispatching events without the subscription snapshot.",
        failed=unavailable,
    )
    if cached is unavailable:
        return None
    if cached is not None:
        return frozenset(cached)
    types: set[str] = set()
    for event_types in WebhookEndpoint.objects.filter(enabled=True).values_list("event_types", flat=True):
        types.update(event_types)
    CACHE.attempt(
        lambda: cache.set(CACHE_KEY, sorted(types), CACHE_SECONDS),
        log=logger,
        warning="Cache unavailable; the subscription snapshot was not stored.",
    )
    return frozenset(types)


def subscriptions_changed() -> None:
    """Call inside the transaction that changes an endpoint's subscriptions or enabled flag."""

    def forget():
        global _local
        _local = None
        warning = f"Cache unavailable; the subscription snapshot expires within {CACHE_SECONDS} s."
        if CACHE.open:
            logger.warning(warning)
        CACHE.attempt(lambda: cache.delete(CACHE_KEY), log=logger, warning=warning)

    forget()
    transaction.on_commit(forget)
