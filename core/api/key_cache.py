"""API keys, once read from the database, kept in the process: a request with a key this process has seen costs one
small Redis read instead of a database query (a third of the time, and no connection health check before it).

A kept key is trusted only while the cache's *key generation* is the one it was read under. Revoking a key draws a
new generation, at once and again when the revocation commits, so every process reads the key again, and finds it
revoked, on its next request. When the cache cannot say (Redis down, or the embedded default's in-process cache,
which other processes do not share), nothing kept is trusted: every request reads the database, as it would without
this module. And a kept key is read again after `MAX_AGE` whatever the generation, which bounds what a revocation
made while Redis was unreachable could leave behind."""

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime

from django.db import transaction

from core.api.clients import ApiClient
from core.cache import redis_client, redis_key
from core.outage import CACHE

logger = logging.getLogger(__name__)

GENERATION_KEY = "api-keys:generation"
MAX_AGE = 60.0  # seconds
MAX_KEPT = 10_000


@dataclass(slots=True)
class Kept:
    client: ApiClient
    last_used_at: datetime | None
    generation: str | None  # None: read while the cache could not say, so never kept
    read_at: float = field(default_factory=time.monotonic)


_kept: dict[str, Kept] = {}


def generation() -> str | None:
    """The current key generation ("" before any revocation), or None when the cache cannot say."""
    client = redis_client()
    if client is None:
        return None
    value = CACHE.attempt(
        lambda: client.get(redis_key(GENERATION_KEY)) or b"",
        log=logger,
        warning="cache unavailable; API keys are read from the database for a few seconds",
    )
    return None if value is None else value.decode()


def trusted(key_hash: str, current_generation: str | None) -> Kept | None:
    kept = _kept.get(key_hash)
    if kept is None or current_generation is None:
        return None
    if kept.generation != current_generation or time.monotonic() - kept.read_at > MAX_AGE:
        _kept.pop(key_hash, None)  # another thread may have dropped it already
        return None
    return kept


def keep(key_hash: str, kept: Kept) -> Kept:
    if kept.generation is not None:
        if len(_kept) >= MAX_KEPT:
            _kept.clear()
        _kept[key_hash] = kept
    return kept


def forget_all() -> None:
    """Call inside the transaction that revokes a key: this process forgets its keys now, every process once the
    revocation commits (a generation drawn before the commit could be read alongside the unrevoked row)."""
    _new_generation()
    transaction.on_commit(_new_generation)


def _new_generation() -> None:
    _kept.clear()
    client = redis_client()
    if client is None:
        return
    warning = f"cache unavailable; other processes may trust a revoked key for up to {MAX_AGE:.0f} s"
    if CACHE.open:
        logger.warning(warning)
    CACHE.attempt(lambda: client.set(redis_key(GENERATION_KEY), uuid.uuid4().hex), log=logger, warning=warning)
