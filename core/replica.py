"""Reads that a streaming replica may serve (DATABASES["replica"], from DATABASE_REPLICA_URL), and the router that
sends them there.

Only reads that tolerate seconds of lag opt in, explicitly: a function decorated with `replica_read` (the staff
dashboard's aggregates, the review queue's counts) or a queryset evaluated with `replica_rows` (each chunk of the
CSV export). Every other read goes to the primary, and so do these when:
- no replica is configured (the embedded SQLite default, the normal test run);
- this request or task has written already, or is inside a transaction: a read that follows a write must see it;
- the replica is down, or further behind than DATABASE_REPLICA_MAX_LAG_SECONDS. Each process measures the lag with
  pg_last_xact_replay_timestamp() at most every DATABASE_REPLICA_CHECK_SECONDS (every five such periods while the
  replica is unusable);
- the replica fails during the read (stopped, a recovery conflict): the read runs again on the primary, and the
  replica rests until its next check.
A write made with raw SQL outside a transaction is not seen by the router: do not follow one with a replica read.
"""

import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from functools import wraps

from celery.signals import task_prerun
from django.conf import settings
from django.core.signals import request_started
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import Model, QuerySet

logger = logging.getLogger(__name__)

REPLICA = "replica"
# How far the replica is behind: nothing when it has replayed all the WAL the primary had inserted just before (an idle
# primary commits nothing, so the last replayed commit's age says nothing then), else the age of the last commit it
# replayed (unknown, so too old, when it has replayed none since it started). NULL when it is no replica at all
# (promoted, or pointed at a primary).
_LAG_SQL = """
SELECT CASE
    WHEN NOT pg_is_in_recovery() THEN NULL
    WHEN pg_last_wal_replay_lsn() >= %s::pg_lsn THEN 0
    ELSE COALESCE(EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 'Infinity')
END
"""


class _Read:
    """A read opted into the replica, while it runs: whether any of its queries went there."""

    served_by_replica = False


_reading: ContextVar[_Read | None] = ContextVar("replica_read", default=None)
_wrote: ContextVar[bool] = ContextVar("primary_written", default=False)


@dataclass(frozen=True)
class ReplicaState:
    usable: bool
    reason: str  # ok, lagging, unreachable, not_a_replica, failed_during_read
    lag_seconds: float | None
    checked_at: float  # time.monotonic()


class ReplicaHealth:
    """This process's latest view of the replica, refreshed by whichever thread first finds it stale; the others go on
    with the stale view meanwhile rather than wait (a check of an unreachable host takes the connect timeout)."""

    def __init__(self) -> None:
        self._state: ReplicaState | None = None
        self._lock = threading.Lock()

    def state(self) -> ReplicaState:
        state = self._state
        if state is not None and time.monotonic() - state.checked_at < self._interval(state):
            return state
        if not self._lock.acquire(blocking=state is None):
            return state
        try:
            state = self._state
            if state is None or time.monotonic() - state.checked_at >= self._interval(state):
                state = self._state = self._check()
            return state
        finally:
            self._lock.release()

    def mark_failed(self, error: Exception) -> None:
        logger.warning("replica failed during a read, reading the primary instead: %s", error)
        self._state = ReplicaState(False, "failed_during_read", None, time.monotonic())

    def forget(self) -> None:
        self._state = None

    @staticmethod
    def _interval(state: ReplicaState) -> float:
        return settings.DATABASE_REPLICA_CHECK_SECONDS * (1 if state.usable else 5)

    def _check(self) -> ReplicaState:
        previous = self._state
        try:
            with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
                cursor.execute("SELECT pg_current_wal_insert_lsn()::text")
                (primary_lsn,) = cursor.fetchone()
            with connections[REPLICA].cursor() as cursor:
                cursor.execute(_LAG_SQL, [primary_lsn])
                (lag,) = cursor.fetchone()
        except DatabaseError as error:
            state = ReplicaState(False, "unreachable", None, time.monotonic())
            if previous is None or previous.reason != state.reason:
                logger.warning("replica check failed, reading the primary instead: %s", error)
            connections[REPLICA].close_if_unusable_or_obsolete()
            return state
        if lag is None:
            state = ReplicaState(False, "not_a_replica", None, time.monotonic())
        else:
            lag = float(lag)
            usable = lag <= settings.DATABASE_REPLICA_MAX_LAG_SECONDS
            state = ReplicaState(usable, "ok" if usable else "lagging", lag, time.monotonic())
        if previous is None or previous.reason != state.reason:
            log = logger.info if state.usable else logger.warning
            log("replica %s (lag %s s)", state.reason, state.lag_seconds)
        return state


HEALTH = ReplicaHealth()


def replica_configured() -> bool:
    return REPLICA in connections.settings


class ReplicaRouter:
    """DATABASE_ROUTERS: reads go to the replica only inside `replica_read` / `replica_rows`, when it may serve them;
    everything else, writes first, goes to the primary. A write pins the rest of its request or task to the primary.
    """

    def db_for_read(self, model: type[Model], **hints) -> str:
        read = _reading.get()
        if (
            read is None
            or _wrote.get()
            or connections[DEFAULT_DB_ALIAS].in_atomic_block
            or not replica_configured()
            or not HEALTH.state().usable
        ):
            return DEFAULT_DB_ALIAS
        read.served_by_replica = True
        return REPLICA

    def db_for_write(self, model: type[Model], **hints) -> str:
        _wrote.set(True)
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Model, obj2: Model, **hints) -> bool | None:
        # The replica holds the primary's rows: an object read there may be assigned to one written here.
        return True if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA} else None

    def allow_migrate(self, db: str, app_label: str, **hints) -> bool | None:
        return False if db == REPLICA else None


def replica_read[**P, T](read: Callable[P, T]) -> Callable[P, T]:
    """Decorates a read-only function whose answer may be a few seconds old: its queries go to the replica when it
    may serve them. If the replica fails meanwhile, the function runs again on the primary. It must evaluate what it
    reads before returning (a lazy queryset returned would be evaluated outside, on the primary)."""

    @wraps(read)
    def on_replica(*args: P.args, **kwargs: P.kwargs) -> T:
        if _reading.get() is not None or not replica_configured():
            return read(*args, **kwargs)
        replica = connections[REPLICA]
        if replica.errors_occurred:
            # Broken by an earlier read or check: closed here (if it is), so its errors are not taken for this read's.
            replica.close_if_unusable_or_obsolete()
        state = _Read()
        token = _reading.set(state)
        try:
            return read(*args, **kwargs)
        except DatabaseError as error:
            # Django flags a connection on which anything but a data or integrity error occurred. Otherwise the error
            # is the read's own (bad data, a timeout on the primary) and the primary would answer the same.
            if not (state.served_by_replica and replica.errors_occurred):
                raise
            HEALTH.mark_failed(error)
            replica.close_if_unusable_or_obsolete()
        finally:
            _reading.reset(token)
        return read(*args, **kwargs)

    return on_replica


@replica_read
def replica_rows[M: Model](queryset: QuerySet[M]) -> list[M]:
    """The queryset's rows, read on the replica when it may serve them (else, or if it fails, on the primary)."""
    return list(queryset)


def _forget_writes(**kwargs) -> None:
    _wrote.set(False)


# Each request and each task starts unpinned: only a write of its own sends its later reads to the primary.
request_started.connect(_forget_writes, dispatch_uid="core.replica.forget_writes")
task_prerun.connect(_forget_writes, dispatch_uid="core.replica.forget_writes", weak=False)
