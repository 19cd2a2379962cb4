"""core.api.key_cache: a key this process has seen is not read from the database again, and a revocation is seen
at once, here and (through the key generation in Redis) in every other process; without Redis, every request reads
the database."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.api import key_cache
from core.cache import redis_client, redis_key
from core.outage import CACHE
from core.services import api_key_create, api_key_revoke
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


def key_reads(api: Api) -> tuple[int, int]:
    """(status, database reads of core_apikey) of one request."""
    with CaptureQueriesContext(connection) as queries:
        status = api.get("customers").status_code
    return status, sum('FROM "core_apikey"' in query["sql"] for query in queries.captured_queries)


@pytest.fixture
def key():
    api_key, raw = api_key_create(name="cached", scopes=["customers:read"])
    return api_key, Api(raw)


def test_a_key_is_read_from_the_database_once(key):
    _, api = key
    assert key_reads(api) == (200, 1)
    assert key_reads(api) == (200, 0)
    assert key_reads(api) == (200, 0)


def test_a_revoked_key_is_refused_on_the_next_request(key):
    api_key, api = key
    assert key_reads(api) == (200, 1)
    api_key_revoke(api_key=api_key)
    response = api.get("customers")
    assert response.status_code == 401
    assert response.json()["error"]["detail"] == "This API key has been revoked."


def test_a_new_key_generation_makes_every_process_read_its_keys_again(key):
    """What another process's revocation does here: the row changes, then the generation (on its commit)."""
    api_key, api = key
    assert key_reads(api) == (200, 1)
    type(api_key).objects.filter(pk=api_key.pk).update(revoked_at=api_key.created_at)
    assert key_reads(api) == (200, 0)  # the kept copy, until the generation says otherwise
    redis_client().set(redis_key(key_cache.GENERATION_KEY), "drawn-by-another-process")
    assert api.get("customers").status_code == 401


def test_a_revocation_draws_a_new_generation_when_it_commits(key, django_capture_on_commit_callbacks):
    api_key, _ = key
    before = key_cache.generation()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        api_key_revoke(api_key=api_key)
    drawn_at_once = key_cache.generation()
    assert drawn_at_once != before
    for callback in callbacks:
        callback()
    assert key_cache.generation() not in (before, drawn_at_once)


def test_without_the_cache_every_request_reads_the_database(key):
    _, api = key
    assert key_reads(api) == (200, 1)
    CACHE.trip()
    assert key_reads(api) == (200, 1)
    assert key_reads(api) == (200, 1)


def test_a_kept_key_is_read_again_after_max_age(key, monkeypatch):
    _, api = key
    assert key_reads(api) == (200, 1)
    monkeypatch.setattr(key_cache, "MAX_AGE", -1.0)
    assert key_reads(api) == (200, 1)


def test_unknown_and_revoked_keys_are_never_kept(key):
    api_key, api = key
    api_key_revoke(api_key=api_key)
    assert key_reads(api) == (401, 1)
    assert key_reads(api) == (401, 1)
    assert key_reads(Api("cdk_unknown")) == (401, 1)
