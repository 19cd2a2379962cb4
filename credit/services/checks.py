"""Credit checks and the decisions that settle them: the request, the engine's run, a credit officer's approval or
decline from the review queue, and a direct application approved by an officer."""

import logging
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.actors import SYSTEM, Actor
from core.errors import CustomerArchived
from core.events import event_record
from core.models import EventType
from credit.engine import EngineResult, get_provider
from credit.errors import CreditCheckAlreadyDecided, CreditCheckAlreadyRequested, InvalidCreditStatus
from credit.ledger import balance_lock, ledger_post
from credit.models import CreditCheck, CreditCheckStatus, CreditDecision, DecisionType, LedgerEntryType
from credit.services._common import (
    clean_amount,
    clean_currency,
    clean_text,
    customer_credit_save,
    customer_lock,
    decision_create,
    line_change_record,
    raise_if,
    status_change_record,
    validated_save,
)
from customers.models import CreditStatus, Customer, DeclineCode, NetTermsStatus, Terms
from customers.presenters import customer_to_dict

logger = logging.getLogger(__name__)

UNDECIDED = (CreditCheckStatus.PENDING, CreditCheckStatus.IN_REVIEW)


@transaction.atomic
def credit_check_request(
    *,
    customer: Customer,
    actor: Actor,
    amount_requested: Any,
    has_purchase_history: Any,
    has_purchase_terms_history: Any = None,
    business_description: Any = "",
) -> CreditCheck:
    """Record a credit check (credit status → pending) and hand it to the decision engine after commit.

    A customer is checked once: the customer row is locked while we look, and the one-to-one constraint on the
    check settles any race that slips past it."""
    errors: dict = {}
    amount = clean_amount(amount_requested, "amount_requested", errors)
    if not isinstance(has_purchase_history, bool):
        errors["has_purchase_history"] = (
            "This field is required." if has_purchase_history is None else "Must be true or false."
        )
    if has_purchase_terms_history is not None and not isinstance(has_purchase_terms_history, bool):
        errors["has_purchase_terms_history"] = "Must be true, false or null."
    description = clean_text(business_description, "business_description", errors, max_length=500)
    raise_if(errors)

    customer = customer_lock(customer.pk)
    if customer.is_archived:
        raise CustomerArchived(customer.id)
    if customer.credit_status is not None or CreditCheck.objects.filter(customer=customer).exists():
        raise CreditCheckAlreadyRequested()
    check = CreditCheck(
        customer=customer,
        amount_requested=amount,
        has_purchase_history=has_purchase_history,
        has_purchase_terms_history=has_purchase_terms_history,
        business_description=description,
        requested_by_type=actor.type,
        requested_by_id=actor.id,
    )
    try:
        with transaction.atomic():
            validated_save(check)
    except IntegrityError:
        raise CreditCheckAlreadyRequested() from None

    previous = customer.credit_status
    customer.credit_status = CreditStatus.PENDING
    customer.credit_check_requested_at = check.requested_at
    validated_save(customer, update_fields=["credit_status", "credit_check_requested_at"])
    event_record(
        event_type=EventType.CUSTOMER_CREDIT_CHECK_REQUESTED,
        data={**customer_to_dict(customer), "credit_check_id": check.id},
        actor=actor,
        customer_id=customer.id,
    )
    status_change_record(customer=customer, previous_status=previous, actor=actor)

    def dispatch(check_id: str = check.id) -> None:
        from credit.tasks import credit_check_dispatch

        credit_check_dispatch(check_id)

    # robust: whatever goes wrong handing the check over, the request has committed and must not fail.
    transaction.on_commit(dispatch, robust=True)
    return check


def credit_check_decide(*, credit_check_id: str, actor: Actor = SYSTEM) -> CreditCheck | None:
    """Run the decision engine on a pending check and apply its outcome. Safe to run twice, even at once: the
    provider evaluates without locks (it may be a slow remote bureau), then the outcome is applied only if the
    locked check is still pending. Returns None for a check that no longer exists."""
    check = CreditCheck.objects.select_related("customer").filter(pk=credit_check_id).first()
    if check is None:
        logger.warning("credit check %s does not exist; nothing to decide", credit_check_id)
        return None
    if check.status != CreditCheckStatus.PENDING:
        return check
    result = get_provider().evaluate(customer=check.customer, check=check)
    return _engine_result_apply(credit_check_id=credit_check_id, result=result, actor=actor)


@transaction.atomic
def _engine_result_apply(*, credit_check_id: str, result: EngineResult, actor: Actor) -> CreditCheck:
    check = CreditCheck.objects.select_for_update().get(pk=credit_check_id)
    if check.status != CreditCheckStatus.PENDING:
        return check  # another run (or a credit officer) settled it first
    customer = customer_lock(check.customer_id)
    inputs = {**result.inputs, "provider": result.provider}
    check.score, check.reasons, check.inputs = result.score, result.reasons, inputs
    check.scorecard = result.scorecard.to_json()
    evaluation = {"score": result.score, "reasons": result.reasons, "inputs": inputs, "scorecard": check.scorecard}
    if result.outcome == "approve":
        _approve(customer=customer, check=check, actor=actor, amount=result.amount,
                 currency_code=result.currency_code, default_terms=result.default_terms, enrolled=False,
                 **evaluation)  # fmt: skip
    elif result.outcome == "decline":
        _decline(customer=customer, check=check, actor=actor, decline_code=result.decline_code, **evaluation)
    else:
        check.status = CreditCheckStatus.IN_REVIEW
        check.referred_at = timezone.now()
        validated_save(check)
    return check


@transaction.atomic
def credit_check_refer(*, credit_check: CreditCheck, actor: Actor, reason: str) -> CreditCheck:
    """Send a pending check to the staff review queue (the engine could not decide, or never answered)."""
    check = CreditCheck.objects.select_for_update().get(pk=credit_check.pk)
    if check.status != CreditCheckStatus.PENDING:
        raise CreditCheckAlreadyDecided(check.id, check.status)
    check.status = CreditCheckStatus.IN_REVIEW
    check.referred_at = timezone.now()
    check.reasons = [*check.reasons, reason]
    validated_save(check)
    return check


@transaction.atomic
def credit_check_approve(
    *,
    credit_check: CreditCheck,
    actor: Actor,
    amount: Any,
    default_terms: str,
    currency_code: str | None = None,
    note: str = "",
) -> CreditDecision:
    """A credit officer approves a check from the review queue (or one the engine has not reached yet)."""
    errors: dict = {}
    amount = clean_amount(amount, "amount", errors)
    _clean_terms(default_terms, errors)
    currency = clean_currency(currency_code, "currency_code", errors) if currency_code else None
    note = clean_text(note, "note", errors, max_length=2000)
    raise_if(errors)
    check = _undecided_check_lock(credit_check)
    customer = customer_lock(check.customer_id)
    return _approve(customer=customer, check=check, actor=actor, amount=amount,
                    currency_code=currency or check.currency_code, default_terms=default_terms, enrolled=False,
                    score=check.score, reasons=[note] if note else ["approved by a credit officer"],
                    inputs=check.inputs, note=note)  # fmt: skip


@transaction.atomic
def credit_check_decline(
    *, credit_check: CreditCheck, actor: Actor, decline_code: str, note: str = ""
) -> CreditDecision:
    errors: dict = {}
    if decline_code not in DeclineCode.values:
        errors["decline_code"] = f"Must be one of: {', '.join(DeclineCode.values)}."
    note = clean_text(note, "note", errors, max_length=2000)
    raise_if(errors)
    check = _undecided_check_lock(credit_check)
    customer = customer_lock(check.customer_id)
    return _decline(customer=customer, check=check, actor=actor, decline_code=decline_code, score=check.score,
                    reasons=[note] if note else ["declined by a credit officer"], inputs=check.inputs,
                    note=note)  # fmt: skip


@transaction.atomic
def credit_direct_approve(
    *,
    customer: Customer,
    actor: Actor,
    amount: Any,
    default_terms: str,
    currency_code: str = "USD",
    note: str = "",
) -> CreditDecision:
    """A credit officer approves a customer's direct application: no check, and the customer is enrolled in net
    terms at once (Resolve: customers who applied through an application are `enrolled`)."""
    errors: dict = {}
    amount = clean_amount(amount, "amount", errors)
    _clean_terms(default_terms, errors)
    currency = clean_currency(currency_code, "currency_code", errors)
    note = clean_text(note, "note", errors, max_length=2000)
    raise_if(errors)
    customer = customer_lock(customer.pk)
    if customer.is_archived:
        raise CustomerArchived(customer.id)
    if customer.credit_status is not None:
        raise InvalidCreditStatus(
            f"Customer {customer.id} already has credit status {customer.credit_status}; "
            "change its line or status instead."
        )
    return _approve(customer=customer, check=None, actor=actor, amount=amount, currency_code=currency,
                    default_terms=default_terms, enrolled=True, score=None,
                    reasons=[note] if note else ["direct application approved by a credit officer"], inputs={},
                    note=note)  # fmt: skip


def _clean_terms(value: Any, errors: dict) -> None:
    if value not in Terms.values:
        errors["default_terms"] = f"Must be one of: {', '.join(Terms.values)}."


def _undecided_check_lock(credit_check: CreditCheck) -> CreditCheck:
    check = CreditCheck.objects.select_for_update().get(pk=credit_check.pk)
    if check.status not in UNDECIDED:
        raise CreditCheckAlreadyDecided(check.id, check.status)
    return check


def _approve(
    *,
    customer: Customer,
    check: CreditCheck | None,
    actor: Actor,
    amount: int,
    currency_code: str,
    default_terms: str,
    enrolled: bool,
    score: int | None,
    reasons: list[str],
    inputs: dict,
    note: str = "",
    scorecard: dict | None = None,
) -> CreditDecision:
    """Approve a locked customer: the decision, the statuses, the grant on the ledger and their events."""
    now = timezone.now()
    decision = decision_create(customer=customer, actor=actor, decision=DecisionType.APPROVED, credit_check=check,
                               amount=amount, currency_code=currency_code, default_terms=default_terms, score=score,
                               reasons=reasons, inputs=inputs, note=note, scorecard=scorecard)  # fmt: skip
    if check is not None:
        check.status = CreditCheckStatus.APPROVED
        check.decided_at = now
        validated_save(check)
    balance = balance_lock(customer_id=customer.id, currency_code=currency_code)
    previous_limit = balance.credit_limit
    ledger_post(balance=balance, entry_type=LedgerEntryType.GRANT, amount=amount, actor=actor,
                reason="credit approved", decision=decision)  # fmt: skip

    previous_status = customer.credit_status
    customer.credit_status = CreditStatus.APPROVED
    customer.credit_currency = currency_code
    customer.default_terms = default_terms
    customer.decline_code = None
    customer.hold_code = None
    if enrolled:
        customer.net_terms_status = NetTermsStatus.ENROLLED
        customer.net_terms_enrolled_at = now
        customer.net_terms_enrollment_expires_at = None
    else:
        customer.net_terms_status = NetTermsStatus.PENDING_ENROLLMENT
        customer.net_terms_enrollment_expires_at = now + timedelta(days=settings.NET_TERMS_ENROLLMENT_TTL_DAYS)
    customer_credit_save(customer, previous_status=previous_status, actor=actor, fields=[
        "credit_status", "credit_currency", "default_terms", "decline_code", "hold_code", "net_terms_status",
        "net_terms_enrolled_at", "net_terms_enrollment_expires_at",
    ])  # fmt: skip
    line_change_record(
        customer=customer, balance=balance, previous_limit=previous_limit, decision=decision, actor=actor
    )
    return decision


def _decline(
    *,
    customer: Customer,
    check: CreditCheck,
    actor: Actor,
    decline_code: str,
    score: int | None,
    reasons: list[str],
    inputs: dict,
    note: str = "",
    scorecard: dict | None = None,
) -> CreditDecision:
    decision = decision_create(customer=customer, actor=actor, decision=DecisionType.DECLINED, credit_check=check,
                               decline_code=decline_code, score=score, reasons=reasons, inputs=inputs, note=note,
                               scorecard=scorecard)  # fmt: skip
    check.status = CreditCheckStatus.DECLINED
    check.decided_at = timezone.now()
    validated_save(check)
    previous_status = customer.credit_status
    customer.credit_status = CreditStatus.DECLINED
    customer.decline_code = decline_code
    customer_credit_save(customer, previous_status=previous_status, actor=actor,
                         fields=["credit_status", "decline_code"])  # fmt: skip
    return decision
