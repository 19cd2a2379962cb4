"""Signed, expiring net-terms enrollment links. The link is derived (customer id + expiry, signed with the
SECRET_KEY), so nothing secret is stored and the URL is stable for as long as it is valid."""

from django.conf import settings
from django.core import signing

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
