"""Reads for the credit domain. List selectors return querysets ready for core.pagination.keyset_paginate (which
orders them), with the relations their presenters touch already joined. Imports: core, customers, and the credit
domain modules below it (models, filters, vocabulary)."""

from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Now

from core.filters import filtered
from core.replica import replica_read
from core.selectors import get_by_id
from core.staff.access import ROLE_CAPABILITIES, Capability
from credit.filters import (
    CreditBalanceFilterSet,
    CreditDecisionFilterSet,
    CreditTransactionFilterSet,
    LedgerEntryFilterSet,
)
from credit.models import (
    CreditAccount,
    CreditBalance,
    CreditCheck,
    CreditCheckStatus,
    CreditDecision,
    CreditLedgerEntry,
    CreditRepayment,
    CreditTransaction,
    CreditTransactionStatus,
    CustomerNote,
    LedgerEntryType,
)
from credit.vocabulary import CreditStatus, HoldCode, NetTermsStatus, PromiseStatus
from customers.models import Customer

# Whole days past due, as aging reports count them: (label, from, to), both inclusive. "current" is not yet a full
# day late.
AGING_BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("current", None, 0),
    ("1-15", 1, 15),
    ("16-30", 16, 30),
    ("31-60", 31, 60),
    ("60+", 61, None),
)


def aging_bucket_condition(now: datetime, label: str) -> Q:
    """Purchases whose due date puts them in the aging bucket `label` (one of AGING_BUCKETS): the dashboard's
    figures and the collections worklist's filter are the same condition."""
    _, from_days, to_days = next(bucket for bucket in AGING_BUCKETS if bucket[0] == label)
    # At least N whole days past due: due at or before now - N days; at most M: due after now - (M + 1) days.
    condition = Q()
    if from_days is not None:
        condition &= Q(due_at__lte=now - timedelta(days=from_days))
    if to_days is not None:
        condition &= Q(due_at__gt=now - timedelta(days=to_days + 1))
    return condition


def credit_account_get(*, customer: Customer) -> CreditAccount | None:
    """The customer's credit account; None for a customer never credit checked."""
    return CreditAccount.objects.filter(customer_id=customer.pk).first()


def collections_owner_candidates() -> QuerySet:
    """The staff users who may chase customers for what they owe (a customer's collections owner), by username:
    active, and a superuser or holding a role that speaks with customers (the roles that write notes on them)."""
    roles = [role.value for role, granted in ROLE_CAPABILITIES.items() if Capability.CUSTOMER_NOTES in granted]
    users = get_user_model().objects.filter(is_active=True)
    return users.filter(Q(is_superuser=True) | Q(groups__name__in=roles)).distinct().order_by("username")


def credit_balance_list(*, customer: Customer, filters: Mapping | None = None) -> list[CreditBalance]:
    """Every balance of the customer (not paginated: one per currency), filtered by CreditBalanceFilterSet."""
    queryset = CreditBalance.objects.filter(customer=customer).order_by("currency_code")
    return list(filtered(CreditBalanceFilterSet, filters, queryset))


def credit_decision_list(*, customer: Customer, filters: Mapping | None = None) -> QuerySet[CreditDecision]:
    return filtered(CreditDecisionFilterSet, filters, CreditDecision.objects.filter(customer=customer))


def credit_transaction_list(*, customer: Customer, filters: Mapping | None = None) -> QuerySet[CreditTransaction]:
    """With each purchase's buyer (a customer user, or None), which the pages name."""
    queryset = CreditTransaction.objects.filter(customer=customer).select_related("customer_user")
    return filtered(CreditTransactionFilterSet, filters, queryset)


def purchase_list(*, filters: Mapping | None = None) -> QuerySet[CreditTransaction]:
    """Purchases on credit of every customer (the staff purchases page), with their customer joined, filtered by
    CreditTransactionFilterSet."""
    return filtered(CreditTransactionFilterSet, filters, CreditTransaction.objects.select_related("customer"))


def credit_transaction_get(*, customer: Customer, transaction_id: str) -> CreditTransaction:
    return get_by_id(CreditTransaction.objects.filter(customer=customer), transaction_id, noun="credit transaction")


def open_purchase_list(*, customer: Customer, now: datetime) -> QuerySet[CreditTransaction]:
    """The customer's purchases still to be paid: billed ones (not yet completed, no due date) and completed ones with
    something outstanding, soonest due first (billed ones last), with their buyer and `past_due_for_hold`."""
    billed = Q(status=CreditTransactionStatus.BILLED)
    outstanding = Q(status=CreditTransactionStatus.COMPLETED, amount_repaid__lt=F("amount"))
    queryset = credit_transaction_list(customer=customer).filter(billed | outstanding)
    return with_past_due(queryset, now=now).order_by(F("due_at").asc(nulls_last=True), "id")


def credit_repayment_list(
    *, customer: Customer, credit_transaction: CreditTransaction | None = None
) -> QuerySet[CreditRepayment]:
    """The customer's repayments (of one purchase, when given), newest first, with their purchase."""
    queryset = CreditRepayment.objects.filter(transaction__customer=customer).select_related("transaction")
    if credit_transaction is not None:
        queryset = queryset.filter(transaction=credit_transaction)
    return queryset.order_by("-id")


def ledger_entry_list(*, customer: Customer, filters: Mapping | None = None) -> QuerySet[CreditLedgerEntry]:
    return filtered(LedgerEntryFilterSet, filters, CreditLedgerEntry.objects.filter(customer=customer))


def credit_check_get(*, check_id: str) -> CreditCheck:
    return get_by_id(CreditCheck.objects.select_related("customer"), check_id, noun="credit check")


def credit_review_queue() -> QuerySet[CreditCheck]:
    """Checks waiting for a credit officer, with their customer and `waiting` (a timedelta since the request).
    Ids are time-ordered, so `id[ASC]` serves the oldest first."""
    return (
        CreditCheck.objects.filter(status=CreditCheckStatus.IN_REVIEW)
        .select_related("customer")
        .annotate(waiting=ExpressionWrapper(Now() - F("requested_at"), output_field=DurationField()))
    )


@replica_read  # a badge: seconds old is fine
def credit_review_queue_count() -> int:
    return CreditCheck.objects.filter(status=CreditCheckStatus.IN_REVIEW).count()


def credit_checks_stalled(*, now: datetime) -> QuerySet[CreditCheck]:
    """Pending checks that no task is known to be working on: never handed to the broker (a broker outage at
    request time) or handed over longer ago than a decision can take (a lost message, a dead worker). A grace
    period leaves fresh requests to their own after-commit dispatch."""
    grace = now - timedelta(seconds=settings.CREDIT_CHECK_DISPATCH_GRACE_SECONDS)
    stale = now - timedelta(seconds=settings.CREDIT_CHECK_REDISPATCH_AFTER_SECONDS)
    pending = CreditCheck.objects.filter(status=CreditCheckStatus.PENDING, requested_at__lt=grace)
    return (pending.filter(dispatched_at__isnull=True) | pending.filter(dispatched_at__lt=stale)).order_by("id")


def past_due_for_hold(*, now: datetime) -> Q:
    """The one definition of a purchase past the hold threshold: completed, something still outstanding, and due
    more than CREDIT_HOLD_PAST_DUE_DAYS ago (to the second: 15.5 days past due is past 15 days). The automatic hold
    applies it in SQL, and the pages show what it says (`with_past_due`), never a rule of their own."""
    threshold = now - timedelta(days=settings.CREDIT_HOLD_PAST_DUE_DAYS)
    return Q(status=CreditTransactionStatus.COMPLETED, amount_repaid__lt=F("amount"), due_at__lt=threshold)


def credit_transactions_past_due_for_hold(*, now: datetime) -> QuerySet[CreditTransaction]:
    return CreditTransaction.objects.filter(past_due_for_hold(now=now))


def with_past_due(queryset: QuerySet[CreditTransaction], *, now: datetime) -> QuerySet[CreditTransaction]:
    """Transactions annotated with `past_due_for_hold` (a boolean, by the rule above) for pages to show."""
    return queryset.annotate(
        past_due_for_hold=ExpressionWrapper(past_due_for_hold(now=now), output_field=BooleanField())
    )


def past_due_hold_candidates(*, now: datetime) -> QuerySet[Customer]:
    """Customers the automatic past-due rule may change: approved ones with a purchase past the hold threshold, and
    those on a past_due hold with none any more."""
    overdue = credit_transactions_past_due_for_hold(now=now).values("customer_id")
    to_hold = Q(credit_account__credit_status=CreditStatus.APPROVED, id__in=overdue)
    to_release = Q(credit_account__credit_status=CreditStatus.HOLD, credit_account__hold_code=HoldCode.PAST_DUE) & ~Q(
        id__in=overdue
    )
    return Customer.objects.filter(to_hold | to_release).order_by("id")


def net_terms_enrollments_expired(*, now: datetime) -> QuerySet[Customer]:
    return Customer.objects.filter(
        credit_account__net_terms_status=NetTermsStatus.PENDING_ENROLLMENT,
        credit_account__net_terms_enrollment_expires_at__lte=now,
    ).order_by("id")


def with_promise_status(queryset: QuerySet[CustomerNote], *, today: date) -> QuerySet[CustomerNote]:
    """Notes annotated with `paid_since` (what the customer has repaid in the promise's currency since the note) and
    `promise_status` (None without a promise; kept once `paid_since` reaches the amount; broken once the date has
    passed without that; open until then): the one definition of a broken promise, for every page and list."""
    # Every repayment writes one ledger entry of its amount, in its purchase's currency: read there, from an index
    # of the customer's repayment entries (ledger_repayment_idx), not by joining every purchase the customer made.
    repaid = (
        CreditLedgerEntry.objects.filter(
            customer_id=OuterRef("customer_id"),
            currency_code=OuterRef("promised_currency"),
            entry_type=LedgerEntryType.REPAYMENT,
            created_at__gte=OuterRef("created_at"),
        )
        .order_by()
        .values("customer_id")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return queryset.annotate(paid_since=Coalesce(Subquery(repaid), Value(0))).annotate(
        promise_status=Case(
            When(promised_amount__isnull=True, then=Value(None)),
            When(paid_since__gte=F("promised_amount"), then=Value(PromiseStatus.KEPT.value)),
            When(promised_on__lt=today, then=Value(PromiseStatus.BROKEN.value)),
            default=Value(PromiseStatus.OPEN.value),
            output_field=CharField(),
        )
    )


def customer_note_list(*, customer: Customer, today: date) -> QuerySet[CustomerNote]:
    """The customer's notes with where each promise stands (with_promise_status)."""
    return with_promise_status(CustomerNote.objects.filter(customer=customer), today=today)


def collections_worklist(
    *, now: datetime, bucket: str | None = None, currency_codes: list[str] | None = None
) -> QuerySet[CreditTransaction]:
    """Purchases with something outstanding past their due date (or, given an aging bucket, in that bucket, as the
    dashboard counts it), with their customer, `outstanding`, `owner_name` (the customer's collections owner), and
    from the customer's notes: `last_contact_at` (the newest note), `promise_note_id` (the newest note with a promise
    to pay) and `next_follow_up_on` (the follow-up date of the newest note that has one: a later note replaces an
    earlier plan)."""
    queryset = _outstanding().select_related("customer")
    queryset = queryset.filter(aging_bucket_condition(now, bucket) if bucket else Q(due_at__lt=now))
    if currency_codes:
        queryset = queryset.filter(currency_code__in=currency_codes)
    notes = CustomerNote.objects.filter(customer_id=OuterRef("customer_id")).order_by("-id")
    return queryset.annotate(
        outstanding=F("amount") - F("amount_repaid"),
        owner_name=F("customer__credit_account__collections_owner__username"),
        last_contact_at=Subquery(notes.values("created_at")[:1]),
        promise_note_id=Subquery(notes.filter(promised_amount__isnull=False).values("id")[:1]),
        next_follow_up_on=Subquery(_follow_ups(notes)[:1]),
    )


def _outstanding() -> QuerySet[CreditTransaction]:
    """Completed purchases not yet fully repaid."""
    return CreditTransaction.objects.filter(status=CreditTransactionStatus.COMPLETED, amount_repaid__lt=F("amount"))


def _follow_ups(notes: QuerySet[CustomerNote]) -> QuerySet:
    """The follow-up dates of `notes` (ordered newest first): the first is the customer's current follow-up, a later
    note replacing an earlier plan."""
    return notes.filter(follow_up_on__isnull=False).values("follow_up_on")


def purchases_outstanding_due_between(*, first_due: date, last_due: date) -> QuerySet[CreditTransaction]:
    """Completed purchases with something outstanding whose due date (UTC) is from `first_due` to `last_due`, of
    customers not archived, with their customer: the payment reminders' candidates. A range on the (status, due_at)
    index, ordered by id for keyset batches."""
    start = datetime.combine(first_due, time.min, tzinfo=UTC)
    end = datetime.combine(last_due + timedelta(days=1), time.min, tzinfo=UTC)
    return (
        _outstanding()
        .filter(due_at__gte=start, due_at__lt=end, customer__archived_at__isnull=True)
        .select_related("customer")
        .order_by("id")
    )


def customer_past_due(*, customer: Customer, now: datetime) -> list[dict]:
    """What the customer owes past its due dates, per currency, as the collections worklist counts it: dicts of
    `currency_code`, `outstanding` (minor units), `purchases` and `oldest_due_at`, by currency code (one query)."""
    return list(
        _outstanding()
        .filter(customer=customer, due_at__lt=now)
        .order_by("currency_code")
        .values("currency_code")
        .annotate(outstanding=Sum(F("amount") - F("amount_repaid")), purchases=Count("id"), oldest_due_at=Min("due_at"))
    )


def customer_next_follow_up(*, customer: Customer) -> date | None:
    """The customer's current follow-up date (as the worklist and the follow-ups view take it), or None."""
    notes = CustomerNote.objects.filter(customer=customer).order_by("-id")
    return _follow_ups(notes).values_list("follow_up_on", flat=True).first()


def follow_ups_due(*, today: date) -> QuerySet[CustomerNote]:
    """Each customer's current follow-up (from its newest note that has one) when it falls today or earlier, with
    the customer and where the note's promise stands."""
    newer = CustomerNote.objects.filter(
        customer_id=OuterRef("customer_id"), follow_up_on__isnull=False, id__gt=OuterRef("id")
    )
    due = CustomerNote.objects.filter(follow_up_on__lte=today).exclude(Exists(newer)).select_related("customer")
    return with_promise_status(due, today=today)
