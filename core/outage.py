"""Circuit breakers for the services a request can do without for a while: the Celery broker (work is kept in the
database and swept to the broker later) and the cache (the rate limiter and the sign-in throttle let requests
through). After one failure, callers in this process skip the service for a few seconds instead of each waiting
for its own timeout: with Redis hung rather than down, every attempt costs a full socket timeout."""

import time


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


BROKER = Breaker("broker", 10.0)
CACHE = Breaker("cache", 10.0)
