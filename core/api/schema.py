"""The OpenAPI 3.1 description (drf-spectacular), generated from the same declarations the server runs on:
scopes become security requirements, FilterSets become query parameters, and every operation lists the error
statuses the plumbing can answer with, plus the headers it always sends."""

import copy
import re
from collections import defaultdict

import django_filters
from django.conf import settings
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema

from core.api.auth import required_scope
from core.api.errors import ERROR_CODES
from core.api.serializers import ErrorResponse, OutputSerializer, StrictInputSerializer, envelope
from core.pagination import DEFAULT_PER_PAGE, MAX_PER_PAGE
from core.text import MAX_QUERY_VALUE_CHARS

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def api_operation(
    *,
    operation_id: str,
    summary: str,
    response=None,
    request=None,
    status: int = 200,
    paginated: bool = False,
    many: bool = False,
    filterset=None,
    ordering: tuple[str, ...] = (),
    errors: tuple[str, ...] = (),
    deprecated: bool = False,
    description: str | None = None,
    raw_response: bool = False,
):
    """Document a handler: its body serializer, its response (wrapped in the envelope unless `raw_response`; a
    keyset page when `paginated`, a whole list when `many`), its filters and the error codes it adds to the standard
    ones (by name, from `core.api.errors.ERROR_CODES`)."""
    unknown = set(errors) - set(ERROR_CODES)
    if unknown:
        raise ValueError(f"Unknown error codes {sorted(unknown)}: add them to core.api.errors.ERROR_CODES")
    parameters = []
    if filterset is not None:
        parameters += filterset_parameters(filterset)
    if paginated:
        parameters += pagination_parameters(ordering)
    if response is not None and not raw_response:
        response = envelope(response, many=paginated or many, paginated=paginated)
    responses = {status: response}

    def decorate(handler):
        handler.api_errors = tuple(errors)
        handler.api_query_names = frozenset(parameter.name for parameter in parameters)
        return extend_schema(
            operation_id=operation_id,
            summary=summary,
            description=description,
            request=request,
            responses=responses,
            parameters=parameters,
            deprecated=deprecated or None,
        )(handler)

    return decorate


def _csv_pattern(choices: list[str]) -> str:
    # Empty is allowed: the FilterSet treats `status=` as not given.
    alternatives = "|".join(re.escape(choice) for choice in choices)
    return rf"^(({alternatives})(,({alternatives}))*)?$"


def filterset_parameters(filterset_class) -> list[OpenApiParameter]:
    """One query parameter per filter of a django-filter FilterSet, typed as the filter parses it."""
    parameters = []
    for name, flt in filterset_class.base_filters.items():
        schema: dict = {"type": "string", "maxLength": MAX_QUERY_VALUE_CHARS}
        if isinstance(flt, django_filters.IsoDateTimeFilter):
            # Like every filter, an empty value means "not given".
            schema["anyOf"] = [{"format": "date-time"}, {"maxLength": 0}]
        elif isinstance(flt, django_filters.ChoiceFilter):
            choices = [str(value) for value, _ in flt.extra["choices"]]
            if isinstance(flt, django_filters.BaseInFilter):
                schema["pattern"] = _csv_pattern(choices)
            else:
                schema["enum"] = choices
        if getattr(flt, "openapi_pattern", None):  # a filter that validates its whole value with a regex
            schema["pattern"] = flt.openapi_pattern
        description = str(flt.extra.get("help_text") or "")
        parameters.append(OpenApiParameter(name, schema, OpenApiParameter.QUERY, description=description))
    return parameters


def _case_insensitive(word: str) -> str:
    return "".join(f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char) for char in word)


def pagination_parameters(ordering: tuple[str, ...]) -> list[OpenApiParameter]:
    per_page = {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE, "default": DEFAULT_PER_PAGE}
    cursor = {"type": "string", "maxLength": MAX_QUERY_VALUE_CHARS}
    fields = "|".join(re.escape(name) for name in ordering)
    # Empty means the default order.
    order_pattern = rf"^(({fields})\[({_case_insensitive('asc')}|{_case_insensitive('desc')})\])?$"
    return [
        OpenApiParameter("per_page", per_page, description="Items per page."),
        OpenApiParameter("limit", per_page, description="Alias of per_page."),
        OpenApiParameter("after", cursor, description="Items after this item id or cursor (`end_cursor`)."),
        OpenApiParameter("before", cursor, description="Items before this item id or cursor (`start_cursor`)."),
        OpenApiParameter(
            "order_by",
            {"type": "string", "pattern": order_pattern, "default": "id[ASC]"},
            description=f"One of {', '.join(ordering)}, then [ASC] or [DESC] (case-insensitive).",
        ),
    ]


_DIGITS = {"type": "string", "pattern": r"^\d+$"}
# Response headers, defined once under components/headers and referenced by every response that sends them.
RESPONSE_HEADERS = {
    "X-Request-ID": {"schema": {"type": "string"}, "required": True, "description": "This request's id."},
    "X-RateLimit-Limit": {"schema": _DIGITS, "description": "Requests allowed per window."},
    "X-RateLimit-Remaining": {"schema": _DIGITS, "description": "Requests left in this window."},
    "X-RateLimit-Reset": {"schema": _DIGITS, "description": "Unix time at which the window resets."},
    "Retry-After": {"schema": _DIGITS, "required": True, "description": "Seconds to wait before retrying."},
    "WWW-Authenticate": {"schema": {"type": "string"}, "required": True, "description": "The auth challenge."},
    "Deprecation": {"schema": {"type": "string"}, "required": True, "description": "RFC 9745 deprecation date."},
    "Idempotent-Replayed": {"schema": {"type": "string", "enum": ["true"]}, "description": "Set on a replay."},
}


def _refs(*names: str) -> dict:
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


class ApiAutoSchema(AutoSchema):
    """Adds to drf-spectacular's operation: scope-based security, standard error responses, response headers."""

    def _handler(self):
        return getattr(self.view, self.method.lower(), None)

    def get_tags(self) -> list[str]:
        return list(getattr(self.view, "openapi_tags", None) or super().get_tags())

    def get_auth(self) -> list[dict]:
        if self.view.public:
            return list(getattr(self.view, "openapi_security", []))
        scope = required_scope(self.view, self.method)
        return [{"bearerAuth": [scope]}, {"oauth2": [scope]}]

    def get_override_parameters(self):
        parameters = list(super().get_override_parameters())
        if self.method == "POST" and self.view.idempotent and not self.view.public:
            parameters.append(
                OpenApiParameter(
                    "Idempotency-Key",
                    {"type": "string", "minLength": 1, "maxLength": 255},
                    OpenApiParameter.HEADER,
                    description="Retries with the same key and body replay the first response for 24 hours.",
                )
            )
        return parameters

    def _map_basic_serializer(self, serializer, direction):
        schema = super()._map_basic_serializer(serializer, direction)
        if isinstance(serializer, StrictInputSerializer | OutputSerializer):
            schema["additionalProperties"] = False
        if not type(serializer).__dict__.get("__doc__"):
            schema.pop("description", None)  # not the base class's docstring
        return schema

    def _error_codes(self) -> list[str]:
        codes = ["internal_error", "service_unavailable", *getattr(self._handler(), "api_errors", ())]
        if not self.view.public:
            codes += ["authentication_missing", "authentication_malformed", "forbidden", "too_many_requests"]
        if "{" in self.path:
            codes.append("not_found")
        if self.method in BODY_METHODS:
            codes += ["bad_request", "invalid_field", "length_required", "request_too_large", "unsupported_media_type"]
        if self.method == "POST" and self.view.idempotent and not self.view.public:
            codes.append("idempotency_key_reused")
        # Any query parameter, documented or not, holding a NUL or over 2,048 characters (core.middleware).
        codes.append("invalid_field")
        # Answered by gunicorn, for any operation, before the request reaches Django (gunicorn.conf.py).
        codes += ["uri_too_long", "request_headers_too_large"]
        return list(dict.fromkeys(codes))

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        by_status: dict[int, list[str]] = defaultdict(list)
        for code in self._error_codes():
            by_status[ERROR_CODES[code][0]].append(code)
        error_ref = self.resolve_serializer(ErrorResponse, "response").ref
        for status, codes in sorted(by_status.items()):
            responses[str(status)] = {
                "description": " ".join(f"`{code}`: {ERROR_CODES[code][1]}" for code in codes),
                "content": {"application/json": {"schema": error_ref}},
                "headers": self._get_response_headers_for_code(str(status), direction),
            }
        return responses

    def _get_response_headers_for_code(self, status_code, direction="response"):
        headers = dict(super()._get_response_headers_for_code(status_code, direction))
        headers.update(_refs("X-Request-ID"))
        # 401/403 are answered before the rate limiter counts the request, 413 before anything reads it, 414 and 431 by
        # gunicorn before Django sees the request.
        if not self.view.public and status_code not in ("401", "403", "413", "414", "431"):
            headers.update(_refs("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"))
        if self.method == "POST" and self.view.idempotent and not self.view.public and status_code < "500":
            headers.update(_refs("Idempotent-Replayed"))
        if status_code in ("429", "503"):
            headers.update(_refs("Retry-After"))
        if status_code == "401":
            headers.update(_refs("WWW-Authenticate"))
        if status_code.startswith("2") and self.is_deprecated():
            headers.update(_refs("Deprecation"))
        return headers

    def get_serializer_name(self, serializer, direction):
        # CustomerOut documents what the API calls a Customer.
        return super().get_serializer_name(serializer, direction).removesuffix("Out")


SECURITY_SCHEMES = {
    "bearerAuth": {
        "type": "http",
        "scheme": "bearer",
        "description": "An API key (`cdk_…`, created by staff) or an access token from `POST /api/v1/oauth/token`.",
    },
    "oauth2": {
        "type": "oauth2",
        "flows": {"clientCredentials": {"tokenUrl": "/api/v1/oauth/token", "scopes": {}}},
    },
    "clientBasicAuth": {"type": "http", "scheme": "basic", "description": "`client_id:client_secret`."},
}

DESCRIPTION = """\
The customers & credit back office's REST API. JSON only; every path is under `/api/v1`, without a trailing slash.

**Authentication.** `Authorization: Bearer <token>`: an API key created by staff, or an OAuth2 access token from
`POST /api/v1/oauth/token` (client credentials). Each operation names the scope it needs. No or bad credentials:
401; valid credentials without the scope: 403.

**Envelope.** Success: `{"data": ..., "meta": {"request_id": ..., "pagination": {...}}}` (pagination on lists).
Every response has an `X-Request-ID` header.

**Pagination.** Keyset: `per_page` (alias `limit`, 1 to 200, default 50), `after` / `before` (an item id or a
cursor), `order_by` (for example `id[ASC]`, case-insensitive). `meta.pagination.next` / `previous` are absolute
URLs keeping every filter; `next` is present even when `has_more` is false (as Paddle: come back to it later for
items created since).

**Idempotency.** Every POST takes an `Idempotency-Key` (≤ 255 characters, kept 24 hours): a retry with the same
key and body replays the first response (with `Idempotent-Replayed: true`); another body → 409.

**Rate limits.** Per client, with `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `X-RateLimit-Reset` (Unix
time); over the limit, 429 with `Retry-After` in seconds.

**Errors.** `{"error": {"type", "code", "detail", "documentation_url", "errors": [{"field", "message"}]},
"meta": {"request_id"}}`. Codes:

| code | status | meaning |
|---|---|---|
"""


def _add_links(paths: dict) -> None:
    """OpenAPI links from each create operation (201 with `data.id`) to every operation on the created item, so
    stateful tools (schemathesis) chain create → get → update → delete; routes added later are linked too."""
    for create_path, operations in paths.items():
        created = operations.get("post", {}).get("responses", {}).get("201")
        if created is None:
            continue
        inherited = {name: f"$request.path.{name}" for name in re.findall(r"\{(\w+)\}", create_path)}
        for item_path, item_operations in paths.items():
            match = re.fullmatch(re.escape(create_path) + r"/\{(\w+)\}((?:/[^{}]+)?)", item_path)
            if match is None:
                continue
            parameters = {**inherited, match.group(1): "$response.body#/data/id"}
            for operation in item_operations.values():
                created.setdefault("links", {})[operation["operationId"]] = {
                    "operationId": operation["operationId"],
                    "parameters": parameters,
                }


def postprocess_schema(result, generator, request, public):
    """SPECTACULAR_SETTINGS hook: the overview, the error code table and the security schemes."""
    rows = "\n".join(
        f'| <a id="errors-{code}"></a>`{code}` | {status} | {text} |' for code, (status, text) in ERROR_CODES.items()
    )
    result["info"]["description"] = DESCRIPTION + rows
    schemes = copy.deepcopy(SECURITY_SCHEMES)
    schemes["oauth2"]["flows"]["clientCredentials"]["scopes"] = dict(settings.OAUTH2_PROVIDER["SCOPES"])
    components = result.setdefault("components", {})
    components.setdefault("securitySchemes", {}).update(schemes)
    components["headers"] = copy.deepcopy(RESPONSE_HEADERS)
    _add_links(result.get("paths", {}))
    return result
