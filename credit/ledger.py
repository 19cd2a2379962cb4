"""The only code that moves money between balance buckets.

Each movement locks the balance row, checks that no bucket would go negative, applies the deltas with one UPDATE
and appends the ledger entry carrying the balances after it, all in the caller's transaction. The CHECK
constraints on the balance refuse a negative bucket even if this code were bypassed."""

from django.db import transaction
from django.db.models import F

from core.actors import Actor
from core.errors import ApplicationError
from core.events import event_record
from core.models import EventType
from core.money import format_human
from credit.models import CreditBalance, CreditDecision, CreditLedgerEntry, CreditTransaction, LedgerEntryType
from credit.presenters import balance_to_dict

# (available, reserved, used) multipliers of the entry's amount.
DELTAS: dict[str, tuple[int, int, int]] = {
    LedgerEntryType.GRANT: (1, 0, 0),
    LedgerEntryType.LINE_ADJUSTMENT: (1, 0, 0),
    LedgerEntryType.RESERVE: (-1, 1, 0),
    LedgerEntryType.RELEASE: (1, -1, 0),
    LedgerEntryType.USE: (0, -1, 1),
    LedgerEntryType.REPAYMENT: (1, 0, -1),
}


class InsufficientCredit(ApplicationError):
    def __init__(self, detail: str):
        super().__init__("insufficient_credit", detail, status=422)


def balance_lock(*, customer_id: str, currency_code: str) -> CreditBalance:
    """The customer's balance in this currency, created empty if new, locked until the transaction ends."""
    CreditBalance.objects.get_or_create(customer_id=customer_id, currency_code=currency_code)
    return CreditBalance.objects.select_for_update().get(customer_id=customer_id, currency_code=currency_code)


def ledger_post(
    *,
    balance: CreditBalance,
    entry_type: str,
    amount: int,
    actor: Actor,
    reason: str = "",
    credit_transaction: CreditTransaction | None = None,
    decision: CreditDecision | None = None,
) -> CreditLedgerEntry:
    """Move `amount` as `entry_type` on a balance locked with `balance_lock` in the current transaction."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("ledger_post must run inside the transaction that locked the balance")
    amount = int(amount)
    if amount == 0 or (amount < 0 and entry_type != LedgerEntryType.LINE_ADJUSTMENT):
        raise ValueError(f"{entry_type} needs a positive amount, got {amount}")
    da, dr, du = (sign * amount for sign in DELTAS[entry_type])
    after = (balance.available + da, balance.reserved + dr, balance.used + du)
    if min(after) < 0:
        bucket = ("available", "reserved", "used")[[value < 0 for value in after].index(True)]
        raise InsufficientCredit(
            f"Not enough {bucket} credit: {format_human(getattr(balance, bucket), balance.currency_code)} "
            f"{bucket}, {format_human(abs(amount), balance.currency_code)} needed."
        )
    CreditBalance.objects.filter(pk=balance.pk).update(
        available=F("available") + da, reserved=F("reserved") + dr, used=F("used") + du
    )
    balance.available, balance.reserved, balance.used = after
    entry = CreditLedgerEntry.objects.create(
        balance=balance,
        customer_id=balance.customer_id,
        currency_code=balance.currency_code,
        entry_type=entry_type,
        amount=amount,
        delta_available=da,
        delta_reserved=dr,
        delta_used=du,
        available_after=after[0],
        reserved_after=after[1],
        used_after=after[2],
        transaction=credit_transaction,
        decision=decision,
        actor_type=actor.type,
        actor_id=actor.id,
        reason=reason,
    )
    event_record(
        event_type=EventType.CREDIT_BALANCE_UPDATED,
        data={**balance_to_dict(balance), "ledger_entry_id": entry.id, "entry_type": entry_type},
        actor=actor,
        customer_id=balance.customer_id,
    )
    return entry
