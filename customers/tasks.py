"""Celery adapters for customers: the bulk import tasks and the sweep for imports whose task never reached a worker
(scheduled in CELERY_BEAT_SCHEDULE). Each task is safe to run twice. Uploads hand work to these tasks by name
(core.dispatch), never by importing this module."""

import logging

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from core.outage import publish
from customers.imports import customer_import_dispatch, customer_import_plan, customer_import_run_part
from customers.selectors import customer_imports_stalled

logger = logging.getLogger(__name__)


# A worker lost mid-file redelivers the task (acks_late); the import resumes after its last committed batch.
@shared_task(name="customers.run_customer_import", acks_late=True, time_limit=3600)
def run_customer_import(customer_import_id: str) -> None:
    """Divide the file into parts (IMPORT_PARTS at most), hand all but the first to other workers and import the first
    here; a part that cannot be handed over is imported here too."""
    parts = customer_import_plan(customer_import_id=customer_import_id, parts=settings.IMPORT_PARTS)
    here = parts[:1]
    for part in parts[1:]:
        if part.is_done:
            continue
        if not publish(run_customer_import_part, customer_import_id, part.number):
            logger.warning("import %s: part %s not handed over; importing it here", customer_import_id, part.number)
            here.append(part)
    for part in here:
        customer_import_run_part(customer_import_id=customer_import_id, number=part.number)


@shared_task(name="customers.run_customer_import_part", acks_late=True, time_limit=3600)
def run_customer_import_part(customer_import_id: str, number: int) -> None:
    customer_import_run_part(customer_import_id=customer_import_id, number=number)


@shared_task(name="customers.sweep_stalled_imports", acks_late=True, soft_time_limit=240, time_limit=300)
def sweep_stalled_customer_imports() -> dict:
    """Hand over again the imports no task is known to be working on (running ones resume their parts)."""
    counts = {"dispatched": 0, "failed": 0}
    for customer_import_id in customer_imports_stalled(now=timezone.now()).values_list("id", flat=True):
        counts["dispatched" if customer_import_dispatch(customer_import_id) else "failed"] += 1
    return counts
