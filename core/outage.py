"""Circuit breakers for the services a request can do without for a while: the Celery broker (work is kept in the
database and swept to the broker later) and the cache (the rate limiter and the sign-in throttle let requests
through). After one failure, callers in this process skip the service for a few seconds instead of each waiting
for its own timeout: with Redis hung rather than down, every attempt costs a full socket timeout."""

import logging
import time
from collections.abc import Callable
from typing import Any

from kombu.exceptions import KombuError
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class Breaker:
    def __init__(self, name: str, pause_seconds: float) -> None:
        self.name = name
        self.pause_seconds = pause_seconds
        self._until = 0.0

    @property
    def open(self) -> bool:
        """True while callers should not even try."""
        return time.monotonic() < self._until

    def trip(self) -> None:
        self._until = time.monotonic() + self.pause_seconds

    def reset(self) -> None:
        self._until = 0.0

    def attempt(self, operation: Callable[[], Any], *, log: logging.Logger, warning: str, failed: Any = None) -> Any:
        """`operation()`, for a caller that can do without the service: `failed` at once while it is known to be
        down, and if the operation raises, the breaker is tripped, `warning` logged on the caller's logger and
        `failed` returned."""
        if self.open:
            return failed
        try:
            return operation()
        except Exception:
            self.trip()
            log.warning(warning, exc_info=True)
            return failed


BROKER = Breaker("broker", 10.0)
CACHE = Breaker("cache", 10.0)


# What publishing a task raises when the broker is down or unreachable.
BROKER_ERRORS = (KombuError, RedisError, OSError)


def publish(task, *args, **options) -> bool:
    """Publish a Celery task without retries: False when the broker refuses it (the breaker is then tripped) or, at
    once, while it is known to be down. The caller keeps the work in the database for its sweep (or does it itself).
    Errors other than the broker's (a task run in process failing) propagate."""
    if BROKER.open:
        return False
    try:
        task.apply_async(args=args, retry=False, **options)
    except BROKER_ERRORS as error:
        BROKER.trip()
        logger.warning("%s not published, broker unavailable: %s", task.name, error)
        return False
    return True
