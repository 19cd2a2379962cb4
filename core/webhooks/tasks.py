"""Celery adapters for webhooks: deliver one delivery, and the outbox sweep (scheduled in CELERY_BEAT_SCHEDULE). The
dispatcher and the sweep publish deliveries by task name (core.webhooks.queue), never by importing this module."""

from celery import shared_task

from core.webhooks.delivery import webhook_delivery_attempt_due
from core.webhooks.dispatcher import outbox_sweep


# A delivery attempt is bounded by the HTTP timeouts (3 s + 10 s); the limits only stop a receiver that trickles.
@shared_task(name="core.webhooks.deliver", acks_late=True, soft_time_limit=45, time_limit=60)
def webhook_deliver(delivery_id: str) -> str:
    return webhook_delivery_attempt_due(delivery_id=delivery_id)


@shared_task(name="core.webhooks.sweep", acks_late=True, time_limit=300)
def webhooks_outbox_sweep() -> dict:
    return outbox_sweep()
