"""Credit checks and the decisions that settle them: the request, the engine's run, a credit officer's approval or
decline from the review queue, and a direct application approved by an officer."""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.actors import SYSTEM, Actor
from core.dispatch import dispatch
from core.errors import CustomerArchived
from core.events import event_record
from core.models import EventType
from credit.engine import EngineResult, get_provider
from credit.errors import CreditCheckAlreadyDecided, CreditCheckAlreadyRequested
from credit.ledger import balance_lock, ledger_post
from credit.models import CreditCheck, CreditCheckStatus, CreditDecision, DecisionType, LedgerEntryType
from credit.services._common import (
    Locked,
    account_lock,
    account_open,
    account_save,
    clean_amount,
    clean_currency,
    clean_text,
    customer_payload,
    decision_create,
    ensure_allowed,
    line_change_record,
    raise_if,
    status_change_record,
    validated_save,
)
from credit.vocabulary import CreditAction, CreditStatus, DeclineCode, NetTermsStatus
from customers.models import Customer, Terms

logger = logging.getLogger(__name__)

UNDECIDED = (CreditCheckStatus.PENDING, CreditCheckStatus.IN_REVIEW)


@transaction.atomic
def credit_check_request(
    *,
    customer: Customer,
    actor: Actor,
    amount_requested: int,
    has_purchase_history: bool,
    has_purchase_terms_history: bool | None = None,
    business_description: str = "",
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

    locked = account_lock(customer.pk)
    customer = locked.customer
    if customer.is_archived:
        raise CustomerArchived(customer.id)
    if locked.account is not None or CreditCheck.objects.filter(customer=customer).exists():
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

    account_open(locked, credit_status=CreditStatus.PENDING, credit_check_requested_at=check.requested_at)
    event_record(
        event_type=EventType.CUSTOMER_CREDIT_CHECK_REQUESTED,
        data={**customer_payload(customer), "credit_check_id": check.id},
        actor=actor,
        customer_id=customer.id,
    )
    status_change_record(locked, previous_status=None, actor=actor)
    # robust: whatever goes wrong handing the check over, the request has committed and must not fail.
    transaction.on_commit(lambda: credit_check_dispatch(check.id), robust=True)
    return check


def credit_check_dispatch(credit_check_id: str) -> bool:
    """Hand a pending check to the decision task (core.dispatch); the stalled-check sweep retries what this could
    not hand over."""
    pending = CreditCheck.objects.filter(status=CreditCheckStatus.PENDING)
    return dispatch("credit.decide_credit_check", credit_check_id, waiting=pending)


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
    locked = account_lock(check.customer_id)
    inputs = {**result.inputs, "provider": result.provider}
    check.score, check.reasons, check.inputs = result.score, result.reasons, inputs
    check.scorecard = result.scorecard.to_json()
    evaluation = {"score": result.score, "reasons": result.reasons, "inputs": inputs, "scorecard": check.scorecard}
    if result.outcome == "approve":
        _approve(
            locked,
            check=check,
            actor=actor,
            amount=result.amount,
            currency_code=result.currency_code,
            default_terms=result.default_terms,
            enrolled=False,
            **evaluation,
        )
    elif result.outcome == "decline":
        _decline(locked, check=check, actor=actor, decline_code=result.decline_code, **evaluation)
    else:
        _refer(locked, check, actor=actor)
    return check


@transaction.atomic
def credit_check_refer(*, credit_check: CreditCheck, actor: Actor, reason: str) -> CreditCheck:
    """Send a pending check to the staff review queue (the engine could not decide, or never answered)."""
    check = CreditCheck.objects.select_for_update().get(pk=credit_check.pk)
    if check.status != CreditCheckStatus.PENDING:
        raise CreditCheckAlreadyDecided(check.id, check.status)
    check.reasons = [*check.reasons, reason]
    _refer(account_lock(check.customer_id), check, actor=actor)
    return check


def _refer(locked: Locked, check: CreditCheck, *, actor: Actor) -> None:
    """A pending check (locked) into the review queue, with its event."""
    check.status = CreditCheckStatus.IN_REVIEW
    check.referred_at = timezone.now()
    validated_save(check)
    event_record(
        event_type=EventType.CUSTOMER_CREDIT_CHECK_REFERRED,
        data={**customer_payload(locked.customer), "credit_check_id": check.id},
        actor=actor,
        customer_id=check.customer_id,
    )


@transaction.atomic
def credit_check_approve(
    *,
    credit_check: CreditCheck,
    actor: Actor,
    amount: int,
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
    return _approve(
        account_lock(check.customer_id),
        check=check,
        actor=actor,
        amount=amount,
        currency_code=currency or check.currency_code,
        default_terms=default_terms,
        enrolled=False,
        **_officer_verdict(check, note, "approved by a credit officer"),
    )


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
    return _decline(
        account_lock(check.customer_id),
        check=check,
        actor=actor,
        decline_code=decline_code,
        **_officer_verdict(check, note, "declined by a credit officer"),
    )


@transaction.atomic
def credit_direct_approve(
    *,
    customer: Customer,
    actor: Actor,
    amount: int,
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
    locked = account_lock(customer.pk)
    if locked.customer.is_archived:
        raise CustomerArchived(locked.customer.id)
    ensure_allowed(CreditAction.DIRECT_APPROVE, locked, doing="approved on a direct application")
    return _approve(
        locked,
        check=None,
        actor=actor,
        amount=amount,
        currency_code=currency,
        default_terms=default_terms,
        enrolled=True,
        **_officer_verdict(None, note, "direct application approved by a credit officer"),
    )


def _officer_verdict(check: CreditCheck | None, note: str, said: str) -> dict:
    """What a credit officer's decision keeps of the check (its score and inputs; the engine's scorecard stays on the
    check) and of the officer (the note, or what they did)."""
    return {
        "score": check.score if check else None,
        "reasons": [note] if note else [said],
        "inputs": check.inputs if check else {},
        "note": note,
    }


def _clean_terms(value: str, errors: dict) -> None:
    if value not in Terms.values:
        errors["default_terms"] = f"Must be one of: {', '.join(Terms.values)}."


def _undecided_check_lock(credit_check: CreditCheck) -> CreditCheck:
    check = CreditCheck.objects.select_for_update().get(pk=credit_check.pk)
    if check.status not in UNDECIDED:
        raise CreditCheckAlreadyDecided(check.id, check.status)
    return check


def _approve(
    locked: Locked,
    *,
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
    customer = locked.customer
    decision = decision_create(
        customer=customer,
        actor=actor,
        decision=DecisionType.APPROVED,
        credit_check=check,
        amount=amount,
        currency_code=currency_code,
        default_terms=default_terms,
        score=score,
        reasons=reasons,
        inputs=inputs,
        note=note,
        scorecard=scorecard,
    )
    if check is not None:
        check.status = CreditCheckStatus.APPROVED
        check.decided_at = now
        validated_save(check)
    balance = balance_lock(customer_id=customer.id, currency_code=currency_code)
    previous_limit = balance.credit_limit
    ledger_post(
        balance=balance,
        entry_type=LedgerEntryType.GRANT,
        amount=amount,
        actor=actor,
        reason="credit approved",
        decision=decision,
    )
    # The customer buys on the approved terms from now on.
    customer.default_terms = default_terms
    validated_save(customer, update_fields=["default_terms"])
    previous_status = locked.credit_status
    if locked.account is None:
        account_open(locked, credit_status=CreditStatus.APPROVED)
    account = locked.account
    account.credit_status = CreditStatus.APPROVED
    account.credit_currency = currency_code
    account.decline_code = None
    account.hold_code = None
    if enrolled:
        account.net_terms_status = NetTermsStatus.ENROLLED
        account.net_terms_enrolled_at = now
        account.net_terms_enrollment_expires_at = None
    else:
        account.net_terms_status = NetTermsStatus.PENDING_ENROLLMENT
        account.net_terms_enrollment_expires_at = now + timedelta(days=settings.NET_TERMS_ENROLLMENT_TTL_DAYS)
    account_save(
        locked,
        previous_status=previous_status,
        actor=actor,
        fields=[
            "credit_status",
            "credit_currency",
            "decline_code",
            "hold_code",
            "net_terms_status",
            "net_terms_enrolled_at",
            "net_terms_enrollment_expires_at",
        ],
    )
    line_change_record(
        customer=customer, balance=balance, previous_limit=previous_limit, decision=decision, actor=actor
    )
    return decision


def _decline(
    locked: Locked,
    *,
    check: CreditCheck,
    actor: Actor,
    decline_code: str,
    score: int | None,
    reasons: list[str],
    inputs: dict,
    note: str = "",
    scorecard: dict | None = None,
) -> CreditDecision:
    decision = decision_create(
        customer=locked.customer,
        actor=actor,
        decision=DecisionType.DECLINED,
        credit_check=check,
        decline_code=decline_code,
        score=score,
        reasons=reasons,
        inputs=inputs,
        note=note,
        scorecard=scorecard,
    )
    check.status = CreditCheckStatus.DECLINED
    check.decided_at = timezone.now()
    validated_save(check)
    previous_status = locked.credit_status
    locked.account.credit_status = CreditStatus.DECLINED
    locked.account.decline_code = decline_code
    account_save(locked, previous_status=previous_status, actor=actor, fields=["credit_status", "decline_code"])
    return decision
