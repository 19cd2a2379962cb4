"""Handing delivery tasks to the broker without letting a broker outage reach the caller.

Deliveries are rows first (the outbox) and tasks second, so a publish that fails loses nothing: the periodic sweep
enqueues every overdue delivery. A failed publish is therefore logged and swallowed, and publishing pauses for a few
seconds afterwards (core.outage.BROKER, shared with the credit checks' dispatch), because each failed attempt costs
the caller up to a socket timeout and one request may record several events."""

import logging
from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from core.dispatch import task_named, tasks_run_in_process
from core.outage import BROKER, publish

logger = logging.getLogger(__name__)


def enqueue_delivery(delivery_id: str, *, eta: datetime | None = None) -> bool:
    """Publish one delivery task (at `eta` for a retry). False when the broker is unavailable."""
    if BROKER.open:
        return False
    if eta is not None and eta > timezone.now() and tasks_run_in_process():
        # No broker to hold a task until its time (the embedded default): running it now would retry at once, in the
        # request. The delivery row says when it is due; the outbox sweep sends it then (`run_periodic_tasks`).
        return True
    # No publish retries: the sweep is the retry, and the caller may be a web request waiting on us.
    if not publish(task_named("core.webhooks.deliver"), delivery_id, eta=eta):
        logger.warning("Webhook delivery %s not enqueued; the outbox sweep will.", delivery_id)
        return False
    return True


def enqueue_deliveries(delivery_ids: Iterable[str]) -> int:
    """Publish delivery tasks in order, stopping at the first failure. Returns how many were published."""
    published = 0
    for delivery_id in delivery_ids:
        if not enqueue_delivery(delivery_id):
            break
        published += 1
    return published
