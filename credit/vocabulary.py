"""Credit's vocabulary: the credit and net-terms statuses, decline and hold codes, and the one table of which credit
action may happen in which credit status.

Everything that asks "may this customer be put on hold now?" asks `TRANSITIONS` through `action_allowed` /
`allowed_actions`: the services guard with it, the staff pages show exactly the buttons it allows, and the tests walk
it. Imports nothing of the project but core; customers never imports it (credit builds on customers)."""

from datetime import datetime
from enum import StrEnum

from django.db import models


class CreditStatus(models.TextChoices):
    PENDING = "pending"
    APPROVED = "approved"
    DECLINED = "declined"
    HOLD = "hold"
    DEACTIVATED = "deactivated"


class NetTermsStatus(models.TextChoices):
    PENDING_ENROLLMENT = "pending_enrollment"
    ENROLLED = "enrolled"
    ENROLLMENT_EXPIRED = "enrollment_expired"


# Net terms as people read them beside a credit status that stops purchases: an enrollment is not in effect while the
# credit is on hold or deactivated, so it must not read as a plain (green) "enrolled".
NET_TERMS_NOT_IN_EFFECT = {"hold": "suspended", "deactivated": "closed"}


def net_terms_shown(net_terms_status: str | None, credit_status: str | None) -> str | None:
    """The net-terms status a page shows: `enrolled` becomes `suspended` while the credit is on hold and `closed`
    once it is deactivated; anything else is shown as it is."""
    if net_terms_status == NetTermsStatus.ENROLLED:
        return NET_TERMS_NOT_IN_EFFECT.get(credit_status or "", net_terms_status)
    return net_terms_status


class DeclineCode(models.TextChoices):
    THIN_FILE = "thin_file"
    EMAIL_VERIFICATION_FREEMAIL = "email_verification_freemail"
    EMAIL_VERIFICATION_FAILED = "email_verification_failed"
    NO_US_ADDRESS = "no_us_address", "No US address"
    FAILING_CREDIT = "failing_credit"
    INSUFFICIENT_BUSINESS_HISTORY = "insufficient_business_history"
    BUSINESS_NOT_VERIFIED = "business_not_verified"
    DUPLICATE = "duplicate"
    FRAUD = "fraud"
    OTHER = "other"


class HoldCode(models.TextChoices):
    PAST_DUE = "past_due"
    FAILED_PAYMENT = "failed_payment"
    REQUESTED_BY_MERCHANT = "requested_by_merchant"
    FRAUD = "fraud"
    OTHER = "other"


# A customer that never went through credit has no credit status (no credit account): `None` in this table.
NOT_CHECKED = None


class CreditAction(StrEnum):
    """What can happen to a customer's credit status, by whom it is done aside."""

    REQUEST_CHECK = "request_check"  # anyone with credit_request: → pending
    DIRECT_APPROVE = "direct_approve"  # a credit officer approves a direct application: → approved
    DECIDE_CHECK = "decide_check"  # the engine or an officer approves or declines a pending check
    ADJUST_LINE = "adjust_line"  # a credit officer changes the line (status unchanged)
    HOLD = "hold"  # a credit officer, with a hold code: → hold
    DEACTIVATE = "deactivate"  # a credit officer: → deactivated
    REINSTATE = "reinstate"  # a credit officer: → approved
    PAST_DUE_HOLD = "past_due_hold"  # the system, when a purchase is seriously past due: → hold
    PAST_DUE_RELEASE = "past_due_release"  # the system, once nothing is: → approved
    BUY = "buy"  # a purchase on credit (status unchanged)


# action: (the credit statuses it may start from, the status it leads to; None keeps the status).
TRANSITIONS: dict[CreditAction, tuple[frozenset[str | None], str | None]] = {
    CreditAction.REQUEST_CHECK: (frozenset({NOT_CHECKED}), CreditStatus.PENDING),
    CreditAction.DIRECT_APPROVE: (frozenset({NOT_CHECKED}), CreditStatus.APPROVED),
    CreditAction.DECIDE_CHECK: (frozenset({CreditStatus.PENDING}), None),
    CreditAction.ADJUST_LINE: (frozenset({CreditStatus.APPROVED, CreditStatus.HOLD}), None),
    CreditAction.HOLD: (frozenset({CreditStatus.APPROVED}), CreditStatus.HOLD),
    CreditAction.DEACTIVATE: (frozenset({CreditStatus.APPROVED, CreditStatus.HOLD}), CreditStatus.DEACTIVATED),
    CreditAction.REINSTATE: (frozenset({CreditStatus.HOLD, CreditStatus.DEACTIVATED}), CreditStatus.APPROVED),
    CreditAction.PAST_DUE_HOLD: (frozenset({CreditStatus.APPROVED}), CreditStatus.HOLD),
    CreditAction.PAST_DUE_RELEASE: (frozenset({CreditStatus.HOLD}), CreditStatus.APPROVED),
    CreditAction.BUY: (frozenset({CreditStatus.APPROVED}), None),
}

# What staff may do from the customer page: the actions a person takes (the others are the system's, or the review
# queue's).
STAFF_ACTIONS = (
    CreditAction.REQUEST_CHECK,
    CreditAction.DIRECT_APPROVE,
    CreditAction.ADJUST_LINE,
    CreditAction.HOLD,
    CreditAction.DEACTIVATE,
    CreditAction.REINSTATE,
)


def action_allowed(action: CreditAction, credit_status: str | None) -> bool:
    return credit_status in TRANSITIONS[action][0]


def action_result(action: CreditAction, credit_status: str | None) -> str | None:
    """The credit status after `action` (which must be allowed from `credit_status`)."""
    target = TRANSITIONS[action][1]
    return credit_status if target is None else target


def allowed_actions(credit_status: str | None, *, among: tuple[CreditAction, ...] = STAFF_ACTIONS) -> list[str]:
    """The actions (of `among`) allowed from this credit status, in `among`'s order: what a page may offer."""
    return [action.value for action in among if action_allowed(action, credit_status)]


def statuses_allowing(action: CreditAction) -> list[str | None]:
    """The credit statuses an action may start from, in CreditStatus order (None, never checked, first)."""
    allowed = TRANSITIONS[action][0]
    return [status for status in (NOT_CHECKED, *CreditStatus.values) if status in allowed]


class PurchaseAction(StrEnum):
    """What staff or an API client may do to one purchase on credit (a credit transaction)."""

    COMPLETE = "complete"  # billed → completed: the reserve becomes used, due by the terms
    CANCEL = "cancel"  # billed → canceled: the reserve goes back to available
    REPAY = "repay"  # completed, something outstanding: used → available


# action: the purchase statuses it may start from (credit.models.CreditTransactionStatus's values).
PURCHASE_TRANSITIONS: dict[PurchaseAction, frozenset[str]] = {
    PurchaseAction.COMPLETE: frozenset({"billed"}),
    PurchaseAction.CANCEL: frozenset({"billed"}),
    PurchaseAction.REPAY: frozenset({"completed"}),
}


def purchase_actions(status: str, amount_outstanding: int) -> list[str]:
    """The actions a purchase in this state allows, in PurchaseAction order: the services guard with
    PURCHASE_TRANSITIONS, the pages offer exactly these (a repayment only while something is outstanding)."""
    return [
        action.value
        for action in PurchaseAction
        if status in PURCHASE_TRANSITIONS[action] and (action != PurchaseAction.REPAY or amount_outstanding > 0)
    ]


def days_past_due(*, amount_outstanding: int, due_at: datetime | None, now: datetime) -> int | None:
    """Whole days a purchase is past its due date, 0 on its first late day; None unless something is outstanding
    after the due date."""
    if not amount_outstanding or due_at is None or due_at >= now:
        return None
    return (now - due_at).days


class PromiseStatus(models.TextChoices):
    """Where a promise to pay stands (credit.selectors.with_promise_status decides, in SQL)."""

    OPEN = "open"  # its date has not passed and it is not yet paid
    KEPT = "kept"  # the customer has repaid at least the amount, in its currency, since the promise
    BROKEN = "broken"  # its date has passed and the customer has not repaid it since
