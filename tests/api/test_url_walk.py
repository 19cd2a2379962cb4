"""Walks the whole URLconf: every route under /api/v1, including routes added after this test was written, must
refuse a request without credentials (401) and a token without the scope its method needs (403)."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from core.api.auth import required_scope
from core.api.views import ApiView
from core.models import Scope
from tests.api.conftest import Api, make_api_key

pytestmark = pytest.mark.django_db

API_PREFIX = "api/v1/"
# Routes meant to be reached without credentials, by URL name. Adding one here is a reviewed decision.
PUBLIC = {"api-oauth-token", "api-schema", "api-docs"}
METHODS = ("get", "post", "put", "patch", "delete")


def walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def api_routes() -> list[tuple[str, URLPattern]]:
    return [(route, entry) for route, entry in walk(get_resolver().url_patterns) if route.startswith(API_PREFIX)]


def concrete_path(route: str) -> str:
    """`customers/<str:customer_id>` → `/customers/customer_01jx…`: well-formed ids that match nothing."""
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda m: f"{m.group(1).removesuffix('_id')}_{'0' * 26}", route)


def protected_operations() -> list[tuple[str, str, str]]:
    operations = []
    for route, entry in api_routes():
        if entry.name in PUBLIC:
            continue
        view_class = getattr(entry.callback, "view_class", None)
        assert view_class is not None and issubclass(view_class, ApiView), f"/{route} is not an ApiView"
        for method in METHODS:
            if hasattr(view_class, method):
                operations.append((concrete_path(route), method.upper(), view_class))
    return operations


OPERATIONS = protected_operations()


def test_the_walk_finds_every_customers_operation():
    # Guards the walker itself: if it found nothing, the tests below would pass vacuously.
    assert len(OPERATIONS) >= 18
    assert {("/api/v1/customers", "GET"), ("/api/v1/customers", "POST")} <= {(p, m) for p, m, _ in OPERATIONS}


@pytest.mark.parametrize("path, method, view_class", OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
def test_every_operation_needs_credentials(path, method, view_class):
    response = Api().request(method, path, {} if method in ("POST", "PUT", "PATCH") else None)
    assert response.status_code == 401, f"{method} {path} answered {response.status_code} without credentials"
    assert response.json()["error"]["code"] == "authentication_missing"


@pytest.mark.parametrize("path, method, view_class", OPERATIONS, ids=[f"{m} {p}" for p, m, _ in OPERATIONS])
def test_every_operation_needs_its_scope(path, method, view_class):
    scope = required_scope(view_class, method)
    assert scope in Scope.values, f"{view_class.__name__} declares no scope for {method}"
    token = make_api_key([other for other in Scope.values if other != scope])
    response = Api(token).request(method, path, {} if method in ("POST", "PUT", "PATCH") else None)
    assert response.status_code == 403, f"{method} {path} answered {response.status_code} without {scope}"
    assert response.json()["error"]["code"] == "forbidden"


def test_every_listed_public_route_exists():
    assert {entry.name for _, entry in api_routes()} >= PUBLIC
