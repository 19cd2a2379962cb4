"""Reads for the credit domain. List selectors return querysets ready for core.pagination.keyset_paginate (which
orders them), with the relations their presenters touch already joined."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import DurationField, ExpressionWrapper, F, QuerySet
from django.db.models.functions import Now

from core.errors import NotFound
from core.ids import is_valid_id
from credit.filters import (
    CreditBalanceFilterSet,
    CreditDecisionFilterSet,
    CreditTransactionFilterSet,
    LedgerEntryFilterSet,
)
from credit.models import (
    CreditBalance,
    CreditCheck,
    CreditCheckStatus,
    CreditDecision,
    CreditLedgerEntry,
    CreditRepayment,
    CreditTransaction,
    CreditTransactionStatus,
)
from customers.models import Customer, NetTermsStatus
from customers.selectors import filtered


def credit_balance_list(*, customer: Customer, filters: dict | None = None) -> list[CreditBalance]:
    """Every balance of the customer (not paginated: one per currency), filtered by CreditBalanceFilterSet."""
    queryset = CreditBalance.objects.filter(customer=customer).order_by("currency_code")
    return list(filtered(CreditBalanceFilterSet, filters, queryset))


def credit_decision_list(*, customer: Customer, filters: dict | None = None) -> QuerySet[CreditDecision]:
    return filtered(CreditDecisionFilterSet, filters, CreditDecision.objects.filter(customer=customer))


def credit_transaction_list(*, customer: Customer, filters: dict | None = None) -> QuerySet[CreditTransaction]:
    return filtered(CreditTransactionFilterSet, filters, CreditTransaction.objects.filter(customer=customer))


def credit_transaction_get(*, customer: Customer, transaction_id: str) -> CreditTransaction:
    if not is_valid_id(transaction_id, "ctx"):
        raise NotFound(f"No credit transaction with id {transaction_id}.")
    try:
        return CreditTransaction.objects.get(pk=transaction_id, customer=customer)
    except CreditTransaction.DoesNotExist:
        raise NotFound(f"No credit transaction with id {transaction_id}.") from None


def credit_repayment_list(*, credit_transaction: CreditTransaction) -> QuerySet[CreditRepayment]:
    return CreditRepayment.objects.filter(transaction=credit_transaction).select_related("transaction")


def ledger_entry_list(*, customer: Customer, filters: dict | None = None) -> QuerySet[CreditLedgerEntry]:
    return filtered(LedgerEntryFilterSet, filters, CreditLedgerEntry.objects.filter(customer=customer))


def credit_check_get(*, check_id: str) -> CreditCheck:
    if not is_valid_id(check_id, "crc"):
        raise NotFound(f"No credit check with id {check_id}.")
    try:
        return CreditCheck.objects.select_related("customer").get(pk=check_id)
    except CreditCheck.DoesNotExist:
        raise NotFound(f"No credit check with id {check_id}.") from None


def credit_review_queue() -> QuerySet[CreditCheck]:
    """Checks waiting for a credit officer, with their customer and `waiting` (a timedelta since the request).
    Ids are time-ordered, so `id[ASC]` serves the oldest first."""
    return (
        CreditCheck.objects.filter(status=CreditCheckStatus.IN_REVIEW)
        .select_related("customer")
        .annotate(waiting=ExpressionWrapper(Now() - F("requested_at"), output_field=DurationField()))
    )


def credit_checks_stalled(*, now: datetime) -> QuerySet[CreditCheck]:
    """Pending checks that no task is known to be working on: never handed to the broker (a broker outage at
    request time) or handed over longer ago than a decision can take (a lost message, a dead worker). A grace
    period leaves fresh requests to their own after-commit dispatch."""
    grace = now - timedelta(seconds=settings.CREDIT_CHECK_DISPATCH_GRACE_SECONDS)
    stale = now - timedelta(seconds=settings.CREDIT_CHECK_REDISPATCH_AFTER_SECONDS)
    pending = CreditCheck.objects.filter(status=CreditCheckStatus.PENDING, requested_at__lt=grace)
    return (pending.filter(dispatched_at__isnull=True) | pending.filter(dispatched_at__lt=stale)).order_by("id")


def credit_transactions_past_due_for_hold(*, now: datetime) -> QuerySet[CreditTransaction]:
    """Completed transactions with something outstanding more than CREDIT_HOLD_PAST_DUE_DAYS after their due date."""
    threshold = now - timedelta(days=settings.CREDIT_HOLD_PAST_DUE_DAYS)
    return CreditTransaction.objects.filter(
        status=CreditTransactionStatus.COMPLETED, amount_repaid__lt=F("amount"), due_at__lt=threshold
    )


def net_terms_enrollments_expired(*, now: datetime) -> QuerySet[Customer]:
    return Customer.objects.filter(
        net_terms_status=NetTermsStatus.PENDING_ENROLLMENT, net_terms_enrollment_expires_at__lte=now
    ).order_by("id")
