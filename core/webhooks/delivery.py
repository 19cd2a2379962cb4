"""One delivery attempt: sign the payload, POST it, log the attempt, then decide what comes next.

A delivery is attempted only while its row is locked, so two workers (or a worker and a replay) never send the same
attempt twice. Failures are retried after 30 s, 90 s, 270 s, 810 s and 2430 s (`next_attempt_at`, plus a task
published for that time); after the sixth failed attempt the delivery is `failed`. For one endpoint, deliveries of
one customer's events go out in event order: a delivery waits while an earlier one for the same customer and
endpoint is still pending, and the delivery that finishes publishes the next one in line."""

import json
import logging
import time
from datetime import timedelta

import requests
import urllib3
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from core.models import DeliveryStatus, WebhookAttempt, WebhookDelivery
from core.webhooks.presenters import webhook_payload
from core.webhooks.queue import enqueue_delivery
from core.webhooks.signing import SIGNATURE_HEADER, signature_header
from core.webhooks.url_safety import TargetRefused, check_target_url, http_session

logger = logging.getLogger(__name__)

# The wait after the 1st, 2nd, … failed attempt. The attempt after the last wait is the final one.
BACKOFF_SECONDS = (30, 90, 270, 810, 2430)
MAX_ATTEMPTS = len(BACKOFF_SECONDS) + 1
EXCERPT_BYTES = 1024
ERROR_CHARS = 1000


def delivery_body(delivery: WebhookDelivery) -> bytes:
    return json.dumps(webhook_payload(delivery), separators=(",", ":"), ensure_ascii=False).encode()


def earlier_pending_delivery() -> Exists:
    """For a delivery in the outer query: a pending delivery of an earlier event of the same customer to the same
    endpoint exists (events without a customer wait for nothing)."""
    return Exists(
        WebhookDelivery.objects.filter(
            endpoint_id=OuterRef("endpoint_id"),
            status=DeliveryStatus.PENDING,
            event__customer_id=OuterRef("event__customer_id"),
            event_id__lt=OuterRef("event_id"),
        )
    )


def _post(delivery: WebhookDelivery) -> WebhookAttempt:
    """Send the delivery once and log the attempt. Never raises for what the receiver or the network does."""
    endpoint = delivery.endpoint
    body = delivery_body(delivery)
    status, excerpt, error = None, "", ""
    started = time.monotonic()
    try:
        # Checked again at each attempt: the host's DNS answer may have changed since the endpoint was saved.
        check_target_url(endpoint.url)
        headers = {
            "Content-Type": "application/json",
            SIGNATURE_HEADER: signature_header(secret=endpoint.secret, timestamp=int(time.time()), body=body),
        }
        with http_session() as session, session.post(endpoint.url, data=body, headers=headers, stream=True) as resp:
            status = resp.status_code
            # Read at most the excerpt: a receiver's answer is no reason to download an unbounded body.
            excerpt = resp.raw.read(EXCERPT_BYTES, decode_content=True).decode("utf-8", errors="replace")
    except TargetRefused as exc:
        error = f"Refused: {exc}"
    except (requests.RequestException, urllib3.exceptions.HTTPError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"
    except Exception as exc:
        # Still an attempt that counts: otherwise a bug tripped by one receiver would retry it forever, uncounted.
        logger.exception("Unexpected error delivering %s", delivery.id)
        error = f"{type(exc).__name__}: {exc}"
    return WebhookAttempt.objects.create(
        delivery=delivery,
        response_status=status,
        duration_ms=round((time.monotonic() - started) * 1000),
        response_excerpt=excerpt,
        error=error[:ERROR_CHARS],
    )


def _succeeded(attempt: WebhookAttempt) -> bool:
    return attempt.response_status is not None and 200 <= attempt.response_status < 300


def _publish_next_in_line(endpoint_id: str, customer_id: str | None) -> None:
    """After a delivery finished, publish the customer's next pending delivery to that endpoint, which waited."""
    if customer_id is None:
        return
    next_id = (
        WebhookDelivery.objects.filter(
            endpoint_id=endpoint_id, status=DeliveryStatus.PENDING, event__customer_id=customer_id
        )
        .order_by("event_id")
        .values_list("id", flat=True)
        .first()
    )
    if next_id:
        enqueue_delivery(next_id)


def _record(delivery: WebhookDelivery, attempt: WebhookAttempt, *, schedule_retry: bool) -> None:
    """Count the attempt and move the delivery on: delivered, retried later, failed, or (a replay that failed)
    left as it was."""
    now = timezone.now()
    delivery.attempt_count += 1
    delivery.last_attempt_at = attempt.attempted_at
    finished = False
    if _succeeded(attempt):
        finished = delivery.status == DeliveryStatus.PENDING
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = DeliveryStatus.DELIVERED, now, None
    elif schedule_retry and delivery.attempt_count < MAX_ATTEMPTS:
        delivery.next_attempt_at = now + timedelta(seconds=BACKOFF_SECONDS[delivery.attempt_count - 1])
        eta, delivery_id = delivery.next_attempt_at, delivery.id
        transaction.on_commit(lambda: enqueue_delivery(delivery_id, eta=eta))
    elif schedule_retry:
        finished = True
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    delivery.save(update_fields=["status", "attempt_count", "last_attempt_at", "next_attempt_at", "delivered_at"])
    if finished:
        endpoint_id, customer_id = delivery.endpoint_id, delivery.event.customer_id
        transaction.on_commit(lambda: _publish_next_in_line(endpoint_id, customer_id))


def _lock(delivery_id: str, *, skip_locked: bool) -> WebhookDelivery | None:
    return (
        WebhookDelivery.objects.select_for_update(skip_locked=skip_locked, of=("self",))
        .select_related("endpoint", "event")
        .filter(pk=delivery_id)
        .first()
    )


def _why_not_now(delivery: WebhookDelivery) -> str | None:
    if delivery.status != DeliveryStatus.PENDING:
        return f"already {delivery.status}"
    if delivery.next_attempt_at and delivery.next_attempt_at > timezone.now():
        return "not due"
    if not delivery.endpoint.enabled:
        return "endpoint disabled"
    if WebhookDelivery.objects.filter(earlier_pending_delivery(), pk=delivery.pk).exists():
        return "waiting for an earlier delivery to this endpoint for the same customer"
    return None


def webhook_delivery_attempt_due(*, delivery_id: str) -> str:
    """The delivery task: attempt the delivery if it is pending, due, its endpoint enabled and nothing earlier is
    ahead of it; otherwise do nothing (whoever changes that publishes it again). Returns what happened."""
    with transaction.atomic():
        delivery = _lock(delivery_id, skip_locked=True)
        if delivery is None:
            return "skipped: missing, or being attempted elsewhere"
        if reason := _why_not_now(delivery):
            return f"skipped: {reason}"
        attempt = _post(delivery)
        _record(delivery, attempt, schedule_retry=True)
    return f"attempt {delivery.attempt_count}: {delivery.status}"


def webhook_delivery_attempt_now(*, delivery_id: str) -> WebhookDelivery | None:
    """A replay: one attempt now, whatever the delivery's status or schedule, logged like any other and scheduling
    no retry. Success marks the delivery delivered. None when another attempt of it is in progress."""
    with transaction.atomic():
        delivery = _lock(delivery_id, skip_locked=True)
        if delivery is None:
            return None
        attempt = _post(delivery)
        _record(delivery, attempt, schedule_retry=False)
    return delivery
