"""Celery adapters for outbound email: send one email, and the sweep for emails whose task was lost (scheduled in
CELERY_BEAT_SCHEDULE). Emails are queued by core.email.services, which publishes these tasks by name."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from core.email.delivery import email_send
from core.email.dispatch import email_outbox_sweep


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
