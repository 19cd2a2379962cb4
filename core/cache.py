"""The default cache's own Redis client, for what Django's cache API would do in two round trips or with a new
client object per call (`RedisCache.get` builds one, response-callback table included, every time)."""

from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from redis import Redis


def redis_client() -> Redis | None:
    """The backend's client, on its own connection pool (no second pool); None when the cache is not Redis (the
    embedded default's in-process cache)."""
    cache = caches["default"]  # the backend itself: `django.core.cache.cache` is a proxy
    if not isinstance(cache, RedisCache):
        return None
    client = getattr(cache, "_raw_client", None)
    if client is None:
        client = cache._raw_client = cache._cache.get_client(write=True)
    return client


def redis_key(key: str) -> str:
    """`key` as the cache stores it (prefix and version), so Django's cache API and the raw client agree."""
    return caches["default"].make_key(key)
