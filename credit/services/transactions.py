"""Purchases on credit (Paddle's billed → completed | canceled) and their repayments. Every amount moves through
credit/ledger.py; these services decide whether it may move. Each step records the transaction's own event
(`credit_transaction.billed`, `.completed`, `.canceled`, `.repaid`) beside the ledger's `credit_balance.updated`."""

import calendar
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import F, Subquery
from django.utils import timezone

from core.actors import SYSTEM, Actor
from core.errors import CustomerArchived
from core.events import event_record
from core.models import EventType
from core.money import format_human
from core.pan import refuse_card_numbers
from credit.errors import (
    CreditDeactivated,
    CreditNotApproved,
    CreditOnHold,
    CustomerUserNotAllowed,
    InvalidTransactionState,
    NetTermsNotEnrolled,
    RepaymentExceedsOutstanding,
)
from credit.ledger import InsufficientCredit, balance_lock, ledger_post
from credit.models import CreditAccount, CreditRepayment, CreditTransaction, CreditTransactionStatus, LedgerEntryType
from credit.presenters import credit_repayment_to_dict, credit_transaction_to_dict
from credit.services._common import (
    Locked,
    account_lock,
    clean_amount,
    clean_currency,
    clean_past_datetime,
    clean_text,
    raise_if,
    validated_save,
)
from credit.services.accounts import credit_past_due_evaluate
from credit.vocabulary import (
    PURCHASE_TRANSITIONS,
    CreditAction,
    CreditStatus,
    NetTermsStatus,
    PurchaseAction,
    action_allowed,
)
from customers.models import Customer, CustomerUser, Terms
from customers.selectors import CustomerUserUnavailable, active_customer_user

FALLBACK_TERMS = Terms.NET30


def due_date(completed_at: datetime, terms: str) -> datetime:
    """Completion + the terms' days; `_eom` terms count from the end of the completion month (UTC)."""
    days = Terms.days(terms)
    if terms.endswith("_eom"):
        last_day = calendar.monthrange(completed_at.year, completed_at.month)[1]
        completed_at = completed_at.replace(day=last_day)
    return completed_at + timedelta(days=days)


def ensure_can_buy(locked: Locked) -> None:
    """Raise the refusal that explains why this customer may not buy on credit now, if any."""
    customer = locked.customer
    if customer.is_archived:
        raise CustomerArchived(customer.id)
    if action_allowed(CreditAction.BUY, locked.credit_status):
        # Approved, but the terms bind only once accepted (a direct application is enrolled when approved).
        if locked.account.net_terms_status != NetTermsStatus.ENROLLED:
            raise NetTermsNotEnrolled(customer.id, locked.account.net_terms_status)
        return
    if locked.credit_status == CreditStatus.HOLD:
        raise CreditOnHold(customer.id, locked.account.hold_code)
    if locked.credit_status == CreditStatus.DEACTIVATED:
        raise CreditDeactivated(customer.id)
    raise CreditNotApproved(customer.id, locked.credit_status)


def buyer_get(customer: Customer, customer_user_id: str | None) -> CustomerUser | None:
    """The customer user named as the buyer: one of this customer's active users, or a refusal. Read after the
    customer row is locked, which every change to its users locks first, so it cannot be archived meanwhile."""
    if customer_user_id is None:
        return None
    try:
        return active_customer_user(customer=customer, customer_user_id=customer_user_id)
    except CustomerUserUnavailable as refusal:
        raise CustomerUserNotAllowed(customer_user_id, customer.pk, refusal.why) from None


@transaction.atomic
def credit_transaction_bill(
    *,
    customer: Customer,
    actor: Actor,
    amount: int,
    currency_code: str,
    reference: str = "",
    description: str = "",
    billed_at: datetime | None = None,
    customer_user_id: str | None = None,
) -> CreditTransaction:
    """A purchase on credit: reserves `amount` of available credit in that currency. `billed_at` records an
    invoice issued earlier (an ERP import); it defaults to now. `customer_user_id` names the buyer, an active user
    of the customer."""
    errors: dict = {}
    currency = clean_currency(currency_code, "currency_code", errors)
    amount = clean_amount(amount, "amount", errors, currency=currency)
    reference = clean_text(reference, "reference", errors, max_length=255)
    description = clean_text(description, "description", errors, max_length=1000)
    billed_at = clean_past_datetime(billed_at, "billed_at", errors)
    raise_if(errors)
    refuse_card_numbers({"reference": reference, "description": description})
    locked = account_lock(customer.pk)
    ensure_can_buy(locked)
    customer = locked.customer
    buyer = buyer_get(customer, customer_user_id)
    balance = balance_lock(customer_id=customer.id, currency_code=currency)
    if balance.available < amount:
        raise InsufficientCredit(
            f"Not enough available credit: {format_human(balance.available, currency)} available, "
            f"{format_human(amount, currency)} requested."
        )
    credit_transaction = CreditTransaction(
        customer=customer,
        balance=balance,
        customer_user=buyer,
        currency_code=currency,
        amount=amount,
        reference=reference,
        description=description,
        terms=customer.default_terms,
        billed_at=billed_at or timezone.now(),
    )
    validated_save(credit_transaction)
    ledger_post(
        balance=balance,
        entry_type=LedgerEntryType.RESERVE,
        amount=amount,
        actor=actor,
        reason="credit transaction billed",
        credit_transaction=credit_transaction,
    )
    _record(EventType.CREDIT_TRANSACTION_BILLED, credit_transaction, actor=actor)
    return credit_transaction


@transaction.atomic
def credit_transaction_complete(
    *, credit_transaction: CreditTransaction, actor: Actor, completed_at: datetime | None = None
) -> CreditTransaction:
    """Reserved → used; due on completion + the customer's terms. Allowed whatever the customer's credit status:
    the credit was granted when the transaction was billed."""
    # The customer and its account first (the lock order of every credit service): the account's oldest unpaid due
    # date changes below.
    account_lock(credit_transaction.customer_id)
    locked = _locked(credit_transaction)
    _ensure_allowed(PurchaseAction.COMPLETE, locked, doing="completed")
    errors: dict = {}
    completed_at = clean_past_datetime(completed_at, "completed_at", errors, not_before=locked.billed_at)
    raise_if(errors)
    terms = Customer.objects.values_list("default_terms", flat=True).get(pk=locked.customer_id)
    locked.terms = terms or locked.terms or FALLBACK_TERMS
    locked.status = CreditTransactionStatus.COMPLETED
    locked.completed_at = completed_at or timezone.now()
    locked.due_at = due_date(locked.completed_at, locked.terms)
    completed = _settle(locked, LedgerEntryType.USE, actor=actor, reason="credit transaction completed")
    oldest_unpaid_due_refresh(customer_id=locked.customer_id)
    return completed


@transaction.atomic
def credit_transaction_cancel(*, credit_transaction: CreditTransaction, actor: Actor) -> CreditTransaction:
    """Only while billed: the reserve goes back to available."""
    # The lock order of every credit service (customer, account, then the purchase): a completion racing this one
    # holds them in that order, and this one's rows reference the customer.
    account_lock(credit_transaction.customer_id)
    locked = _locked(credit_transaction)
    _ensure_allowed(PurchaseAction.CANCEL, locked, doing="canceled")
    locked.status = CreditTransactionStatus.CANCELED
    locked.canceled_at = timezone.now()
    return _settle(locked, LedgerEntryType.RELEASE, actor=actor, reason="credit transaction canceled")


@transaction.atomic
def credit_transaction_repay(*, credit_transaction: CreditTransaction, actor: Actor, amount: int) -> CreditRepayment:
    """Used → available, up to what is outstanding. A repayment that clears the last seriously overdue amount
    lifts the automatic past-due hold in the same transaction."""
    errors: dict = {}
    amount = clean_amount(amount, "amount", errors, currency=credit_transaction.currency_code)
    raise_if(errors)
    customer = account_lock(credit_transaction.customer_id).customer
    locked = _locked(credit_transaction)
    _ensure_allowed(PurchaseAction.REPAY, locked, doing="repaid")
    if amount > locked.amount_outstanding:
        raise RepaymentExceedsOutstanding(locked.id, locked.amount_outstanding, locked.currency_code)
    repayment = CreditRepayment(transaction=locked, amount=amount)
    validated_save(repayment)
    locked.amount_repaid += amount
    if locked.amount_outstanding == 0:
        locked.repaid_at = repayment.created_at
    balance = balance_lock(customer_id=locked.customer_id, currency_code=locked.currency_code)
    validated_save(locked)
    ledger_post(
        balance=balance,
        entry_type=LedgerEntryType.REPAYMENT,
        amount=amount,
        actor=actor,
        reason="repayment",
        credit_transaction=locked,
    )
    _record(EventType.CREDIT_TRANSACTION_REPAID, locked, actor=actor, repayment=credit_repayment_to_dict(repayment))
    if locked.amount_outstanding == 0:
        oldest_unpaid_due_refresh(customer_id=locked.customer_id)
    credit_past_due_evaluate(customer=customer, actor=SYSTEM)
    return repayment


def oldest_unpaid_due_refresh(*, customer_id: str) -> None:
    """CreditAccount.oldest_unpaid_due_at from the customer's purchases still owed (one indexed read, in the UPDATE).
    Called with the account locked, after a purchase was completed or fully repaid."""
    unpaid = (
        CreditTransaction.objects.filter(
            customer_id=customer_id, status=CreditTransactionStatus.COMPLETED, amount_repaid__lt=F("amount")
        )
        .order_by("due_at")
        .values("due_at")[:1]
    )
    CreditAccount.objects.filter(customer_id=customer_id).update(oldest_unpaid_due_at=Subquery(unpaid))


def _settle(locked: CreditTransaction, entry_type: str, *, actor: Actor, reason: str) -> CreditTransaction:
    """Save a billed transaction's completion or cancellation and move its whole reserve (to used, or back)."""
    balance = balance_lock(customer_id=locked.customer_id, currency_code=locked.currency_code)
    validated_save(locked)
    ledger_post(
        balance=balance,
        entry_type=entry_type,
        amount=locked.amount,
        actor=actor,
        reason=reason,
        credit_transaction=locked,
    )
    _record(_SETTLED_EVENTS[locked.status], locked, actor=actor)
    return locked


_SETTLED_EVENTS = {
    CreditTransactionStatus.COMPLETED: EventType.CREDIT_TRANSACTION_COMPLETED,
    CreditTransactionStatus.CANCELED: EventType.CREDIT_TRANSACTION_CANCELED,
}


def _record(event_type: EventType, credit_transaction: CreditTransaction, *, actor: Actor, **extra) -> None:
    event_record(
        event_type=event_type,
        data={**credit_transaction_to_dict(credit_transaction), **extra},
        actor=actor,
        customer_id=credit_transaction.customer_id,
    )


def _ensure_allowed(action: PurchaseAction, locked: CreditTransaction, *, doing: str) -> None:
    """InvalidTransactionState unless credit.vocabulary's PURCHASE_TRANSITIONS allows `action` from the status."""
    allowed = PURCHASE_TRANSITIONS[action]
    if locked.status not in allowed:
        raise InvalidTransactionState(locked.id, locked.status, doing, " or ".join(sorted(allowed)))


def _locked(credit_transaction: CreditTransaction) -> CreditTransaction:
    return CreditTransaction.objects.select_for_update().get(pk=credit_transaction.pk)
