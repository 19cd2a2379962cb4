"""Sign-in throttling for the staff UI and the Django admin.

Failed sign-ins are counted in the cache per (username, client address) and per client address over every username,
each in a window starting at its first failure (LOGIN_FAILURE_WINDOW_SECONDS). Past LOGIN_FAILURES_PER_USER_AND_IP,
or LOGIN_FAILURES_PER_IP, further attempts are refused without checking the password (so they cost no hashing
either) until the window ends; a successful sign-in clears its (username, address) counter. Per address rather than
per username alone, so an attacker cannot lock a colleague out by failing on their name from elsewhere.

A counter in the cache rather than django-axes: axes keeps an attempt log in the database and needs its own
authentication backend and middleware (which change how `authenticate()` and test logins must be called); the two
sign-in forms here need a few lines. If the cache is down, sign-ins are not throttled (and a warning is logged):
the throttle must not lock every member of staff out during a Redis outage."""

import hashlib
import logging

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ValidationError
from rest_framework.throttling import BaseThrottle

from core.outage import CACHE

logger = logging.getLogger(__name__)

THROTTLED_CODE = "too_many_attempts"


def client_address(request) -> str:
    """The caller's address: REMOTE_ADDR, or X-Forwarded-For behind NUM_PROXIES trusted proxies (DRF's rule, shared
    with the API's rate limiter)."""
    return BaseThrottle().get_ident(request)


def _keys(username: str, address: str) -> tuple[str, str]:
    # Hashed: a username is user input, and cache keys must be short and plain.
    user = hashlib.sha256(f"{username.strip().casefold()}\n{address}".encode()).hexdigest()
    return f"login-failures:user-ip:{user}", f"login-failures:ip:{hashlib.sha256(address.encode()).hexdigest()}"


def _limits() -> tuple[int, int]:
    return settings.LOGIN_FAILURES_PER_USER_AND_IP, settings.LOGIN_FAILURES_PER_IP


def login_throttled(username: str, address: str) -> bool:
    counts = CACHE.attempt(
        lambda: cache.get_many(_keys(username, address)),
        log=logger,
        warning="sign-in throttle unavailable (cache error); not throttling",
    )
    if counts is None:
        return False
    user_ip_key, ip_key = _keys(username, address)
    per_user_ip, per_ip = _limits()
    return counts.get(user_ip_key, 0) >= per_user_ip or counts.get(ip_key, 0) >= per_ip


def login_failure_record(username: str, address: str) -> None:
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS

    def count():
        for key in _keys(username, address):
            # add() starts the window at the first failure; incr() keeps the key's expiry.
            cache.add(key, 0, window)
            cache.incr(key)

    CACHE.attempt(count, log=logger, warning="sign-in throttle unavailable (cache error); failure not counted")


def login_success_record(username: str, address: str) -> None:
    CACHE.attempt(
        lambda: cache.delete(_keys(username, address)[0]),
        log=logger,
        warning="sign-in throttle unavailable (cache error)",
    )


class ThrottledLoginMixin:
    """For an AuthenticationForm: refuse throttled callers before authenticating, count failures, clear on success."""

    error_messages = {
        THROTTLED_CODE: "Too many failed sign-in attempts. Wait %(minutes)d minutes, then try again.",
    }

    def clean(self):
        username = str(self.data.get("username", ""))
        address = client_address(self.request)
        if login_throttled(username, address):
            logger.warning("sign-in refused: too many failures for this username and address (%s)", address)
            raise ValidationError(
                self.error_messages[THROTTLED_CODE],
                code=THROTTLED_CODE,
                params={"minutes": settings.LOGIN_FAILURE_WINDOW_SECONDS // 60},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            login_failure_record(username, address)
            raise
        login_success_record(username, address)
        return cleaned

    @property
    def throttled(self) -> bool:
        return any(error.code == THROTTLED_CODE for error in self.errors.as_data().get("__all__", []))


class StaffLoginForm(ThrottledLoginMixin, AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, **ThrottledLoginMixin.error_messages}


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    error_messages = {**AdminAuthenticationForm.error_messages, **ThrottledLoginMixin.error_messages}
