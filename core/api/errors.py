"""The API's error format (docs/api.md), produced in one place for every way a request can fail:

    {"error": {"type", "code", "detail", "documentation_url", "errors": [{"field", "message"}]},
     "meta": {"request_id"}}

Services raise `core.errors.ApplicationError` or Django's `ValidationError`; DRF raises its own exceptions for
authentication, parsing and throttling; anything else is a 500 `internal_error` whose details go to the log only.
The Django-level handlers at the bottom answer in the same format for /api/ paths that never reach a view."""

import logging
import math
import sys

from django.conf import settings
from django.core.exceptions import (
    NON_FIELD_ERRORS,
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, HttpResponse, JsonResponse
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions as drf
from rest_framework.response import Response

from core.errors import ApplicationError
from core.links import request_url

logger = logging.getLogger("core.api")

API_PREFIX = "/api/"
DOCS_PATH = "/api/v1/docs"
# The database is down, restarting, failing over, or cancelled a statement (timeout, deadlock): a retry can succeed,
# so these are a 503 the client may retry, not a 500.
DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 1

# Every code the API answers with, its status and when. The OpenAPI description lists this table.
ERROR_CODES: dict[str, tuple[int, str]] = {
    "bad_request": (
        400,
        "The request could not be understood: malformed JSON (a number beyond ±1.8e308, such as `1e309`, included), "
        "a body that is not an object.",
    ),
    "invalid_field": (400, "One or more fields or query parameters are invalid; `errors` lists each one."),
    "authentication_missing": (401, "No `Authorization` header was sent."),
    "authentication_malformed": (
        401,
        "The `Authorization` header is not `Bearer <token>`, or the API key or "
        "access token is unknown, revoked or expired.",
    ),
    "invalid_client": (401, "Token endpoint: unknown client, or wrong secret."),
    "forbidden": (403, "The credentials are valid but lack the scope this operation needs."),
    "not_found": (404, "No such route, or no object with this id (a malformed id is a 404 too)."),
    "method_not_allowed": (405, "The route exists but not with this HTTP method; see the `Allow` header."),
    "conflict": (409, "The change conflicts with the current state (for example a duplicate user email)."),
    "customer_already_exists": (409, "Another non-archived customer has this email; `detail` names its id."),
    "idempotency_key_reused": (409, "This Idempotency-Key was already used with a different request."),
    "length_required": (411, "The body was sent chunked to a server that cannot read it so; send a Content-Length."),
    "request_too_large": (413, "The body is larger than the server accepts."),
    "uri_too_long": (414, "The request line (method, path and query string) is longer than 8,190 bytes."),
    "request_headers_too_large": (431, "A header is longer than 8,190 bytes, or there are more than 100 of them."),
    "unsupported_media_type": (
        415,
        "The body is not `application/json` (the OAuth token endpoint takes form encoding).",
    ),
    "invalid_request": (400, "Token endpoint: a parameter is missing or repeated."),
    "invalid_grant": (400, "Token endpoint: the grant is not valid for this client."),
    "unauthorized_client": (400, "Token endpoint: this client may not use this grant type."),
    "unsupported_grant_type": (400, "Token endpoint: only `client_credentials` is supported."),
    "invalid_scope": (400, "Token endpoint: a requested scope is unknown or not allowed for this client."),
    "customer_archived": (422, "The customer is archived; restore it first."),
    "endpoint_disabled": (422, "The webhook endpoint is disabled; enable it before replaying its deliveries."),
    "credit_check_already_requested": (422, "Credit check already created for this customer."),
    "insufficient_credit": (422, "Not enough available credit (or reserved / used credit) for this movement."),
    "credit_not_approved": (422, "The customer's credit is not approved (never checked, pending or declined)."),
    "credit_on_hold": (422, "The customer's credit is on hold (`hold_code` says why)."),
    "credit_deactivated": (422, "The customer's credit account is deactivated."),
    "net_terms_not_enrolled": (
        422,
        "The customer's credit is approved but it has not enrolled in net terms yet "
        "(`pending_enrollment` or `enrollment_expired`).",
    ),
    "invalid_net_terms_status": (
        409,
        "A new enrollment link is only issued while the customer's net terms are `pending_enrollment` or "
        "`enrollment_expired` (and its credit approved or on hold).",
    ),
    "customer_user_not_allowed": (
        422,
        "The `customer_user_id` named as a purchase's buyer, or as the person a portal session signs in, is not an "
        "active user of this customer.",
    ),
    "repayment_exceeds_outstanding": (422, "The repayment is more than the credit transaction still owes."),
    "invalid_credit_status": (
        409,
        "The customer's credit status does not allow this (a credit line is granted, adjusted or closed only while "
        "credit is approved or on hold).",
    ),
    "credit_line_exists": (
        409,
        "The customer already has a credit line in this currency (its credit currency always has one).",
    ),
    "credit_line_not_closable": (
        409,
        "The line still has credit reserved or used, or is the credit currency's line, which is not closed.",
    ),
    "invalid_transaction_state": (
        409,
        "The credit transaction's status does not allow this: only billed "
        "transactions complete or cancel, only completed ones take repayments.",
    ),
    "too_many_requests": (429, "Rate limit exceeded; retry after `Retry-After` seconds."),
    "internal_error": (500, "Something went wrong on our side; it has been logged with the request id."),
    "service_unavailable": (
        503,
        "The database is unreachable for a moment (a restart, a failover); retry after "
        "`Retry-After` seconds, a POST with the same Idempotency-Key.",
    ),
}


def documentation_url(request, code: str) -> str:
    return request_url(request, f"{DOCS_PATH}#errors-{code}")


def error_body(request, *, status: int, code: str, detail: str, errors: list[dict] | None = None) -> dict:
    error = {
        "type": "api_error" if status >= 500 else "request_error",
        "code": code,
        "detail": detail,
        "documentation_url": documentation_url(request, code),
    }
    if errors:
        error["errors"] = errors
    return {"error": error, "meta": {"request_id": getattr(request, "request_id", "")}}


def _flatten(detail, path: str = "") -> list[dict]:
    """DRF's nested error detail as [{field: "card.last4", message}], non-field errors with field null."""
    if isinstance(detail, dict):
        items = []
        for key, value in detail.items():
            name = None if key in ("non_field_errors", NON_FIELD_ERRORS) else str(key)
            items += _flatten(value, f"{path}.{name}" if path and name else (name or path))
        return items
    if isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            return [{"field": path or None, "message": str(item)} for item in detail]
        items = []
        for index, item in enumerate(detail):
            items += _flatten(item, f"{path}.{index}" if path else str(index))
        return items
    return [{"field": path or None, "message": str(detail)}]


def _invalid_fields_detail(errors: list[dict]) -> str:
    fields = sorted({item["field"] for item in errors if item["field"]})
    if not fields:
        return errors[0]["message"] if errors else "The request is invalid."
    return f"Invalid value for: {', '.join(fields)}."


def classify(exc: Exception) -> tuple[int, str, str, list[dict] | None, dict[str, str]]:
    """(status, code, detail, errors, headers) for any exception."""
    if isinstance(exc, ApplicationError):
        errors = [{"field": exc.field, "message": exc.detail}] if exc.field else None
        return exc.status, exc.code, exc.detail, errors, dict(getattr(exc, "headers", None) or {})
    if isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            errors = [
                # An empty name (a nameless query parameter) is no field either: the schema says null.
                {"field": None if name in (NON_FIELD_ERRORS, "") else name, "message": message}
                for name, messages in exc.message_dict.items()
                for message in messages
            ]
        else:
            errors = [{"field": None, "message": message} for message in exc.messages]
        return 400, "invalid_field", _invalid_fields_detail(errors), errors, {}
    if isinstance(exc, drf.ValidationError):
        errors = _flatten(exc.detail)
        return 400, "invalid_field", _invalid_fields_detail(errors), errors, {}
    if isinstance(exc, drf.ParseError):
        return 400, "bad_request", f"The body is not valid JSON. {exc.detail}", None, {}
    if isinstance(exc, drf.NotAuthenticated):
        return 401, "authentication_missing", str(exc.detail), None, _auth_header(exc)
    if isinstance(exc, drf.AuthenticationFailed):
        return 401, "authentication_malformed", str(exc.detail), None, _auth_header(exc, invalid=True)
    if isinstance(exc, drf.PermissionDenied | PermissionDenied):
        return 403, "forbidden", str(getattr(exc, "detail", "") or "You may not do this."), None, {}
    if isinstance(exc, drf.NotFound | Http404):
        return 404, "not_found", "No such resource.", None, {}
    if isinstance(exc, drf.MethodNotAllowed):
        return 405, "method_not_allowed", str(exc.detail), None, {}
    if isinstance(exc, RequestDataTooBig):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        return 413, "request_too_large", f"The body must not exceed {limit} bytes.", None, {}
    if isinstance(exc, drf.UnsupportedMediaType):
        return 415, "unsupported_media_type", "Send the body as application/json.", None, {}
    if isinstance(exc, drf.Throttled):
        wait = max(1, math.ceil(exc.wait or 1))
        return 429, "too_many_requests", f"Rate limit exceeded; retry in {wait} s.", None, {"Retry-After": str(wait)}
    if isinstance(exc, drf.APIException) and 400 <= exc.status_code < 500:
        return exc.status_code, "bad_request", str(exc.detail), None, {}
    if isinstance(exc, SuspiciousOperation):
        return 400, "bad_request", "The request was refused.", None, {}
    if isinstance(exc, DATABASE_UNAVAILABLE):
        detail = f"The service is briefly unavailable; retry in {RETRY_AFTER_SECONDS} s."
        return 503, "service_unavailable", detail, None, {"Retry-After": str(RETRY_AFTER_SECONDS)}
    return 500, "internal_error", "Internal error; it has been logged with this request id.", None, {}


def _auth_header(exc, *, invalid: bool = False) -> dict[str, str]:
    header = getattr(exc, "auth_header", None)
    if not header:
        return {}
    return {"WWW-Authenticate": f'{header}, error="invalid_token"' if invalid else header}


def api_exception_handler(exc, context) -> Response:
    """REST_FRAMEWORK's EXCEPTION_HANDLER: every exception raised in an API view becomes an error envelope."""
    request = context["request"]
    replay = getattr(exc, "replay_response", None)
    if replay is not None:
        return replay
    status, code, detail, errors, headers = classify(exc)
    if code == "unsupported_media_type":
        # Name what this view reads: JSON everywhere but the OAuth token endpoint, which takes form encoding.
        media_types = [parser.media_type for parser in getattr(context.get("view"), "parser_classes", ())]
        detail = f"Send the body as {' or '.join(media_types) or 'application/json'}."
    if status == 503:
        logger.warning("API request %s: database unavailable (%s)", getattr(request, "request_id", ""), exc)
    elif status >= 500:
        logger.exception("API request %s failed", getattr(request, "request_id", ""), exc_info=exc)
    return Response(
        error_body(request, status=status, code=code, detail=detail, errors=errors), status, headers=headers
    )


# --- Django-level handlers (config/urls.py): JSON for /api/ paths, Django's pages elsewhere -------------------------


def json_error(
    request, status: int, code: str, detail: str, headers: dict | None = None, *, errors: list[dict] | None = None
) -> JsonResponse:
    body = error_body(request, status=status, code=code, detail=detail, errors=errors)
    return JsonResponse(
        body,
        status=status,
        headers=headers,
        content_type="application/json; charset=utf-8",  # as every API response says it (docs/api.md)
        json_dumps_params={"separators": (",", ":")},
    )


@csrf_exempt
def route_not_found(request, *args, **kwargs) -> JsonResponse:
    """The catch-all under /api/: unknown routes (with any method) are a JSON 404, never HTML or a redirect."""
    return json_error(request, 404, "not_found", f"No route {request.method} {request.path}.")


def handler400(request, exception=None):
    if request.path.startswith(API_PREFIX):
        status, code, detail, _, _ = classify(exception)
        if status >= 500:  # an exception classify() does not know, raised as a bad request
            status, code, detail = 400, "bad_request", "The request was refused."
        return json_error(request, status, code, detail)
    return defaults.bad_request(request, exception)


def handler403(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return json_error(request, 403, "forbidden", "You may not do this.")
    return defaults.permission_denied(request, exception)


def handler404(request, exception=None):
    if request.path.startswith(API_PREFIX):
        return route_not_found(request)
    return defaults.page_not_found(request, exception)


def handler500(request):
    # Django calls this while handling the exception (in its `except` block), so the exception is at hand: one that
    # escaped the API view's own handler (a failed COMMIT) or any view or middleware of the staff UI.
    if isinstance(sys.exception(), DATABASE_UNAVAILABLE):
        status, code, detail, _, headers = classify(sys.exception())
        if request.path.startswith(API_PREFIX):
            return json_error(request, status, code, detail, headers)
        return HttpResponse(loader.render_to_string("503.html"), status=status, headers=headers)
    if request.path.startswith(API_PREFIX):
        return json_error(request, 500, "internal_error", "Internal error; it has been logged with this request id.")
    return staff_server_error(request)


def staff_server_error(request) -> HttpResponse:
    """The staff 500 page inside the app's layout for a signed-in member of staff. Whatever broke may break this too
    (the session, the user, a context processor's query): then it is Django's own rendering of 500.html, without a
    request, which needs nothing."""
    try:
        return HttpResponse(loader.render_to_string("500.html", request=request), status=500)
    except Exception:  # any failure of the rich page falls back to the plain one
        logger.warning("500 page rendered without the layout", exc_info=True)
        return defaults.server_error(request)
