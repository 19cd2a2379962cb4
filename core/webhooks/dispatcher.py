"""From the outbox to deliveries: each committed event is fanned out into one delivery per enabled endpoint
subscribed to its type, right after commit in the process that wrote it, and by the periodic sweep for any event
that step missed (the process died, the database hiccuped). The sweep also publishes deliveries whose task never
reached the broker or was lost, so a broker outage delays webhooks but loses none."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.events import on_event_recorded
from core.models import DeliveryStatus, Event, WebhookDelivery, WebhookEndpoint
from core.webhooks.delivery import earlier_pending_delivery
from core.webhooks.queue import enqueue_deliveries
from core.webhooks.subscriptions import subscribed_event_types

logger = logging.getLogger(__name__)

# A delivery is due when it is created or when its retry time comes, and its own task is published then; the sweep
# publishes it only once it is this much overdue, so a healthy queue is not sent every delivery twice.
SWEEP_GRACE = timedelta(seconds=60)


def sweep_grace() -> timedelta:
    """SWEEP_GRACE; none in the embedded default, where nothing but the sweep sends a delivery once due
    (WEBHOOKS_SWEEP_GRACE_SECONDS)."""
    seconds = getattr(settings, "WEBHOOKS_SWEEP_GRACE_SECONDS", None)
    return SWEEP_GRACE if seconds is None else timedelta(seconds=seconds)


SWEEP_BATCH = 500


@transaction.atomic
def event_dispatch(*, event_id: str) -> list[str]:
    """Create the event's deliveries and mark it dispatched, in one transaction, once: the event row is locked and a
    dispatched event is left alone. Endpoints receive the events that occur after they were created. Delivery tasks
    are published after commit. Returns the new delivery ids."""
    event = Event.objects.select_for_update(skip_locked=True).filter(pk=event_id, dispatched_at__isnull=True).first()
    if event is None:
        return []
    # Filtered in Python: endpoints are few, and JSON containment is not portable to the embedded SQLite default.
    endpoints = [
        endpoint
        for endpoint in WebhookEndpoint.objects.filter(enabled=True, created_at__lte=event.occurred_at)
        if event.event_type in endpoint.event_types
    ]
    now = timezone.now()
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(endpoint=endpoint, event=event, next_attempt_at=now) for endpoint in endpoints]
    )
    event.dispatched_at = now
    event.save(update_fields=["dispatched_at"])
    delivery_ids = [delivery.id for delivery in deliveries]
    if delivery_ids:
        transaction.on_commit(lambda: enqueue_deliveries(delivery_ids))
    return delivery_ids


@on_event_recorded
def dispatch_after_commit(event: Event) -> None:
    """Runs once the event's transaction has committed, in the process (often a web request) that wrote it. It never
    raises: the change is committed and its caller must succeed; anything that fails here is redone by the sweep."""
    try:
        subscribed = subscribed_event_types()
        if subscribed is not None and event.event_type not in subscribed:
            return  # nobody listens (as far as the snapshot knows): the sweep marks it, off the request path
        event_dispatch(event_id=event.id)
    except Exception:
        logger.exception("Dispatch of event %s failed; the outbox sweep will retry it.", event.id)


def _mark_unwanted_events_dispatched(batch: int) -> int:
    """Mark undispatched events that no endpoint could want as dispatched, in bulk: most events of a busy system
    when few endpoints subscribe. Decided against the database, not the snapshot."""
    endpoints = list(WebhookEndpoint.objects.filter(enabled=True).values_list("event_types", "created_at"))
    marked = 0
    while True:
        rows = list(
            Event.objects.filter(dispatched_at__isnull=True)
            .order_by("id")
            .values_list("id", "event_type", "occurred_at")[:batch]
        )
        unwanted = [
            event_id
            for event_id, event_type, occurred_at in rows
            if not any(event_type in types and created_at <= occurred_at for types, created_at in endpoints)
        ]
        if unwanted:
            marked += Event.objects.filter(pk__in=unwanted, dispatched_at__isnull=True).update(
                dispatched_at=timezone.now()
            )
        if len(rows) < batch or not unwanted:
            return marked


def outbox_sweep(*, batch: int = SWEEP_BATCH) -> dict:
    """The periodic safety net: mark events nobody wants as dispatched, fan out the other undispatched events
    (oldest first), then publish pending deliveries that are overdue by more than SWEEP_GRACE, whose endpoint is
    enabled and that wait for no earlier delivery."""
    marked = _mark_unwanted_events_dispatched(batch)
    event_ids = list(
        Event.objects.filter(dispatched_at__isnull=True).order_by("id").values_list("id", flat=True)[:batch]
    )
    created = sum(len(event_dispatch(event_id=event_id)) for event_id in event_ids)
    overdue = list(
        WebhookDelivery.objects.filter(
            status=DeliveryStatus.PENDING,
            endpoint__enabled=True,
            next_attempt_at__lte=timezone.now() - sweep_grace(),
        )
        .exclude(earlier_pending_delivery())
        .order_by("next_attempt_at")
        .values_list("id", flat=True)[:batch]
    )
    published = enqueue_deliveries(overdue)
    if event_ids or overdue:
        logger.info(
            "Outbox sweep: %d events dispatched into %d deliveries; %d of %d overdue deliveries published.",
            len(event_ids),
            created,
            published,
            len(overdue),
        )
    return {
        "events_without_subscribers": marked,
        "undispatched_events": len(event_ids),
        "deliveries_created": created,
        "overdue_deliveries": len(overdue),
        "deliveries_published": published,
    }
