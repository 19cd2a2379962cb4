"""Handing send tasks to the broker (core.dispatch, as for credit checks and imports): the outbox row comes first,
the task second, so a publish that fails loses nothing. `email_outbox_sweep` (every minute) hands over again what no
task is known to be carrying."""

import logging
from datetime import datetime

from django.utils import timezone

from core.dispatch import dispatch
from core.email.selectors import emails_stalled
from core.models import OutboundEmail, OutboundEmailStatus
from core.outage import BROKER

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500


def email_dispatch(email_id: str, *, eta: datetime | None = None) -> bool:
    """Hand a pending email's send task to the broker (to run at `eta`, a retry's time). True when handed over."""
    pending = OutboundEmail.objects.filter(status=OutboundEmailStatus.PENDING)
    return dispatch("core.send_email", email_id, waiting=pending, eta=eta)


def email_outbox_sweep(*, batch: int = SWEEP_BATCH) -> dict:
    """Hand over again the stalled emails (oldest due first), stopping when the broker fails."""
    stalled = list(emails_stalled(now=timezone.now()).values_list("id", flat=True)[:batch])
    dispatched = 0
    for email_id in stalled:
        if email_dispatch(email_id):
            dispatched += 1
        elif BROKER.open:
            break
    if stalled:
        logger.info("Email sweep: %d of %d stalled emails handed over.", dispatched, len(stalled))
    return {"stalled": len(stalled), "dispatched": dispatched}
