"""Celery adapters for the shared plumbing: health check, idempotency purge, webhook delivery and outbound email."""

from celery import shared_task
from django.db import InterfaceError, OperationalError, connection

from core.api.idempotency import idempotency_records_purge
from core.email.delivery import email_send
from core.email.dispatch import email_outbox_sweep
from core.webhooks.delivery import webhook_delivery_attempt_due
from core.webhooks.dispatcher import outbox_sweep


@shared_task(name="core.health_check", acks_late=True, time_limit=30, ignore_result=False)
def health_check() -> dict:
    """Proves a worker is alive and can reach the database; monitoring and the test suite call it."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        (value,) = cursor.fetchone()
    return {"database": value == 1, "vendor": connection.vendor}


@shared_task(name="core.purge_idempotency_records", acks_late=True, time_limit=300)
def purge_idempotency_records() -> int:
    """Hourly (CELERY_BEAT_SCHEDULE): Idempotency-Key records are kept 24 hours."""
    return idempotency_records_purge()


# A delivery attempt is bounded by the HTTP timeouts (3 s + 10 s); the limits only stop a receiver that trickles.
@shared_task(name="core.webhooks.deliver", acks_late=True, soft_time_limit=45, time_limit=60)
def webhook_deliver(delivery_id: str) -> str:
    return webhook_delivery_attempt_due(delivery_id=delivery_id)


@shared_task(name="core.webhooks.sweep", acks_late=True, time_limit=300)
def webhooks_outbox_sweep() -> dict:
    return outbox_sweep()


# SMTP operations time out after EMAIL_URL's timeout (10 s each); the limits only stop a server that trickles. A soft
# limit during a send counts as a failed attempt (core/email/delivery.py).
@shared_task(
    name="core.send_email",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    max_retries=3,
    retry_backoff=5,
    retry_jitter=True,
    soft_time_limit=120,
    time_limit=150,
)
def send_email(email_id: str) -> str:
    return email_send(email_id=email_id)


@shared_task(name="core.sweep_emails", acks_late=True, soft_time_limit=240, time_limit=300)
def sweep_emails() -> dict:
    return email_outbox_sweep()
