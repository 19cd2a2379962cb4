"""Monthly statements: what a customer owed in one currency over one calendar month, read from the ledger. The one
definition of a statement, for the staff download, the buyer portal and the email on the 1st
(credit.statement_documents renders it as PDF and CSV).

A statement's month is a **UTC** calendar month, as the API's timestamps and the ledger's monthly partitions are:
[the 1st at 00:00 UTC, the next month's 1st at 00:00 UTC). A movement belongs to the month its ledger entry was made
in, which its id says (ids sort by creation time, core/ids.py), so the month's entries are one id range: the query
is pruned to that month's partition of the ledger (core/partitions.py).

The **balance owed** is what the customer has drawn on its line and not given back: `reserved + used` (billed
purchases not yet completed, and completed ones not yet repaid), i.e. the credit line less what is available. Each
line of the statement is one movement of it, with the balance after it, taken from the ledger entry's own
`reserved_after + used_after`:

- a purchase billed (`reserve`): + amount;
- a purchase completed (`use`): no change (the purchase was owed since it was billed), with its due date;
- a purchase cancelled (`release`): - amount;
- a repayment (`repayment`): - amount.

Changes to the line (`grant`, `line_adjustment`) move no balance owed and are not lines; the credit limit and the
available credit at the month's end come from the last entry made before it. The opening balance is the balance
after the last entry before the month (0 with none), the closing balance the one after the month's last entry
(the opening one with none): a month without movements still has a statement, with opening = closing.

**Past due** at the month's end: what completed purchases due before then still owed then (their `use` entry less
the repayments made before the month's end), as the collections worklist counts past due today.

For the current month the statement runs to now (`as_of`): its closing balance, limit and available are the balance's
present ones, as `credit-balances` reports them. A month after the current one has no statement.

A month's entries are read a chunk at a time (keyset on the id, STATEMENT_CHUNK rows a query) into the statement's
lines, so a month of many movements holds its lines and not the ledger rows they came from. `statement_months` says
which months of a year have a statement worth reading (movements, or a balance owed at the end) from one aggregate
over that year's entries, without building the statements."""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet, Sum
from django.utils import timezone

from core.ids import ID_CLOCK_SLACK, first_id_at, id_time
from core.pagination import Ordering, keyset_chunks
from core.partitions import add_months
from credit.models import CreditBalance, CreditLedgerEntry, CreditTransaction, CreditTransactionStatus, LedgerEntryType
from customers.models import Customer, CustomerStatus, CustomerUser, CustomerUserStatus

# Statements start with the ledger; nothing is older than this.
FIRST_MONTH = date(2000, 1, 1)
MONTH_FORMAT = re.compile(r"^(\d{4})-(\d{2})$")
LEDGER_PREFIX = CreditLedgerEntry._meta.pk.prefix
# Ledger entries read per query when a month's lines are built.
STATEMENT_CHUNK = 2000


class StatementLineKind:
    PURCHASE = "purchase"
    COMPLETED = "completed"
    CANCELED = "canceled"
    REPAYMENT = "repayment"


# The ledger entry types a statement lists, as what they are to the customer.
LINE_KINDS = {
    LedgerEntryType.RESERVE: StatementLineKind.PURCHASE,
    LedgerEntryType.USE: StatementLineKind.COMPLETED,
    LedgerEntryType.RELEASE: StatementLineKind.CANCELED,
    LedgerEntryType.REPAYMENT: StatementLineKind.REPAYMENT,
}
LINE_LABELS = {
    StatementLineKind.PURCHASE: "Purchase",
    StatementLineKind.COMPLETED: "Purchase completed",
    StatementLineKind.CANCELED: "Purchase cancelled",
    StatementLineKind.REPAYMENT: "Repayment",
}


@dataclass(frozen=True, slots=True)
class StatementLine:
    at: datetime  # when the movement was recorded (the ledger entry's id time, UTC)
    kind: str  # StatementLineKind
    ledger_entry_id: str
    transaction_id: str
    reference: str
    description: str
    buyer: str  # the purchase's buyer: a name ("Ann Lee"), else an email address; "" when none was named
    buyer_email: str
    due_at: datetime | None  # a completed purchase's due date
    amount: int  # the movement's amount (minor units, positive)
    change: int  # its effect on the balance owed: + for a purchase, - for a cancellation or repayment, 0 completed
    balance: int  # the balance owed after it

    @property
    def label(self) -> str:
        return LINE_LABELS[self.kind]


@dataclass(frozen=True, slots=True)
class Statement:
    customer_id: str
    customer_name: str
    currency_code: str
    month: date  # the month's first day
    period_start: datetime  # UTC, inclusive
    period_end: datetime  # UTC, exclusive: the next month's start
    as_of: datetime  # the statement's end: period_end, or now for the current month
    opening_balance: int
    lines: tuple[StatementLine, ...]
    closing_balance: int
    credit_limit: int  # at as_of
    available: int  # at as_of
    past_due: int  # at as_of

    @property
    def purchases_total(self) -> int:
        return sum(line.amount for line in self.lines if line.kind == StatementLineKind.PURCHASE)

    @property
    def canceled_total(self) -> int:
        return sum(line.amount for line in self.lines if line.kind == StatementLineKind.CANCELED)

    @property
    def repaid_total(self) -> int:
        return sum(line.amount for line in self.lines if line.kind == StatementLineKind.REPAYMENT)

    @property
    def has_activity(self) -> bool:
        return bool(self.lines)

    @property
    def is_complete(self) -> bool:
        """The month is over: the statement will not change."""
        return self.as_of == self.period_end

    @property
    def last_day(self) -> date:
        """The last day the statement covers: the month's last, or today for the current month."""
        return (self.as_of - timedelta(microseconds=1)).date()

    @property
    def period_label(self) -> str:
        return self.month.strftime("%B %Y")

    @property
    def month_key(self) -> str:
        return month_key(self.month)


def month_key(month: date) -> str:
    return f"{month.year:04d}-{month.month:02d}"


def month_moment(month: date) -> datetime:
    return datetime(month.year, month.month, 1, tzinfo=UTC)


def current_month(now: datetime | None = None) -> date:
    now = (now or timezone.now()).astimezone(UTC)
    return date(now.year, now.month, 1)


def previous_month(now: datetime | None = None) -> date:
    return add_months(current_month(now), -1)


def statement_month_parse(value: object, *, now: datetime | None = None) -> date:
    """A month given as `YYYY-MM` (an HTML month input's value), as its first day: from January 2000 to the current
    month. Raises ValidationError otherwise."""
    match = MONTH_FORMAT.match(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValidationError("Enter a month as YYYY-MM, such as 2026-11.", code="invalid")
    year, month_number = int(match[1]), int(match[2])
    if not 1 <= month_number <= 12:
        raise ValidationError("Enter a month as YYYY-MM, such as 2026-11.", code="invalid")
    month = date(year, month_number, 1)
    if month < FIRST_MONTH:
        raise ValidationError("Statements start in January 2000.", code="too_early")
    if month > current_month(now):
        raise ValidationError("That month has not begun: choose this month or an earlier one.", code="future")
    return month


def statement_currencies(*, customer: Customer) -> list[str]:
    """The currencies the customer has a balance in (a line granted, open or closed since), in code order: those it
    has statements in."""
    return list(
        CreditBalance.objects.filter(customer_id=customer.pk)
        .order_by("currency_code")
        .values_list("currency_code", flat=True)
    )


def statement_get(*, customer: Customer, currency_code: str, month: date, now: datetime | None = None) -> Statement:
    """The customer's statement in `currency_code` for `month` (its first day, from statement_month_parse). Raises
    ValidationError when the customer has no balance in that currency or the month has not begun. Four queries (one
    more per STATEMENT_CHUNK entries in the month)."""
    now = now or timezone.now()
    if month > current_month(now) or month.day != 1:
        raise ValidationError("That month has not begun: choose this month or an earlier one.", code="future")
    balance = CreditBalance.objects.filter(customer_id=customer.pk, currency_code=currency_code).first()
    if balance is None:
        raise ValidationError(f"{customer} has no credit line in {currency_code}.", code="no_balance")
    start = month_moment(month)
    end = month_moment(add_months(month, 1))
    as_of = min(end, now)
    lower, upper = first_id_at(LEDGER_PREFIX, start), first_id_at(LEDGER_PREFIX, end)
    entries = CreditLedgerEntry.objects.filter(balance_id=balance.pk)
    # Bounded above by the month's start: PostgreSQL reads the earlier months' partitions only, newest first.
    before = entries.filter(id__lt=lower).order_by("-id").only(*_AFTER_FIELDS).first()
    in_month = entries.filter(id__gte=lower, id__lt=upper).select_related("transaction__customer_user")
    opening = _owed(before)
    last, lines = before, []
    for chunk in keyset_chunks(in_month, ordering=Ordering("id", descending=False), size=STATEMENT_CHUNK):
        lines.extend(_line(entry) for entry in chunk if entry.entry_type in LINE_KINDS)
        last = chunk[-1]
    return Statement(
        customer_id=customer.pk,
        customer_name=str(customer),
        currency_code=currency_code,
        month=month,
        period_start=start,
        period_end=end,
        as_of=as_of,
        opening_balance=opening,
        lines=tuple(lines),
        closing_balance=_owed(last),
        credit_limit=0 if last is None else last.available_after + last.reserved_after + last.used_after,
        available=0 if last is None else last.available_after,
        past_due=_past_due(balance, as_of=as_of, upper=upper),
    )


_AFTER_FIELDS = ("id", "available_after", "reserved_after", "used_after")


def _owed(entry: CreditLedgerEntry | None) -> int:
    return 0 if entry is None else entry.reserved_after + entry.used_after


def _line(entry: CreditLedgerEntry) -> StatementLine:
    purchase = entry.transaction
    kind = LINE_KINDS[entry.entry_type]
    return StatementLine(
        at=id_time(entry.id),
        kind=kind,
        ledger_entry_id=entry.id,
        transaction_id=purchase.id if purchase else "",
        reference=purchase.reference if purchase else "",
        description=purchase.description if purchase else "",
        buyer=_buyer_name(purchase.customer_user) if purchase and purchase.customer_user else "",
        buyer_email=purchase.customer_user.email if purchase and purchase.customer_user else "",
        due_at=purchase.due_at if purchase and kind == StatementLineKind.COMPLETED else None,
        amount=entry.amount,
        change=entry.delta_reserved + entry.delta_used,
        balance=entry.reserved_after + entry.used_after,
    )


def _buyer_name(user) -> str:
    return f"{user.first_name} {user.last_name}".strip() or user.email


def _past_due(balance: CreditBalance, *, as_of: datetime, upper: str) -> int:
    """What completed purchases due before `as_of` still owed then: the `used` their ledger entries made before the
    `upper` id (the month's end) add up to. Only purchases that could still have owed something then are read: not
    repaid in full, or repaid in full at `as_of` or later (by the
    clock's slack: the repayment's entry decides)."""
    purchases = CreditTransaction.objects.filter(
        balance_id=balance.pk, status=CreditTransactionStatus.COMPLETED, due_at__lt=as_of
    ).filter(Q(repaid_at__isnull=True) | Q(repaid_at__gte=as_of - ID_CLOCK_SLACK))
    owed = (
        CreditLedgerEntry.objects.filter(balance_id=balance.pk, transaction__in=purchases.values("id"), id__lt=upper)
        .aggregate(owed=Sum("delta_used"))
        .get("owed")
    )
    return owed or 0


def statement_balances(*, month: date) -> QuerySet[CreditBalance]:
    """The balances whose statement for `month` may be emailed: opened before the month's end, of a customer that is
    not archived and has an active user (whether the month had movements or ended owing is for each statement to
    say). Ordered by id, for keyset batches."""
    users = CustomerUser.objects.filter(customer_id=OuterRef("customer_id"), status=CustomerUserStatus.ACTIVE)
    return (
        CreditBalance.objects.filter(created_at__lt=month_moment(add_months(month, 1)))
        .exclude(customer__status=CustomerStatus.ARCHIVED)
        .filter(Exists(users))
        .order_by("id")
    )


@dataclass(frozen=True, slots=True)
class StatementMonth:
    """One month's statement in one currency, as a list of statements names it (statement_get builds it)."""

    currency_code: str
    month: date  # the month's first day
    movements: int  # the statement's lines
    closing_balance: int  # the balance owed at the month's end (now, for the current month)
    is_current: bool

    @property
    def month_key(self) -> str:
        return month_key(self.month)

    @property
    def period_label(self) -> str:
        return self.month.strftime("%B %Y")


def statement_years(*, customer: Customer, now: datetime | None = None) -> list[int]:
    """The years the customer has statements in, newest first: from the year its first balance was opened to this
    one (none without a balance)."""
    first = CreditBalance.objects.filter(customer_id=customer.pk).aggregate(first=Min("created_at"))["first"]
    if first is None:
        return []
    this_year = current_month(now).year
    return list(range(this_year, max(first.astimezone(UTC).year, FIRST_MONTH.year) - 1, -1))


def statement_months(*, customer: Customer, year: int, now: datetime | None = None) -> list[StatementMonth]:
    """The customer's statements of `year` worth reading: each month (up to the current one) and currency with
    movements, or with a balance owed at its end; the most recent month first, currencies in code order. The
    numbers are statement_get's (its lines counted, its closing balance), from one aggregate over the year's entries
    of all the customer's balances (pruned to that year's partitions), one read of each month's last entry, and one
    read per currency of the last entry before the year."""
    now = now or timezone.now()
    this_month = current_month(now)
    months = [date(year, number, 1) for number in range(1, 13) if date(year, number, 1) <= this_month]
    if not months or months[0] < FIRST_MONTH:
        return []
    balances = {
        balance.pk: balance.currency_code
        for balance in CreditBalance.objects.filter(customer_id=customer.pk).only("id", "currency_code")
    }
    if not balances:
        return []
    bounds = [first_id_at(LEDGER_PREFIX, month_moment(month)) for month in [*months, add_months(months[-1], 1)]]
    aggregates = {}
    for index in range(len(months)):
        in_month = Q(id__gte=bounds[index], id__lt=bounds[index + 1])
        aggregates[f"lines_{index}"] = Count("id", filter=in_month & Q(entry_type__in=list(LINE_KINDS)))
        aggregates[f"last_{index}"] = Max("id", filter=in_month)
    entries = CreditLedgerEntry.objects.filter(balance_id__in=list(balances))
    rows = {
        row["balance_id"]: row
        for row in entries.filter(id__gte=bounds[0], id__lt=bounds[-1])
        .values("balance_id")
        .order_by("balance_id")
        .annotate(**aggregates)
    }
    last_ids = [row[f"last_{index}"] for row in rows.values() for index in range(len(months))]
    owed_after = {
        entry.pk: _owed(entry)
        for entry in CreditLedgerEntry.objects.filter(id__in=[i for i in last_ids if i]).only(*_AFTER_FIELDS)
    }
    found = []
    for balance_id, currency in balances.items():
        before = entries.filter(balance_id=balance_id, id__lt=bounds[0]).order_by("-id").only(*_AFTER_FIELDS).first()
        owed = _owed(before)
        row = rows.get(balance_id, {})
        for index, month in enumerate(months):
            last_id = row.get(f"last_{index}")
            owed = owed_after[last_id] if last_id else owed
            movements = row.get(f"lines_{index}", 0)
            if movements or owed:
                found.append(StatementMonth(currency, month, movements, owed, is_current=month == this_month))
    return sorted(found, key=lambda item: (-item.month.toordinal(), item.currency_code))
