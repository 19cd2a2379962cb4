"""Handing send tasks to the broker, in the shape of the other dispatchers (credit checks, imports, webhook
deliveries): the outbox row comes first, the task second, so a publish that fails loses nothing. `email_dispatch`
never raises and never waits long (core.outage.publish: no retry loop, the breaker skips the broker for a while
after a failure); `email_outbox_sweep` (every minute) hands over again what no task is known to be carrying.

The send task is looked up by name in Celery's registry (filled when core/tasks.py is imported), because that module
imports this one."""

import logging
from datetime import datetime

from celery import current_app
from django.utils import timezone

from core.email.selectors import emails_stalled
from core.models import OutboundEmail, OutboundEmailStatus
from core.outage import BROKER, publish
from core.webhooks.queue import tasks_run_in_process

logger = logging.getLogger(__name__)

SEND_TASK = "core.send_email"
SWEEP_BATCH = 500


def email_dispatch(email_id: str, *, eta: datetime | None = None) -> bool:
    """Hand a pending email's send task to the broker (to run at `eta`, a retry's time). True when handed over."""
    if eta is not None and eta > timezone.now() and tasks_run_in_process():
        # No broker to hold a task until its time (the embedded default): the sweep sends it once due.
        return False
    if BROKER.open:
        logger.warning("email %s not handed over (broker failed moments ago); the sweep will", email_id)
        return False
    pending = OutboundEmail.objects.filter(pk=email_id, status=OutboundEmailStatus.PENDING)
    # Stamped first: in the embedded default the task runs inside publish() and may finish the email.
    if not pending.update(dispatched_at=timezone.now()):
        return False
    try:
        published = publish(current_app.tasks[SEND_TASK], email_id, eta=eta)
    except Exception:
        logger.exception("email %s: the send task failed in process; the sweep will retry", email_id)
        return True
    if not published:
        pending.update(dispatched_at=None)
        logger.warning("email %s not handed to the broker; the sweep will retry", email_id)
    return published


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
