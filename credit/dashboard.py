"""Read-only figures for the staff dashboard: customers by status, credit lines and exposure per currency, the aging
of used credit, and the review queue. A handful of aggregate queries, whatever the number of customers."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, F, Min, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.replica import replica_read
from credit.models import (
    CreditAccount,
    CreditBalance,
    CreditCheck,
    CreditCheckStatus,
    CreditTransaction,
    CreditTransactionStatus,
)
from credit.selectors import AGING_BUCKETS, aging_bucket_condition
from credit.vocabulary import CreditStatus
from customers.models import Customer, CustomerStatus

NOT_CHECKED = "not_checked"


def review_due_at(waiting_since: datetime) -> datetime:
    """When a check referred for review is due: one business day (24 hours of Monday-to-Friday time, in the
    project's time zone) after the request. A request on Friday afternoon is due on Monday afternoon; one made
    at the weekend starts its clock on Monday at midnight."""
    start = timezone.localtime(waiting_since)
    while start.weekday() >= 5:
        start = (start + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    due = start + timedelta(days=1)
    while due.weekday() >= 5:
        due += timedelta(days=1)
    return due


@dataclass(frozen=True)
class CurrencyExposure:
    currency_code: str
    accounts: int
    available: int
    reserved: int
    used: int

    @property
    def credit_lines(self) -> int:
        return self.available + self.reserved + self.used

    @property
    def exposure(self) -> int:
        return self.reserved + self.used

    @property
    def utilization(self) -> float:
        """Share of the lines in use (reserved + used), 0.0 to 1.0."""
        return self.exposure / self.credit_lines if self.credit_lines else 0.0


@dataclass(frozen=True)
class AgingBucket:
    label: str
    amount: int
    transactions: int


@dataclass(frozen=True)
class CurrencyAging:
    currency_code: str
    buckets: list[AgingBucket]

    @property
    def total(self) -> int:
        return sum(bucket.amount for bucket in self.buckets)

    @property
    def past_due(self) -> int:
        return sum(bucket.amount for bucket in self.buckets if bucket.label != "current")


@dataclass(frozen=True)
class ReviewQueueSummary:
    pending_reviews: int
    oldest_waiting_since: datetime | None
    awaiting_engine: int
    as_of: datetime

    @property
    def oldest_wait(self) -> timedelta | None:
        return self.as_of - self.oldest_waiting_since if self.oldest_waiting_since else None

    @property
    def over_target(self) -> bool:
        """The spec's target is a decision within one business day. Due dates follow request order, so the oldest
        check is the first to miss it."""
        return self.oldest_waiting_since is not None and self.as_of > review_due_at(self.oldest_waiting_since)


@dataclass(frozen=True)
class DashboardMetrics:
    as_of: datetime
    customers_by_status: dict[str, int]
    customers_by_credit_status: dict[str, int]
    exposure: list[CurrencyExposure]
    aging: list[CurrencyAging]
    reviews: ReviewQueueSummary


def customers_by_status() -> dict[str, int]:
    counts = dict(Customer.objects.order_by().values_list("status").annotate(n=Count("id")))
    return {status: counts.get(status, 0) for status in CustomerStatus.values}


def customers_by_credit_status(*, active: int) -> dict[str, int]:
    """Active customers only (`active` of them): an archived customer's credit state is history, not portfolio. Those
    without a credit account were never checked."""
    counts = dict(
        CreditAccount.objects.filter(customer__status=CustomerStatus.ACTIVE)
        .order_by()
        .values_list("credit_status")
        .annotate(n=Count("customer_id"))
    )
    result = {NOT_CHECKED: active - sum(counts.values())}
    result.update({status: counts.get(status, 0) for status in CreditStatus.values})
    return result


def exposure_by_currency() -> list[CurrencyExposure]:
    """Every balance counts: a deactivated or archived customer's reserved and used credit is still owed."""
    rows = (
        CreditBalance.objects.order_by("currency_code")
        .values("currency_code")
        .annotate(accounts=Count("id"), available=Sum("available"), reserved=Sum("reserved"), used=Sum("used"))
    )
    # The largest book first: it is the headline figure.
    return sorted((CurrencyExposure(**row) for row in rows), key=lambda row: (-row.credit_lines, row.currency_code))


def aging_by_currency(*, now: datetime) -> list[CurrencyAging]:
    """Outstanding used credit (completed, not yet repaid) by days past its due date."""
    outstanding = F("amount") - F("amount_repaid")
    aggregates = {}
    for index, (label, _, _) in enumerate(AGING_BUCKETS):
        condition = aging_bucket_condition(now, label)
        aggregates[f"amount_{index}"] = Coalesce(Sum(outstanding, filter=condition), 0)
        aggregates[f"count_{index}"] = Count("id", filter=condition)
    rows = (
        CreditTransaction.objects.filter(status=CreditTransactionStatus.COMPLETED, amount_repaid__lt=F("amount"))
        .order_by("currency_code")
        .values("currency_code")
        .annotate(**aggregates)
    )
    agings = [
        CurrencyAging(
            currency_code=row["currency_code"],
            buckets=[
                AgingBucket(label=label, amount=row[f"amount_{index}"], transactions=row[f"count_{index}"])
                for index, (label, _, _) in enumerate(AGING_BUCKETS)
            ],
        )
        for row in rows
    ]
    return sorted(agings, key=lambda aging: (-aging.total, aging.currency_code))


@replica_read  # counts that may be seconds old (a decision just made reaches them within the replica's lag)
def review_queue_summary(*, now: datetime) -> ReviewQueueSummary:
    waiting = CreditCheck.objects.aggregate(
        pending_reviews=Count("id", filter=Q(status=CreditCheckStatus.IN_REVIEW)),
        # The customer has waited since asking, as the review queue counts it (credit.selectors).
        oldest=Min("requested_at", filter=Q(status=CreditCheckStatus.IN_REVIEW)),
        awaiting_engine=Count("id", filter=Q(status=CreditCheckStatus.PENDING)),
    )
    return ReviewQueueSummary(
        pending_reviews=waiting["pending_reviews"],
        oldest_waiting_since=waiting["oldest"],
        awaiting_engine=waiting["awaiting_engine"],
        as_of=now,
    )


@replica_read  # aggregates over whole tables, which may be seconds old
def dashboard_metrics(*, now: datetime | None = None) -> DashboardMetrics:
    now = now or timezone.now()
    by_status = customers_by_status()
    return DashboardMetrics(
        as_of=now,
        customers_by_status=by_status,
        customers_by_credit_status=customers_by_credit_status(active=by_status[CustomerStatus.ACTIVE]),
        exposure=exposure_by_currency(),
        aging=aging_by_currency(now=now),
        reviews=review_queue_summary(now=now),
    )
