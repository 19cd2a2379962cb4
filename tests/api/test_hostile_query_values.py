"""Tampered cursors, ids and query values: a NUL, an unpaired surrogate inside an opaque cursor, an id of the wrong
shape or an oversize value is 400 `invalid_field` naming the parameter (a path id: 404), never a 500. Every list and
every documented parameter is found in the served schema, so an operation added later is covered too."""

import base64
import json
import re

import pytest
from django.apps import apps

from core.ids import PrefixedIdField, new_id
from core.text import MAX_QUERY_VALUE_CHARS
from tests.api.test_url_walk import api_routes
from tests.factories import CustomerFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

PREFIXES = sorted(
    {
        field.prefix
        for model in apps.get_models()
        for field in model._meta.fields
        if isinstance(field, PrefixedIdField) and field.primary_key
    }
)


def _operations(schema: dict) -> list[tuple[str, dict]]:
    """(path template, operation) of every GET."""
    return [(path, item["get"]) for path, item in schema["paths"].items() if "get" in item]


def _parameters(operation: dict) -> dict[str, dict]:
    return {parameter["name"]: parameter for parameter in operation.get("parameters", []) if parameter["in"] == "query"}


def _orderings(operation: dict) -> list[str]:
    """The fields a list sorts by, from its `order_by` pattern: `^((id|created_at)\\[(...)\\])?$`."""
    pattern = _parameters(operation)["order_by"]["schema"]["pattern"]
    return re.match(r"\^\(\(([^)]*)\)", pattern).group(1).replace("\\", "").split("|")


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.API_RATE_LIMIT = 1_000_000  # thousands of requests from one key, on purpose


@pytest.fixture
def concrete(db):
    """A path template filled with real parents (a customer, an endpoint); other ids match nothing, which does not
    matter: a query value is judged before any view looks at the path."""
    ids = {"customer_id": CustomerFactory().id, "endpoint_id": WebhookEndpointFactory().id}

    def path(template: str) -> str:
        return re.sub(r"\{(\w+)\}", lambda match: ids.get(match.group(1), "x_" + "0" * 26), template)

    return path


def _opaque(value, item_id) -> str:
    raw = json.dumps([value, item_id], ensure_ascii=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _list_prefix(api, path: str) -> str:
    """The id prefix of what a list holds: the one prefix whose well-formed id it takes as a cursor."""
    taking = [prefix for prefix in PREFIXES if api.get(path, after=new_id(prefix)).status_code == 200]
    assert len(taking) == 1, f"{path} takes cursors of {taking}"
    return taking[0]


def _tampered_cursors(prefix: str, orderings: list[str]) -> list[tuple[str, str]]:
    """(order_by, cursor) pairs that reached PostgreSQL before: ids and sort values no query can take."""
    cursors = [
        ("id[ASC]", f"{prefix}_\x00"),
        ("id[DESC]", f"{prefix}_{'0' * 25}\x00"),
        ("id[ASC]", f"{prefix}_" + "0" * MAX_QUERY_VALUE_CHARS),
    ]
    for field in orderings:
        if field == "id":
            continue
        value = "2026-01-01T00:00:00+00:00" if field.endswith("_at") else "Acme"
        for bad_id in (f"{prefix}_\x00", f"{prefix}_\ud800", f"{prefix}_{'0' * 26}\x00", f"{prefix}_{'0' * 25}"):
            cursors.append((f"{field}[ASC]", _opaque(value, bad_id)))
        if not field.endswith("_at"):
            for bad_value in ("a\x00b", "\ud800", "\udfff tail"):
                cursors.append((f"{field}[ASC]", _opaque(bad_value, new_id(prefix))))
    return cursors


def _assert_invalid_field(response, name: str, context: str) -> None:
    assert response.status_code == 400, f"{context}: {response.status_code} {response.content[:300]!r}"
    body = response.json()
    assert body["error"]["code"] == "invalid_field", context
    assert [error["field"] for error in body["error"]["errors"]] == [name], context


def test_the_schema_has_lists_to_try(schema):
    lists = [path for path, operation in _operations(schema) if "after" in _parameters(operation)]
    assert len(lists) >= 9
    assert "/api/v1/customers" in lists and "/api/v1/events" in lists


def test_tampered_cursors_on_every_list_are_400_invalid_field(api, schema, concrete):
    tried = 0
    for template, operation in _operations(schema):
        if "after" not in _parameters(operation):
            continue
        path = concrete(template)
        for order_by, cursor in _tampered_cursors(_list_prefix(api, path), _orderings(operation)):
            for name in ("after", "before"):
                response = api.get(path, **{name: cursor, "order_by": order_by})
                _assert_invalid_field(response, name, f"GET {template}?{name}={cursor[:40]!r}&order_by={order_by}")
                tried += 1
    assert tried > 100


def test_every_documented_query_parameter_refuses_nul_and_oversize_values(api, schema, concrete):
    for template, operation in _operations(schema):
        path = concrete(template)
        for name in _parameters(operation):
            for value in ("a\x00b", "\x00", "x" * (MAX_QUERY_VALUE_CHARS + 1)):
                response = api.get(path, **{name: value})
                _assert_invalid_field(response, name, f"GET {template}?{name}={value[:20]!r}")


def test_a_long_value_within_the_limit_is_read_as_usual(api):
    response = api.get("customers", search="x" * MAX_QUERY_VALUE_CHARS)
    assert response.status_code == 200
    assert response.json()["data"] == []


def test_an_undocumented_parameter_with_a_nul_is_refused_too(api):
    # Ignored when valid (docs/api.md), but no value anywhere may carry a NUL: one rule for every parameter.
    response = api.get("customers", utm_source="a\x00")
    _assert_invalid_field(response, "utm_source", "an undocumented parameter")


def test_a_nul_in_a_parameter_name_is_refused_without_naming_it(api):
    response = api.get("customers?a%00b=1")
    assert response.status_code == 400
    assert response.json()["error"]["errors"] == [
        {"field": None, "message": "A parameter name is not valid. Must not contain NUL characters."}
    ]


def test_cursors_handed_out_still_work_and_stay_short(api):
    names = ["\U0001f600" * 255, "\U0001f600" * 254 + "\U0001f601"]  # the longest names there can be
    ids = [CustomerFactory(name=name, legal_name="").id for name in names]
    first = api.get("customers", per_page=1, order_by="name[ASC]").json()
    cursor = first["meta"]["pagination"]["end_cursor"]
    assert len(cursor) < 1500
    second = api.get("customers", per_page=1, order_by="name[ASC]", after=cursor).json()
    assert [first["data"][0]["id"], second["data"][0]["id"]] == ids


# Percent-encoded as a client sends them: a NUL, and the bytes a lone surrogate would be in UTF-8 (not UTF-8 at all).
@pytest.mark.parametrize("bad_id", ["%00", "ctm_%00", "ctm_" + "0" * 25 + "%00", "%ED%A0%80", "ctm_%ED%A0%80"])
def test_path_ids_with_nul_or_surrogates_are_404_on_every_route(api, bad_id):
    routes = [route for route, _ in api_routes() if "<" in route]
    assert len(routes) >= 10
    for route in routes:
        path = "/" + re.sub(r"<(?:\w+:)?\w+>", bad_id, route)
        for method in ("GET", "DELETE", "POST", "PATCH"):
            response = api.request(method, path, {} if method in ("POST", "PATCH") else None)
            assert response.status_code in (404, 405), f"{method} {path!r}: {response.status_code}"
            assert response["Content-Type"] == "application/json; charset=utf-8"
