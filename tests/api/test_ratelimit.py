import time
import uuid

import pytest
import redis
from django.test import Client, override_settings

from core.api import ratelimit
from core.outage import CACHE
from tests.api.conftest import Api, make_api_key

pytestmark = pytest.mark.django_db

WINDOW_START = int(time.time() // 60 * 60)


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch):
    """Requests of one test fall in one window, whenever the test runs."""
    monkeypatch.setattr(ratelimit.time, "time", lambda: WINDOW_START + 15.2)


def test_responses_carry_the_rate_limit_headers(api):
    first, second = api.get("customers"), api.get("customers")
    assert (first["X-RateLimit-Limit"], first["X-RateLimit-Remaining"]) == ("1200", "1199")
    assert second["X-RateLimit-Remaining"] == "1198"
    assert first["X-RateLimit-Reset"] == str(WINDOW_START + 60)


@override_settings(API_RATE_LIMIT=2)
def test_over_the_limit_is_429_with_an_integer_retry_after(api):
    assert [api.get("customers").status_code for _ in range(2)] == [200, 200]
    response = api.get("customers")
    assert response.status_code == 429
    assert response.json()["error"]["code"] == "too_many_requests"
    assert response["Retry-After"] == "45"
    assert response["X-RateLimit-Remaining"] == "0"


@override_settings(API_RATE_LIMIT=1)
def test_the_limit_is_per_client(api):
    assert api.get("customers").status_code == 200
    assert api.get("customers").status_code == 429
    assert Api(make_api_key(name="another")).get("customers").status_code == 200


def test_the_rate_limit_is_one_redis_round_trip(api, monkeypatch):
    api.get("customers")  # connection set up
    round_trips = []
    for cls, name in ((redis.Redis, "execute_command"), (redis.client.Pipeline, "execute")):
        original = getattr(cls, name)

        def counted(self, *args, _original=original, _name=name, **kwargs):
            round_trips.append(_name)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(cls, name, counted)
    api.get("customers")
    # The key generation (core.api.key_cache, instead of a database read of the key), then the rate limit's pipeline.
    assert round_trips == ["execute_command", "execute"]


def test_requests_pass_when_the_cache_is_down(api, monkeypatch):
    def down(key, window):
        raise ConnectionError("redis is down")

    monkeypatch.setattr(ratelimit, "_hit", down)
    response = api.get("customers")
    assert response.status_code == 200
    assert "X-RateLimit-Limit" not in response


def test_after_a_cache_failure_the_limiter_skips_the_cache_for_a_while(api, monkeypatch):
    calls = []

    def down(key, window):
        calls.append(key)
        raise TimeoutError("redis does not answer")

    monkeypatch.setattr(ratelimit, "_hit", down)
    for _ in range(3):
        assert api.get("customers").status_code == 200
    # One wait for the timeout, not one per request (core.outage.CACHE).
    assert len(calls) == 1


def test_the_limiter_uses_the_cache_again_once_the_pause_is_over(api, monkeypatch):
    monkeypatch.setattr(CACHE, "pause_seconds", 0.2)
    with monkeypatch.context() as patched:
        patched.setattr(ratelimit, "_hit", lambda key, window: (_ for _ in ()).throw(TimeoutError("hung")))
        assert "X-RateLimit-Limit" not in api.get("customers")
    time.sleep(0.3)
    assert api.get("customers")["X-RateLimit-Limit"] == "1200"


@override_settings(API_RATE_LIMIT=2)
def test_the_token_endpoint_is_limited_per_address_whatever_x_forwarded_for_says():
    # DRF's default (NUM_PROXIES None) counted a public caller under its own X-Forwarded-For header, so a client
    # guessing secrets could send a new one with every request and never be limited.
    client = Client(REMOTE_ADDR=f"2001:db8::{uuid.uuid4().hex[:4]}")
    statuses = [
        client.post(
            "/api/v1/oauth/token",
            "grant_type=client_credentials",
            content_type="application/x-www-form-urlencoded",
            headers={"X-Forwarded-For": f"203.0.113.{number}"},
        ).status_code
        for number in range(3)
    ]
    assert statuses == [401, 401, 429]
