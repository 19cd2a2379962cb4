"""Proof that the balances are what the ledger says: run by `manage.py reconcile_credit` (and usable from a staff
page). Each check is one query, so it stays cheap on large ledgers."""

from dataclasses import dataclass

from django.db.models import F, Q, Sum, Value, Window
from django.db.models.functions import Coalesce

from credit.models import CreditBalance, CreditLedgerEntry, CreditTransactionStatus

BUCKETS = ("available", "reserved", "used")


@dataclass(frozen=True)
class Mismatch:
    balance_id: str
    customer_id: str
    currency_code: str
    detail: str

    def __str__(self) -> str:
        return f"{self.customer_id} {self.currency_code} (balance {self.balance_id}): {self.detail}"


def _total(expression, **condition) -> Coalesce:
    return Coalesce(Sum(expression, filter=Q(**condition) if condition else None), Value(0))


# Each check is one join with a GROUP BY over whole tables (a hash join, hash aggregate), not a subquery per balance:
# its cost does not depend on the planner's row estimates, which are wrong right after a bulk load.


def _balances_against_ledger() -> list[Mismatch]:
    """Each bucket equals the sum of its entries' deltas."""
    rows = CreditBalance.objects.annotate(
        **{f"ledger_{bucket}": _total(F(f"entries__delta_{bucket}")) for bucket in BUCKETS}
    ).filter(~Q(available=F("ledger_available")) | ~Q(reserved=F("ledger_reserved")) | ~Q(used=F("ledger_used")))
    return [
        Mismatch(
            row.id,
            row.customer_id,
            row.currency_code,
            "balance differs from the sum of its ledger: "
            + ", ".join(
                f"{bucket} {getattr(row, bucket)} vs ledger {getattr(row, f'ledger_{bucket}')}"
                for bucket in BUCKETS
                if getattr(row, bucket) != getattr(row, f"ledger_{bucket}")
            ),
        )
        for row in rows
    ]


def _ledger_chains() -> list[Mismatch]:
    """Every entry's *_after equals the running sum of its balance's deltas up to it. Entries are ordered by when
    they were written (ties broken by id): each was written under the balance's row lock, so that order is the order
    the movements happened in."""
    order = [F("created_at").asc(), F("id").asc()]
    running = {
        f"running_{bucket}": Window(Sum(f"delta_{bucket}"), partition_by=[F("balance_id")], order_by=order)
        for bucket in BUCKETS
    }
    rows = (
        CreditLedgerEntry.objects.annotate(**running)
        .filter(
            ~Q(available_after=F("running_available"))
            | ~Q(reserved_after=F("running_reserved"))
            | ~Q(used_after=F("running_used"))
        )
        .order_by("balance_id", "created_at", "id")
    )
    return [
        Mismatch(
            row.balance_id,
            row.customer_id,
            row.currency_code,
            f"ledger entry {row.id} records balances after "
            f"it of {row.available_after}/{row.reserved_after}/{row.used_after} but the entries up to it add up "
            f"to {row.running_available}/{row.running_reserved}/{row.running_used} (available/reserved/used)",
        )
        for row in rows
    ]


def _balances_against_transactions() -> list[Mismatch]:
    """Reserved equals the billed transactions; used equals what completed transactions still owe."""
    rows = CreditBalance.objects.annotate(
        billed=_total(F("transactions__amount"), transactions__status=CreditTransactionStatus.BILLED),
        owed=_total(
            F("transactions__amount") - F("transactions__amount_repaid"),
            transactions__status=CreditTransactionStatus.COMPLETED,
        ),
    ).filter(~Q(reserved=F("billed")) | ~Q(used=F("owed")))
    return [
        Mismatch(
            row.id,
            row.customer_id,
            row.currency_code,
            f"reserved {row.reserved} vs billed transactions "
            f"{row.billed}; used {row.used} vs outstanding on completed transactions {row.owed}",
        )
        for row in rows
    ]


def credit_reconcile() -> list[Mismatch]:
    return [*_balances_against_ledger(), *_ledger_chains(), *_balances_against_transactions()]
