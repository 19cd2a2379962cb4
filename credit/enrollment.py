"""Signed, expiring net-terms enrollment links. The link is derived (customer id + expiry, signed with the
SECRET_KEY), so nothing secret is stored and the URL is stable for as long as it is valid."""

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.core import signing
from django.utils import timezone

from customers.models import Customer, NetTermsStatus

_SALT = "credit.enrollment"
# The public page that serves this path is routed in config/urls.py.
ENROLLMENT_PATH = "/enroll/"


def enrollment_token(customer: Customer) -> str:
    expires = int(customer.net_terms_enrollment_expires_at.timestamp())
    return signing.Signer(salt=_SALT).sign(f"{customer.id}.{expires}")


def enrollment_token_customer_id(token: str) -> tuple[str, int]:
    """Returns (customer id, expiry unix time) of a genuine token; raises signing.BadSignature otherwise."""
    value = signing.Signer(salt=_SALT).unsign(token)
    customer_id, _, expires = value.rpartition(".")
    return customer_id, int(expires)


def enrollment_url(customer: Customer) -> str | None:
    if customer.net_terms_status != NetTermsStatus.PENDING_ENROLLMENT or not customer.net_terms_enrollment_expires_at:
        return None
    return f"{settings.PUBLIC_BASE_URL.rstrip('/')}{ENROLLMENT_PATH}{enrollment_token(customer)}"


@dataclass(frozen=True)
class EnrollmentLink:
    """What a link points at. `state` is open (terms can be accepted), enrolled, expired, unavailable (the offer
    was withdrawn: declined, deactivated, archived) or invalid (forged, mangled, or replaced by a newer link)."""

    state: str
    customer: Customer | None = None


def enrollment_link_resolve(token: str, *, now: datetime | None = None) -> EnrollmentLink:
    from credit.services.net_terms import enrollment_refusal

    now = now or timezone.now()
    try:
        customer_id, expires = enrollment_token_customer_id(token)
    except (signing.BadSignature, ValueError):
        return EnrollmentLink("invalid")
    customer = Customer.objects.filter(pk=customer_id).first()
    if customer is None:
        return EnrollmentLink("invalid")
    if customer.net_terms_status == NetTermsStatus.ENROLLED:
        return EnrollmentLink("enrolled", customer)
    if expires <= now.timestamp() or customer.net_terms_status == NetTermsStatus.ENROLLMENT_EXPIRED:
        return EnrollmentLink("expired", customer)
    current = customer.net_terms_enrollment_expires_at
    if (
        customer.net_terms_status == NetTermsStatus.PENDING_ENROLLMENT
        and current
        and int(current.timestamp()) != expires
    ):
        return EnrollmentLink("invalid")
    refusal = enrollment_refusal(customer, now=now)
    if refusal is not None:
        return EnrollmentLink("expired" if refusal.code == "enrollment_expired" else "unavailable", customer)
    return EnrollmentLink("open", customer)
