"""A credit account after approval: line changes, holds, deactivation and reinstatement, by a credit officer or
(past-due holds) automatically. Which of them may happen in which credit status is credit.vocabulary's TRANSITIONS
table: these services guard with it."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM, Actor
from core.errors import CustomerArchived
from core.money import format_human
from credit.errors import CreditLineExists, CreditLineNotClosable, CreditLineNotFound
from credit.ledger import balance_lock, ledger_post
from credit.models import CreditBalance, CreditDecision, DecisionType, LedgerEntryType
from credit.selectors import credit_transactions_past_due_for_hold
from credit.services._common import (
    Locked,
    account_lock,
    account_save,
    clean_amount,
    clean_currency,
    clean_text,
    decision_create,
    ensure_allowed,
    line_change_record,
    raise_if,
)
from credit.services.notices import credit_status_notice
from credit.vocabulary import CreditAction, CreditStatus, HoldCode, action_allowed, action_result
from customers.models import Customer


@transaction.atomic
def credit_line_update(
    *, customer: Customer, actor: Actor, credit_limit: int, reason: str, currency_code: str | None = None
) -> CreditDecision:
    """Set a customer's credit line (available + reserved + used) in one currency, the credit currency by default.
    The difference is posted as a `line_adjustment`; a decrease can never take available below zero, since what is
    reserved or used is already spent. A line in another currency must have been granted (`credit_line_grant`)."""
    errors: dict = {}
    currency = clean_currency(currency_code, "currency_code", errors) if currency_code else None
    limit = clean_amount(credit_limit, "credit_limit", errors, minimum=0, currency=currency)
    reason = clean_text(reason, "reason", errors, max_length=2000, required=True)
    raise_if(errors)
    locked = account_lock(customer.pk)
    ensure_allowed(CreditAction.ADJUST_LINE, locked, doing="given a new line")
    balance = _open_line(locked, currency or locked.account.credit_currency)
    delta = limit - balance.credit_limit
    if delta == 0:
        raise_if({"credit_limit": f"The line is already {format_human(limit, balance.currency_code)}."})
    if balance.available + delta < 0:
        spent = format_human(balance.reserved + balance.used, balance.currency_code)
        raise_if({"credit_limit": f"Cannot go below {spent}: that much is reserved or used."})
    return _line_change(locked, balance, LedgerEntryType.LINE_ADJUSTMENT, delta, actor=actor, reason=reason)


@transaction.atomic
def credit_line_grant(
    *, customer: Customer, actor: Actor, currency_code: str, credit_limit: int, reason: str
) -> CreditDecision:
    """A credit line in another currency than the customer's credit currency (whose line the approval granted), for a
    customer whose credit allows line changes: posted as a `grant`. The customer object's credit fields stay those of
    the credit currency; the new line is one more credit balance. A currency whose line was closed can be granted
    again."""
    errors: dict = {}
    currency = clean_currency(currency_code, "currency_code", errors)
    limit = clean_amount(credit_limit, "credit_limit", errors, currency=currency)
    reason = clean_text(reason, "reason", errors, max_length=2000, required=True)
    raise_if(errors)
    locked = account_lock(customer.pk)
    if locked.customer.is_archived:
        raise CustomerArchived(customer.pk)
    ensure_allowed(CreditAction.ADJUST_LINE, locked, doing="granted a line")
    existing = CreditBalance.objects.filter(customer_id=customer.pk, currency_code=currency).first()
    credit_currency = locked.account.credit_currency
    if currency == credit_currency or (existing and existing.is_open_line(credit_currency)):
        raise CreditLineExists(customer.pk, currency)
    balance = balance_lock(customer_id=customer.pk, currency_code=currency)
    return _line_change(locked, balance, LedgerEntryType.GRANT, limit, actor=actor, reason=reason)


@transaction.atomic
def credit_line_close(*, customer: Customer, actor: Actor, currency_code: str, reason: str) -> CreditDecision:
    """Close a line in another currency than the credit currency: its available credit goes (a `line_adjustment` down
    to zero), so nothing more can be bought in it. Only once nothing is reserved or used in it: what is owed must be
    repaid first. The credit currency's line is not closed (deactivate the account, or adjust the line)."""
    errors: dict = {}
    currency = clean_currency(currency_code, "currency_code", errors)
    reason = clean_text(reason, "reason", errors, max_length=2000, required=True)
    raise_if(errors)
    locked = account_lock(customer.pk)
    ensure_allowed(CreditAction.ADJUST_LINE, locked, doing="closing a line")
    balance = _open_line(locked, currency)
    if not balance.is_other_currency_line(locked.account.credit_currency):
        raise CreditLineNotClosable(
            f"{currency} is customer {customer.pk}'s credit currency: its line is not closed (adjust it, or "
            "deactivate the account)."
        )
    if balance.reserved or balance.used:
        raise CreditLineNotClosable(
            f"Customer {customer.pk}'s {currency} line still has {format_human(balance.reserved, currency)} reserved "
            f"and {format_human(balance.used, currency)} used: "
            "cancel, complete and repay those purchases first."
        )
    return _line_change(
        locked, balance, LedgerEntryType.LINE_ADJUSTMENT, -balance.available, actor=actor, reason=reason
    )


def _open_line(locked: Locked, currency: str) -> CreditBalance:
    """The customer's open line in this currency (CreditBalance.is_open_line), locked; CreditLineNotFound otherwise."""
    exists = CreditBalance.objects.filter(customer_id=locked.customer.pk, currency_code=currency).exists()
    if not exists and currency != locked.account.credit_currency:
        raise CreditLineNotFound(locked.customer.pk, currency)
    balance = balance_lock(customer_id=locked.customer.pk, currency_code=currency)
    if not balance.is_open_line(locked.account.credit_currency):
        raise CreditLineNotFound(locked.customer.pk, currency)
    return balance


def _line_change(
    locked: Locked, balance: CreditBalance, entry_type: str, delta: int, *, actor: Actor, reason: str
) -> CreditDecision:
    """Keep the line change as a decision, move the ledger by `delta` and announce the new line."""
    previous_limit = balance.credit_limit
    decision = decision_create(
        customer=locked.customer,
        actor=actor,
        decision=DecisionType.LINE_ADJUSTMENT,
        amount=previous_limit + delta,
        currency_code=balance.currency_code,
        reasons=[reason],
        note=reason,
    )
    ledger_post(balance=balance, entry_type=entry_type, amount=delta, actor=actor, reason=reason, decision=decision)
    line_change_record(
        customer=locked.customer, balance=balance, previous_limit=previous_limit, decision=decision, actor=actor
    )
    return decision


def credit_hold(*, customer: Customer, actor: Actor, hold_code: str, note: str = "") -> CreditDecision:
    """A credit officer puts an approved account on hold: no new purchases until reinstated."""
    if hold_code not in HoldCode.values:
        raise_if({"hold_code": f"Must be one of: {', '.join(HoldCode.values)}."})
    return _officer_status_change(
        customer, CreditAction.HOLD, "put on hold", actor=actor, note=note, hold_code=hold_code
    )


def credit_deactivate(*, customer: Customer, actor: Actor, note: str = "") -> CreditDecision:
    """Close the account to new purchases for good (until a credit officer reinstates it); balances stay as they
    are, so what is used can still be repaid."""
    return _officer_status_change(customer, CreditAction.DEACTIVATE, "deactivated", actor=actor, note=note)


def credit_reinstate(*, customer: Customer, actor: Actor, note: str = "") -> CreditDecision:
    """Back to approved from a hold (any code) or a deactivation."""
    return _officer_status_change(customer, CreditAction.REINSTATE, "reinstated", actor=actor, note=note)


@transaction.atomic
def _officer_status_change(
    customer: Customer, action: CreditAction, doing: str, *, actor: Actor, note: str, hold_code: str | None = None
) -> CreditDecision:
    """A credit officer's change of credit status, with a note kept on the decision."""
    errors: dict = {}
    note = clean_text(note, "note", errors, max_length=2000)
    raise_if(errors)
    locked = account_lock(customer.pk)
    ensure_allowed(action, locked, doing=doing)
    return _status_change(locked, action, actor=actor, hold_code=hold_code, note=note)


@transaction.atomic
def credit_past_due_evaluate(
    *, customer: Customer, now: datetime | None = None, actor: Actor = SYSTEM
) -> CreditDecision | None:
    """The automatic hold rule. An approved customer with a completed transaction past the hold threshold
    (credit.selectors.credit_transactions_past_due_for_hold, the one definition of it) goes on hold (past_due); a
    past_due hold that this rule placed is lifted once nothing is that far past due any more. Holds a credit officer
    placed are left alone."""
    now = now or timezone.now()
    locked = account_lock(customer.pk)
    overdue = list(credit_transactions_past_due_for_hold(now=now).filter(customer_id=customer.pk).order_by("due_at"))
    if overdue and action_allowed(CreditAction.PAST_DUE_HOLD, locked.credit_status):
        reasons = [
            f"{tx.id}: {format_human(tx.amount_outstanding, tx.currency_code)} due {tx.due_at.date().isoformat()}, "
            f"{(now - tx.due_at).days} days past due"
            for tx in overdue
        ]
        return _status_change(
            locked, CreditAction.PAST_DUE_HOLD, actor=actor, hold_code=HoldCode.PAST_DUE, reasons=reasons
        )
    if (
        not overdue
        and action_allowed(CreditAction.PAST_DUE_RELEASE, locked.credit_status)
        and _hold_is_automatic(locked)
    ):
        reasons = ["nothing is past due beyond the hold threshold any more"]
        return _status_change(locked, CreditAction.PAST_DUE_RELEASE, actor=actor, reasons=reasons)
    return None


def _hold_is_automatic(locked: Locked) -> bool:
    decisions = locked.customer.credit_decisions.filter(decision=DecisionType.HOLD)
    last_hold = decisions.order_by("-created_at", "-id").first()
    return (
        locked.account.hold_code == HoldCode.PAST_DUE
        and last_hold is not None
        and last_hold.decided_by_type == SYSTEM.type
        and last_hold.hold_code == HoldCode.PAST_DUE
    )


# The decision each status change is kept as.
_DECISIONS = {
    CreditAction.HOLD: DecisionType.HOLD,
    CreditAction.PAST_DUE_HOLD: DecisionType.HOLD,
    CreditAction.DEACTIVATE: DecisionType.DEACTIVATE,
    CreditAction.REINSTATE: DecisionType.REINSTATE,
    CreditAction.PAST_DUE_RELEASE: DecisionType.REINSTATE,
}


def _status_change(
    locked: Locked,
    action: CreditAction,
    *,
    actor: Actor,
    hold_code: str | None = None,
    note: str = "",
    reasons: list[str] | None = None,
) -> CreditDecision:
    account = locked.account
    row = decision_create(
        customer=locked.customer,
        actor=actor,
        decision=_DECISIONS[action],
        hold_code=hold_code,
        currency_code=account.credit_currency,
        reasons=reasons,
        note=note,
    )
    previous = account.credit_status
    account.credit_status = action_result(action, previous)
    account.hold_code = hold_code if account.credit_status == CreditStatus.HOLD else None
    account_save(locked, previous_status=previous, actor=actor, fields=["credit_status", "hold_code"])
    # The customer's users hear of a hold and of its end (sent once this transaction commits).
    held = account.credit_status == CreditStatus.HOLD and previous != CreditStatus.HOLD
    lifted = previous == CreditStatus.HOLD and account.credit_status == CreditStatus.APPROVED
    if held or lifted:
        credit_status_notice(customer=locked.customer, decision=row, held=held, actor=actor)
    return row
