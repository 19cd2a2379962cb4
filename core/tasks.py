"""Celery tasks of core's own plumbing (webhook tasks live in core/webhooks/tasks.py)."""

from celery import shared_task
from django.db import connection

from core import partitions
from core.api.idempotency import idempotency_records_purge


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


@shared_task(name="core.ensure_partitions", acks_late=True, time_limit=600)
def ensure_partitions() -> list[str]:
    """Daily (CELERY_BEAT_SCHEDULE): the history tables' partitions, made PARTITION_MONTHS_AHEAD months ahead."""
    return partitions.ensure_partitions()
