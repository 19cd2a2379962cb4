"""Celery adapters for the credit domain: the decision task and the periodic sweeps (scheduled in
CELERY_BEAT_SCHEDULE). Tasks take ids, call selectors and services; each is safe to run twice. The services hand work
to these tasks by name (core.dispatch), never by importing this module."""

import logging

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError

from core.actors import Actor
from credit.models import CreditBalance
from credit.selectors import credit_checks_stalled, net_terms_enrollments_expired, past_due_hold_candidates
from credit.services import (
    credit_check_decide,
    credit_check_dispatch,
    credit_check_refer,
    credit_past_due_evaluate,
    net_terms_enrollment_expire,
    payment_reminders_send,
    statement_email_send,
)
from credit.statements import month_key, previous_month, statement_balances, statement_month_parse

logger = logging.getLogger(__name__)

SWEEP_ACTOR = Actor.system("credit sweep")
REMINDER_ACTOR = Actor.system("payment reminders")
# A lost connection, a failover, a deadlock or serialization failure: worth another try. Anything else is a bug or
# bad data, and retrying would only repeat it.
TRANSIENT_ERRORS = (OperationalError, InterfaceError)


@shared_task(
    name="credit.decide_credit_check",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=5,
    retry_backoff_max=300,
    retry_jitter=True,
    soft_time_limit=60,
    time_limit=90,
)
def decide_credit_check(credit_check_id: str) -> str | None:
    check = credit_check_decide(credit_check_id=credit_check_id)
    return check.status if check else None


@shared_task(name="credit.sweep_stalled_checks", acks_late=True, soft_time_limit=240, time_limit=300)
def sweep_stalled_credit_checks() -> dict:
    """Re-dispatch pending checks no task is working on; after CREDIT_CHECK_MAX_DISPATCHES hand-overs without a
    decision, refer the check to a credit officer rather than retry for ever."""
    now = timezone.now()
    counts = {"dispatched": 0, "referred": 0, "failed": 0}
    for check in credit_checks_stalled(now=now).only("id", "status", "dispatch_count", "reasons"):
        if check.dispatch_count >= settings.CREDIT_CHECK_MAX_DISPATCHES:
            reason = f"decision engine gave no answer after {check.dispatch_count} attempts"
            credit_check_refer(credit_check=check, actor=SWEEP_ACTOR, reason=reason)
            counts["referred"] += 1
        elif credit_check_dispatch(check.id):
            counts["dispatched"] += 1
        else:
            counts["failed"] += 1
    return counts


@shared_task(name="credit.expire_enrollments", acks_late=True, soft_time_limit=240, time_limit=300)
def expire_net_terms_enrollments() -> int:
    now = timezone.now()
    expired = 0
    for customer in net_terms_enrollments_expired(now=now).only("id"):
        expired += net_terms_enrollment_expire(customer=customer, now=now, actor=SWEEP_ACTOR)
    return expired


@shared_task(name="credit.apply_past_due_holds", acks_late=True, soft_time_limit=540, time_limit=600)
def apply_past_due_holds() -> dict:
    """Hold approved customers seriously past due, lift the automatic holds of those who caught up. One customer
    per transaction, so one failure does not stop the others."""
    now = timezone.now()
    counts = {"held": 0, "reinstated": 0, "failed": 0}
    for customer in past_due_hold_candidates(now=now).only("id"):
        try:
            decision = credit_past_due_evaluate(customer=customer, now=now)
        except Exception:
            logger.exception("past-due evaluation failed for customer %s", customer.id)
            counts["failed"] += 1
            continue
        if decision is not None:
            counts["held" if decision.decision == "hold" else "reinstated"] += 1
    return counts


@shared_task(
    name="credit.send_payment_reminders",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=3,
    retry_backoff=30,
    soft_time_limit=1740,
    time_limit=1800,
)
def send_payment_reminders() -> dict:
    """Queue today's (UTC) payment reminders; what was queued before is skipped (each is sent once, ever)."""
    return payment_reminders_send(today=timezone.now().date(), actor=REMINDER_ACTOR)


STATEMENT_ACTOR = Actor.system("monthly statements")


@shared_task(
    name="credit.send_monthly_statements",
    acks_late=True,
    autoretry_for=(*TRANSIENT_ERRORS, BrokerError),
    max_retries=5,
    retry_backoff=30,
    retry_jitter=True,
    soft_time_limit=540,
    time_limit=600,
)
def send_monthly_statements(month: str | None = None) -> dict:
    """On the 1st (CELERY_BEAT_SCHEDULE): the previous month's statements (or `month`, YYYY-MM), handed out in batches
    of STATEMENT_BATCH_SIZE balances, each batch a task of its own, read a batch at a time by keyset (no query
    holds every customer). Safe to run again: a batch sends nothing already sent."""
    statement_month = statement_month_parse(month) if month else previous_month()
    size = settings.STATEMENT_BATCH_SIZE
    balances = statement_balances(month=statement_month).values_list("id", flat=True)
    batches = after = 0
    while True:
        ids = list((balances.filter(id__gt=after) if after else balances)[:size])
        if ids:
            send_statement_batch.apply_async(args=(ids, month_key(statement_month)))
            batches += 1
        if len(ids) < size:
            return {"month": month_key(statement_month), "batches": batches}
        after = ids[-1]


@shared_task(
    name="credit.send_statement_batch",
    acks_late=True,
    autoretry_for=TRANSIENT_ERRORS,
    max_retries=5,
    retry_backoff=30,
    retry_jitter=True,
    soft_time_limit=540,
    time_limit=600,
)
def send_statement_batch(balance_ids: list[str], month: str) -> dict:
    """The month's statement emails of these balances, one balance per transaction, so one failure does not stop the
    others (it is logged; the next run of the month, or `send_monthly_statements` by hand, tries it again)."""
    statement_month = statement_month_parse(month)
    counts = {"emails": 0, "failed": 0}
    for balance in CreditBalance.objects.filter(id__in=balance_ids).select_related("customer").order_by("id"):
        try:
            counts["emails"] += statement_email_send(balance=balance, month=statement_month, actor=STATEMENT_ACTOR)
        except TRANSIENT_ERRORS:
            raise
        except Exception:
            logger.exception("monthly statement failed for balance %s (%s)", balance.id, month)
            counts["failed"] += 1
    return counts
