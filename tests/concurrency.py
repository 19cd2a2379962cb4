"""Races made to happen, not hoped for: calls in threads of their own (each with its own database connection) that
have all read what they read before the first of them may write.

`queued_behind(model, pk, calls)` holds a row lock while the calls start, one at a time in the given order, and
waits until each one is waiting on a lock before starting the next; then it lets go. Every call has passed its
unlocked reads (an API view's "does it exist?") by then, which is the window real races hit only sometimes."""

import threading
import time
from collections.abc import Callable

from django.db import connection, transaction


def _lock_waiters() -> int:
    """Backends of this database waiting for a lock (a fresh look: a transaction otherwise sees one snapshot)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def _wait_for_waiters(count: int, threads: list[threading.Thread], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while _lock_waiters() < count:
        if not all(thread.is_alive() for thread in threads):
            return  # one finished without waiting (refused before it reached the lock): nothing more will queue
        if time.monotonic() > deadline:
            raise AssertionError(f"fewer than {count} calls are waiting on the lock after {timeout} s")
        time.sleep(0.01)


def run_in_threads(
    calls: list[Callable],
    *,
    started: Callable[[int, list[threading.Thread]], None] | None = None,
    all_started: Callable[[], None] | None = None,
) -> list:
    """Each call in its own thread and connection; the results (or the exceptions raised) in the calls' order.
    `started(index, threads)` runs after each thread starts, `all_started()` once they all have."""
    outcomes: list = [None] * len(calls)

    def run(index: int, call: Callable) -> None:
        try:
            outcomes[index] = call()
        except Exception as error:  # the test judges it
            outcomes[index] = error
        finally:
            connection.close()

    threads = []
    for index, call in enumerate(calls):
        thread = threading.Thread(target=run, args=(index, call))
        threads.append(thread)
        thread.start()
        if started is not None:
            started(index, threads)
    if all_started is not None:
        all_started()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a call did not finish within 120 s"
    return outcomes


def queued_behind(model, pk: str, calls: list[Callable]) -> list:
    """Run `calls` at once, each queued (in order) behind a lock on `model`'s row `pk` held until all are queued."""
    release = threading.Event()
    holding = threading.Event()

    def hold() -> None:
        try:
            with transaction.atomic():
                model.objects.select_for_update().get(pk=pk)
                holding.set()
                release.wait(timeout=120)
        finally:
            connection.close()

    holder = threading.Thread(target=hold)
    holder.start()
    assert holding.wait(timeout=30), "could not lock the row"
    try:
        return run_in_threads(
            calls, started=lambda index, threads: _wait_for_waiters(index + 1, threads), all_started=release.set
        )
    finally:
        release.set()
        holder.join(timeout=30)
