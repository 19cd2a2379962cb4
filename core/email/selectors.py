"""Reads of the email outbox."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q, QuerySet

from core.models import OutboundEmail, OutboundEmailStatus


def emails_stalled(*, now: datetime) -> QuerySet[OutboundEmail]:
    """Pending emails that are due and that no task is known to be carrying: never handed to the broker (a broker
    outage when queued, or a retry in the embedded default) once a grace period has passed, or handed over so long
    ago that the task was lost (a worker killed, a message dropped)."""
    due = OutboundEmail.objects.filter(
        status=OutboundEmailStatus.PENDING,
        next_attempt_at__lte=now - timedelta(seconds=settings.EMAIL_SWEEP_GRACE_SECONDS),
    )
    lost = now - timedelta(seconds=settings.EMAIL_REDISPATCH_AFTER_SECONDS)
    return due.filter(Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=lost)).order_by("next_attempt_at", "id")


def email_keys_queued(keys: list[str]) -> set[str]:
    """Those of `keys` an email was ever queued with (email_queue sends at most one per key)."""
    return set(OutboundEmail.objects.filter(key__in=keys).values_list("key", flat=True))
