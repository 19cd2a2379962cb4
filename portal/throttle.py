"""Rate limits of the sign-in page: every request for a link counts, per address asked for and per client address
(the staff sign-in throttle's `client_address`), in a window starting at the first request. Past
PORTAL_SIGN_IN_PER_EMAIL or PORTAL_SIGN_IN_PER_IP the page answers 429 and nothing is sent, whether or not the
address belongs to anyone (so the limit tells nothing about accounts either). If the cache is down, requests are let
through (and a warning logged), as the staff throttle does."""

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache

from core.outage import CACHE

logger = logging.getLogger(__name__)


def _keys(email: str, address: str) -> tuple[str, str]:
    # Hashed: both are user input, and cache keys must be short and plain.
    per_email = hashlib.sha256(email.strip().casefold().encode()).hexdigest()
    per_ip = hashlib.sha256(address.encode()).hexdigest()
    return f"portal-sign-in:email:{per_email}", f"portal-sign-in:ip:{per_ip}"


def sign_in_request_allowed(email: str, address: str) -> bool:
    """Count this request for a link; False when the address or the client has asked too often in the window."""
    window = settings.PORTAL_SIGN_IN_WINDOW_SECONDS

    def count() -> list[int]:
        counts = []
        for key in _keys(email, address):
            cache.add(key, 0, window)  # starts the window; incr keeps the key's expiry
            counts.append(cache.incr(key))
        return counts

    counts = CACHE.attempt(count, log=logger, warning="portal sign-in limit unavailable (cache error); not limiting")
    if counts is None:
        return True
    per_email, per_ip = counts
    return per_email <= settings.PORTAL_SIGN_IN_PER_EMAIL and per_ip <= settings.PORTAL_SIGN_IN_PER_IP
