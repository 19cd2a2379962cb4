"""Per-client rate limiting: a fixed window counter in the cache, one Redis round trip per request.

`API_RATE_LIMIT` requests per `API_RATE_LIMIT_WINDOW` seconds per API key or OAuth client. Every authenticated
response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix time at which the
window resets); a refused one is a 429 `too_many_requests` with an integer `Retry-After`. If the cache is down,
requests are let through: the limiter protects the service, it must not take it down."""

import logging
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from core.api.clients import ApiClient
from core.cache import redis_client, redis_key
from core.outage import CACHE

logger = logging.getLogger("core.api")


@dataclass(frozen=True, slots=True)
class RateLimitState:
    limit: int
    remaining: int
    reset: int  # Unix time
    allowed: bool

    def headers(self) -> dict[str, str]:
        return {
            "X-RateLimit-Limit": str(self.limit),
            "X-RateLimit-Remaining": str(self.remaining),
            "X-RateLimit-Reset": str(self.reset),
        }


def _hit(key: str, window: int) -> int:
    """Count one request in this window's counter and return the count."""
    client = redis_client()
    if client is not None:
        # Django's cache API would need two round trips (add, then incr); a pipeline sends both at once.
        full_key = redis_key(key)
        pipe = client.pipeline(transaction=False)
        pipe.set(full_key, 0, ex=window + 1, nx=True)
        pipe.incr(full_key)
        return int(pipe.execute()[1])
    cache = caches["default"]
    cache.add(key, 0, window + 1)
    return cache.incr(key)


def rate_limit_hit(client_id: str, *, limit: int, window: int) -> RateLimitState | None:
    now = time.time()
    window_start = int(now // window * window)
    count = CACHE.attempt(
        lambda: _hit(f"ratelimit:{client_id}:{window_start}", window),
        log=logger,
        warning="rate limiter unavailable; letting requests through for a few seconds",
    )
    if count is None:
        return None
    return RateLimitState(
        limit=limit, remaining=max(0, limit - count), reset=window_start + window, allowed=count <= limit
    )


class ClientRateThrottle(BaseThrottle):
    """DRF throttle keyed on the authenticated client; public endpoints are keyed on the caller's address."""

    def allow_request(self, request, view) -> bool:
        limit, window = settings.API_RATE_LIMIT, settings.API_RATE_LIMIT_WINDOW
        client = request.auth
        identity = client.id if isinstance(client, ApiClient) else f"ip:{self.get_ident(request)}"
        state = rate_limit_hit(identity, limit=limit, window=window)
        view.rate_limit = state
        if state is None:
            return True
        self._wait = max(1, math.ceil(state.reset - time.time()))
        return state.allowed

    def wait(self) -> float:
        return self._wait
