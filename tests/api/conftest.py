import json as jsonlib

import pytest
from django.test import Client

from core.models import Scope
from core.services import api_key_create
from tests.webhooks.conftest import receiver, verify_signature  # noqa: F401 - the loopback receiver, reused


class Api:
    """A test client speaking to /api/v1 with a bearer token (or none)."""

    def __init__(self, token: str | None = None):
        self.client = Client()
        self.token = token

    def request(self, method: str, path: str, json=None, *, headers: dict | None = None, **params):
        headers = dict(headers or {})
        if self.token is not None:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        url = path if path.startswith(("/", "http://")) else f"/api/v1/{path}"
        if json is not None:
            return self.client.generic(
                method, url, jsonlib.dumps(json).encode(), content_type="application/json", headers=headers
            )
        if method in ("GET", "HEAD", "DELETE") and params:
            return getattr(self.client, method.lower())(url, data=params, headers=headers)
        # No body at all, as `curl -X POST` sends it.
        return self.client.generic(method, url, b"", headers=headers)

    def get(self, path, **params):
        return self.request("GET", path, **params)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json, **kwargs)

    def put(self, path, json=None, **kwargs):
        return self.request("PUT", path, json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.request("PATCH", path, json, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


def make_api_key(scopes=tuple(Scope.values), name="tests") -> str:
    return api_key_create(name=name, scopes=list(scopes))[1]


@pytest.fixture
def api(db) -> Api:
    """Authenticated with an API key holding every scope."""
    return Api(make_api_key())


@pytest.fixture
def warm_api(api) -> Api:
    """`api` after one request: a key's first use reads it from the database (later ones trust this process's copy,
    core.api.key_cache) and writes last_used_at once; query counts leave that out."""
    api.get("customers")
    return api


@pytest.fixture
def anonymous() -> Api:
    return Api()


@pytest.fixture(scope="module")
def schema(django_db_blocker) -> dict:
    """The OpenAPI document as the server serves it."""
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()
