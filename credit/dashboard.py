"""Read-only figures for the staff dashboard: customers by status, credit lines and exposure per currency, the aging
of used credit, the review queue, the customers with the most credit used and the credit used day by day over the
last 90 days (from the ledger). A handful of aggregate queries, whatever the number of customers."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Count, F, Min, Q, Sum, Window
from django.db.models.functions import Coalesce, RowNumber, TruncDate
from django.utils import timezone

from core.ids import id_bound
from core.replica import replica_read
from credit.models import (
    CreditAccount,
    CreditBalance,
    CreditCheck,
    CreditCheckStatus,
    CreditLedgerEntry,
    CreditTransaction,
    CreditTransactionStatus,
)
from credit.selectors import AGING_BUCKETS, aging_bucket_condition
from credit.vocabulary import CreditStatus
from customers.models import Customer, CustomerStatus

NOT_CHECKED = "not_checked"
TOP_EXPOSURES = 10  # customers listed per currency
CREDIT_USED_DAYS = 90  # days charted, today the last


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
class TopExposures:
    """The customers with the most credit used in one currency, the most first: their balances, each with its
    customer loaded."""

    currency_code: str
    balances: list[CreditBalance]


@dataclass(frozen=True)
class UsedDay:
    """One day of used credit in one currency: what purchases completed that day used, what repayments gave back,
    and the credit used at the end of the day (so far, today)."""

    day: date
    used: int
    repaid: int
    used_after: int

    @property
    def net(self) -> int:
        return self.used - self.repaid


@dataclass(frozen=True)
class CreditUsedHistory:
    currency_code: str
    days: list[UsedDay]  # the oldest first, one per day of the period, a day without movement too

    @property
    def moved(self) -> list[UsedDay]:
        """The days with a use or a repayment, the newest first."""
        return [day for day in reversed(self.days) if day.used or day.repaid]

    @property
    def highest(self) -> UsedDay:
        return max(self.days, key=lambda day: (day.used_after, day.day))


@dataclass(frozen=True)
class DashboardMetrics:
    as_of: datetime
    customers_by_status: dict[str, int]
    customers_by_credit_status: dict[str, int]
    exposure: list[CurrencyExposure]
    aging: list[CurrencyAging]
    reviews: ReviewQueueSummary
    top_exposures: list[TopExposures]
    credit_used: list[CreditUsedHistory]


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


def top_exposures(*, currencies: list[str]) -> list[TopExposures]:
    """Per currency (in the order of `currencies`), the TOP_EXPOSURES balances with the most credit used (ties: the
    oldest customer id first), with their customers. Two queries: the balances ranked on their own (a walk of
    credit_balance_top_used_idx, already in rank order), then only the ranked few read with their customers (joined
    inside the ranking, the planner cannot tell how few survive it and joins every customer). Balances with nothing
    used are left out, so a currency may list fewer, or none."""
    ranked = list(
        CreditBalance.objects.filter(used__gt=0)
        .annotate(
            rank=Window(
                RowNumber(), partition_by=[F("currency_code")], order_by=[F("used").desc(), F("customer_id").asc()]
            )
        )
        .filter(rank__lte=TOP_EXPOSURES)
        .order_by()
        .values_list("pk", flat=True)
    )
    by_currency: dict[str, list[CreditBalance]] = {}
    if ranked:
        balances = (
            CreditBalance.objects.filter(pk__in=ranked)
            .select_related("customer")
            .order_by("currency_code", "-used", "customer_id")
        )
        for balance in balances:
            by_currency.setdefault(balance.currency_code, []).append(balance)
    return [TopExposures(code, by_currency[code]) for code in currencies if code in by_currency]


def credit_used_by_day(
    *, now: datetime, used_now: dict[str, int], days: int = CREDIT_USED_DAYS
) -> list[CreditUsedHistory]:
    """Credit used per currency on each of the last `days` days (today the last, days in the project's time zone),
    from the ledger: each day's uses and repayments (the entries moving the used bucket), and the credit used at the
    end of each day, counted back from `used_now` (per currency, the balances' used credit now, which the ledger sums
    to). The currencies listed are those with credit used now or moved in the period, in the order of `used_now`.

    One aggregate query. The ledger is partitioned by the month of its ids (core.partitions): the bound on the id
    (core.ids.id_bound) lets PostgreSQL read only the last months' partitions, and ledger_used_moves_idx
    (the entries that move used credit, by creation time, with the currency and the amount) serves the rest."""
    today = timezone.localdate(now)
    first_day = today - timedelta(days=days - 1)
    start = timezone.make_aware(datetime.combine(first_day, time.min))
    entries = CreditLedgerEntry.objects.filter(pk__gte=id_bound("cle", start, lower=True), created_at__gte=start)
    rows = (
        entries.exclude(delta_used=0)
        .annotate(day=TruncDate("created_at"))
        .order_by()
        .values("currency_code", "day")
        .annotate(
            used=Coalesce(Sum("delta_used", filter=Q(delta_used__gt=0)), 0),
            repaid=Coalesce(-Sum("delta_used", filter=Q(delta_used__lt=0)), 0),
        )
    )
    moves: dict[str, dict[date, tuple[int, int]]] = {}
    for row in rows:
        moves.setdefault(row["currency_code"], {})[row["day"]] = (row["used"], row["repaid"])
    histories = []
    for code in [*used_now, *sorted(set(moves) - set(used_now))]:
        by_day = moves.get(code, {})
        if not by_day and not used_now.get(code):
            continue
        level, backwards = used_now.get(code, 0), []
        for offset in range(days):
            day = today - timedelta(days=offset)
            used, repaid = by_day.get(day, (0, 0))
            backwards.append(UsedDay(day=day, used=used, repaid=repaid, used_after=level))
            level -= used - repaid  # the end of the day before
        histories.append(CreditUsedHistory(currency_code=code, days=backwards[::-1]))
    return histories


@replica_read  # aggregates over whole tables, which may be seconds old
def dashboard_metrics(*, now: datetime | None = None) -> DashboardMetrics:
    now = now or timezone.now()
    by_status = customers_by_status()
    exposure = exposure_by_currency()
    return DashboardMetrics(
        as_of=now,
        customers_by_status=by_status,
        customers_by_credit_status=customers_by_credit_status(active=by_status[CustomerStatus.ACTIVE]),
        exposure=exposure,
        aging=aging_by_currency(now=now),
        reviews=review_queue_summary(now=now),
        top_exposures=top_exposures(currencies=[row.currency_code for row in exposure]),
        credit_used=credit_used_by_day(now=now, used_now={row.currency_code: row.used for row in exposure}),
    )
