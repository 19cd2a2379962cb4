"""Signed, expiring net-terms enrollment links, and the rule of when a customer may accept its terms. The link is
derived (customer id + expiry, signed with the SECRET_KEY), so nothing secret is stored and the URL is stable for as
long as it is valid. Imports: core, customers, and the credit domain modules below it (models, errors,
vocabulary)."""

from dataclasses import dataclass
from datetime import datetime

from django.core import signing
from django.utils import timezone

from core.links import public_url
from credit.errors import EnrollmentUnavailable
from credit.models import CreditAccount
from credit.vocabulary import CreditStatus, NetTermsStatus
from customers.models import Customer

_SALT = "credit.enrollment"
# The public page that serves this path is routed in credit/urls.py.
ENROLLMENT_PATH = "/enroll/"
# Terms can be accepted while the account is usable or only temporarily on hold.
ENROLLABLE_CREDIT_STATUSES = (CreditStatus.APPROVED, CreditStatus.HOLD)


def enrollment_token(customer_id: str, expires_at: datetime) -> str:
    return signing.Signer(salt=_SALT).sign(f"{customer_id}.{int(expires_at.timestamp())}")


def enrollment_token_customer_id(token: str) -> tuple[str, int]:
    """Returns (customer id, expiry unix time) of a genuine token; raises signing.BadSignature otherwise."""
    value = signing.Signer(salt=_SALT).unsign(token)
    customer_id, _, expires = value.rpartition(".")
    return customer_id, int(expires)


def enrollment_url(*, customer_id: str, net_terms_status: str | None, expires_at: datetime | None) -> str | None:
    """The link a customer user follows to accept the terms, while they are on offer (pending enrollment)."""
    if net_terms_status != NetTermsStatus.PENDING_ENROLLMENT or not expires_at:
        return None
    return public_url(f"{ENROLLMENT_PATH}{enrollment_token(customer_id, expires_at)}")


def account_enrollment_url(account: CreditAccount) -> str | None:
    return enrollment_url(
        customer_id=account.customer_id,
        net_terms_status=account.net_terms_status,
        expires_at=account.net_terms_enrollment_expires_at,
    )


def enrollment_refusal(
    customer: Customer, account: CreditAccount | None, *, now: datetime
) -> EnrollmentUnavailable | None:
    """Why this customer cannot accept its terms right now, or None when it can."""
    status = account.net_terms_status if account else None
    if status == NetTermsStatus.ENROLLED:
        return EnrollmentUnavailable("already_enrolled", f"Customer {customer.id} is already enrolled in net terms.")
    expires_at = account.net_terms_enrollment_expires_at if account else None
    if status == NetTermsStatus.ENROLLMENT_EXPIRED or (
        status == NetTermsStatus.PENDING_ENROLLMENT and expires_at and expires_at <= now
    ):
        return EnrollmentUnavailable("enrollment_expired", "This enrollment link has expired.")
    if (
        status != NetTermsStatus.PENDING_ENROLLMENT
        or customer.is_archived
        or account.credit_status not in ENROLLABLE_CREDIT_STATUSES
    ):
        return EnrollmentUnavailable("enrollment_unavailable", "These terms are no longer on offer.")
    return None


@dataclass(frozen=True)
class EnrollmentLink:
    """What a link points at. `state` is open (terms can be accepted), enrolled, expired, unavailable (the offer
    was withdrawn: declined, deactivated, archived) or invalid (forged, mangled, or replaced by a newer link)."""

    state: str
    customer: Customer | None = None
    account: CreditAccount | None = None


def enrollment_link_resolve(token: str, *, now: datetime | None = None) -> EnrollmentLink:
    now = now or timezone.now()
    try:
        customer_id, expires = enrollment_token_customer_id(token)
    except (signing.BadSignature, ValueError):
        return EnrollmentLink("invalid")
    account = CreditAccount.objects.select_related("customer").filter(customer_id=customer_id).first()
    if account is None:
        return EnrollmentLink("invalid")
    customer = account.customer
    if account.net_terms_status == NetTermsStatus.ENROLLED:
        return EnrollmentLink("enrolled", customer, account)
    if expires <= now.timestamp() or account.net_terms_status == NetTermsStatus.ENROLLMENT_EXPIRED:
        return EnrollmentLink("expired", customer, account)
    current = account.net_terms_enrollment_expires_at
    if (
        account.net_terms_status == NetTermsStatus.PENDING_ENROLLMENT
        and current
        and int(current.timestamp()) != expires
    ):
        return EnrollmentLink("invalid")
    refusal = enrollment_refusal(customer, account, now=now)
    if refusal is not None:
        return EnrollmentLink("expired" if refusal.code == "enrollment_expired" else "unavailable", customer, account)
    return EnrollmentLink("open", customer, account)
