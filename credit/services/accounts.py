"""A credit account after approval: line changes, holds, deactivation and reinstatement, by a credit officer or
(past-due holds) automatically."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM, Actor
from credit.errors import InvalidCreditStatus
from credit.ledger import balance_lock, ledger_post
from credit.models import CreditDecision, DecisionType, LedgerEntryType
from credit.selectors import credit_transactions_past_due_for_hold
from credit.services._common import (
    clean_amount,
    clean_currency,
    clean_text,
    customer_credit_save,
    customer_lock,
    decision_create,
    line_change_record,
    raise_if,
)
from customers.models import CreditStatus, Customer, HoldCode

ADJUSTABLE = (CreditStatus.APPROVED, CreditStatus.HOLD)


@transaction.atomic
def credit_line_update(
    *, customer: Customer, actor: Actor, credit_limit: Any, reason: str, currency_code: str | None = None
) -> CreditDecision:
    """Set a customer's credit line (available + reserved + used) in one currency, the credit currency by default.
    The difference is posted as a `line_adjustment`; a decrease can never take available below zero, since what is
    reserved or used is already spent."""
    errors: dict = {}
    limit = clean_amount(credit_limit, "credit_limit", errors, minimum=0)
    reason = clean_text(reason, "reason", errors, max_length=2000, required=True)
    currency = clean_currency(currency_code, "currency_code", errors) if currency_code else None
    raise_if(errors)
    customer = customer_lock(customer.pk)
    if customer.credit_status not in ADJUSTABLE or not customer.credit_currency:
        raise InvalidCreditStatus(
            f"Customer {customer.id} is {customer.credit_status or 'not credit checked'}; only approved customers "
            "or customers on hold have a line to adjust."
        )
    balance = balance_lock(customer_id=customer.id, currency_code=currency or customer.credit_currency)
    previous_limit = balance.credit_limit
    delta = limit - previous_limit
    if delta == 0:
        raise_if({"credit_limit": f"The line is already {limit} {balance.currency_code}."})
    if balance.available + delta < 0:
        raise_if({"credit_limit": f"Cannot go below {balance.reserved + balance.used} {balance.currency_code}: that "
                                  "much is reserved or used."})  # fmt: skip
    decision = decision_create(customer=customer, actor=actor, decision=DecisionType.LINE_ADJUSTMENT, amount=limit,
                               currency_code=balance.currency_code, reasons=[reason], note=reason)  # fmt: skip
    ledger_post(balance=balance, entry_type=LedgerEntryType.LINE_ADJUSTMENT, amount=delta, actor=actor, reason=reason,
                decision=decision)  # fmt: skip
    line_change_record(
        customer=customer, balance=balance, previous_limit=previous_limit, decision=decision, actor=actor
    )
    return decision


@transaction.atomic
def credit_hold(*, customer: Customer, actor: Actor, hold_code: str, note: str = "") -> CreditDecision:
    """A credit officer puts an approved account on hold: no new purchases until reinstated."""
    errors: dict = {}
    if hold_code not in HoldCode.values:
        errors["hold_code"] = f"Must be one of: {', '.join(HoldCode.values)}."
    note = clean_text(note, "note", errors, max_length=2000)
    raise_if(errors)
    customer = _locked_in(customer, (CreditStatus.APPROVED,), "put on hold")
    return _status_change(customer, actor=actor, status=CreditStatus.HOLD, decision=DecisionType.HOLD,
                          hold_code=hold_code, note=note)  # fmt: skip


@transaction.atomic
def credit_deactivate(*, customer: Customer, actor: Actor, note: str = "") -> CreditDecision:
    """Close the account to new purchases for good (until a credit officer reinstates it); balances stay as they
    are, so what is used can still be repaid."""
    errors: dict = {}
    note = clean_text(note, "note", errors, max_length=2000)
    raise_if(errors)
    customer = _locked_in(customer, (CreditStatus.APPROVED, CreditStatus.HOLD), "deactivated")
    return _status_change(customer, actor=actor, status=CreditStatus.DEACTIVATED, decision=DecisionType.DEACTIVATE,
                          note=note)  # fmt: skip


@transaction.atomic
def credit_reinstate(*, customer: Customer, actor: Actor, note: str = "") -> CreditDecision:
    """Back to approved from a hold (any code) or a deactivation."""
    errors: dict = {}
    note = clean_text(note, "note", errors, max_length=2000)
    raise_if(errors)
    customer = _locked_in(customer, (CreditStatus.HOLD, CreditStatus.DEACTIVATED), "reinstated")
    return _status_change(customer, actor=actor, status=CreditStatus.APPROVED, decision=DecisionType.REINSTATE,
                          note=note)  # fmt: skip


@transaction.atomic
def credit_past_due_evaluate(
    *, customer: Customer, now: datetime | None = None, actor: Actor = SYSTEM
) -> CreditDecision | None:
    """The automatic hold rule. An approved customer with a completed transaction more than
    CREDIT_HOLD_PAST_DUE_DAYS past due goes on hold (past_due); a past_due hold that this rule placed is lifted
    once nothing is that far past due any more. Holds a credit officer placed are left alone."""
    now = now or timezone.now()
    customer = customer_lock(customer.pk)
    overdue = list(credit_transactions_past_due_for_hold(now=now).filter(customer=customer).order_by("due_at"))
    if customer.credit_status == CreditStatus.APPROVED and overdue:
        reasons = [f"{tx.id}: {tx.amount_outstanding} {tx.currency_code} due {tx.due_at.date().isoformat()}, "
                   f"{(now - tx.due_at).days} days past due" for tx in overdue]  # fmt: skip
        return _status_change(customer, actor=actor, status=CreditStatus.HOLD, decision=DecisionType.HOLD,
                              hold_code=HoldCode.PAST_DUE, reasons=reasons)  # fmt: skip
    if customer.credit_status == CreditStatus.HOLD and not overdue and _hold_is_automatic(customer):
        return _status_change(customer, actor=actor, status=CreditStatus.APPROVED, decision=DecisionType.REINSTATE,
                              reasons=["nothing is past due beyond the hold threshold any more"])  # fmt: skip
    return None


def _hold_is_automatic(customer: Customer) -> bool:
    last_hold = customer.credit_decisions.filter(decision=DecisionType.HOLD).order_by("-created_at", "-id").first()
    return (
        customer.hold_code == HoldCode.PAST_DUE
        and last_hold is not None
        and last_hold.decided_by_type == SYSTEM.type
        and last_hold.hold_code == HoldCode.PAST_DUE
    )


def _locked_in(customer: Customer, allowed: tuple[str, ...], action: str) -> Customer:
    customer = customer_lock(customer.pk)
    if customer.credit_status not in allowed:
        allowed_text = " or ".join(allowed)
        raise InvalidCreditStatus(
            f"Customer {customer.id} is {customer.credit_status or 'not credit checked'}; only {allowed_text} "
            f"customers can be {action}."
        )
    return customer


def _status_change(
    customer: Customer,
    *,
    actor: Actor,
    status: str,
    decision: str,
    hold_code: str | None = None,
    note: str = "",
    reasons: list[str] | None = None,
) -> CreditDecision:
    row = decision_create(customer=customer, actor=actor, decision=decision, hold_code=hold_code,
                          currency_code=customer.credit_currency, reasons=reasons, note=note)  # fmt: skip
    previous = customer.credit_status
    customer.credit_status = status
    customer.hold_code = hold_code
    customer_credit_save(customer, previous_status=previous, actor=actor, fields=["credit_status", "hold_code"])
    return row
