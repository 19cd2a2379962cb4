"""`ApiView`: the base of every /api/v1 endpoint. A subclass declares its scopes and writes handlers that parse
with a serializer, call a service or selector, and return presenter output:

    class CustomerRestoreView(ApiView):
        read_scope, write_scope = Scope.CUSTOMERS_READ, Scope.CUSTOMERS_WRITE

        @api_operation(operation_id="restoreCustomer", summary="Restore a customer", response=CustomerOut)
        def post(self, request, customer_id):
            customer = customer_restore(customer=customer_get(customer_id=customer_id), actor=self.actor)
            return self.respond(customer_to_dict(customer))

Everything else is done here, in this order: body size (413), authentication (401), scope (403), rate limit (429),
body parsing (400/415), Idempotency-Key (POST), the handler, then the envelope and the headers."""

import re
from contextlib import ExitStack

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db import transaction
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import Actor
from core.api import idempotency
from core.api.auth import ApiClient, BearerAuthentication, ScopePermission
from core.api.pagination import paginate
from core.api.parsers import JsonParser
from core.api.ratelimit import ClientRateThrottle, RateLimitState
from core.api.renderers import JsonOnlyNegotiation, JsonRenderer
from core.errors import ApplicationError

BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_SURROGATE = re.compile("[\ud800-\udfff]")


class ApiView(APIView):
    read_scope: str | None = None  # needed for GET / HEAD
    write_scope: str | None = None  # needed for POST / PUT / PATCH / DELETE
    public = False  # True: no credentials (token endpoint, schema, docs)
    idempotent = True  # POSTs honour Idempotency-Key

    http_method_names = ["get", "post", "put", "patch", "delete", "head"]
    authentication_classes = [BearerAuthentication]
    permission_classes = [ScopePermission]
    throttle_classes = [ClientRateThrottle]
    parser_classes = [JsonParser]
    renderer_classes = [JsonRenderer]
    content_negotiation_class = JsonOnlyNegotiation

    rate_limit: RateLimitState | None = None

    # --- helpers for handlers -------------------------------------------------------------------------------------

    @property
    def client(self) -> ApiClient:
        return self.request.auth

    @property
    def actor(self) -> Actor:
        client = self.client
        return Actor.api_client(client.id, label=client.label, request_id=self.request.request_id)

    def validated(self, serializer_class, *, partial: bool = False) -> dict:
        """The body validated by an input serializer (400 invalid_field listing every bad field otherwise)."""
        serializer = serializer_class(data=self.request.data, partial=partial, context={"request": self.request})
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, data, *, status: int = 200, headers: dict | None = None) -> Response:
        return Response({"data": data, "meta": {"request_id": self.request.request_id}}, status, headers=headers)

    def respond_page(
        self, queryset, *, present, ordering_fields: tuple[str, ...], default_order: str = "id[ASC]"
    ) -> Response:
        """One keyset page of `queryset`, each item through `present`, with `meta.pagination`."""
        items, pagination = paginate(
            self.request, queryset, present=present, ordering_fields=ordering_fields, default_order=default_order
        )
        return Response({"data": items, "meta": {"request_id": self.request.request_id, "pagination": pagination}})

    # --- lifecycle ------------------------------------------------------------------------------------------------

    def dispatch(self, request, *args, **kwargs):
        # APIView.dispatch's lifecycle, with the Idempotency-Key transaction around the handler.
        self.args, self.kwargs = args, kwargs
        request = self.initialize_request(request, *args, **kwargs)
        self.request = request
        self.headers = self.default_response_headers
        with ExitStack() as stack:
            claim = None
            try:
                self.initial(request, *args, **kwargs)
                if self._takes_idempotency_key(request):
                    stack.enter_context(transaction.atomic())
                    claim = idempotency.claim(request, client_id=self.client.id)
                method = request.method.lower()
                handler = getattr(self, method, None) if method in self.http_method_names else None
                response = (handler or self.http_method_not_allowed)(request, *args, **kwargs)
            except Exception as exc:
                response = self.handle_exception(exc)
            response = self.finalize_response(request, response, *args, **kwargs)
            if claim is not None:
                claim.store(response)
        self.response = response
        return response

    def _takes_idempotency_key(self, request) -> bool:
        return (
            request.method == "POST"
            and self.idempotent
            and isinstance(request.auth, ApiClient)
            and idempotency.HEADER in request.headers
        )

    def initial(self, request, *args, **kwargs):
        if request.method in BODY_METHODS:
            _refuse_oversize(request)
        super().initial(request, *args, **kwargs)
        handler = getattr(self, request.method.lower(), None)
        _refuse_repeated_parameters(request.query_params, getattr(handler, "api_query_names", frozenset()))
        if request.method in BODY_METHODS:
            request._request.body  # noqa: B018 - reads and size-checks the body once, for parsing and fingerprints
            data = request.data
            if not isinstance(data, dict):
                raise ApplicationError("bad_request", "The body must be a JSON object.", status=400)
            _refuse_unstorable_text(data)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.rate_limit is not None:
            for name, value in self.rate_limit.headers().items():
                response[name] = value
        return response


class _ErrorsInJson:
    """For the API's routes that are not ApiViews (the served schema and the docs page): whatever they answer when
    they fail (a method they do not have, above all) is the API's error format in JSON, not their own renderer's HTML
    or OpenAPI media type. They answer GET and HEAD only, and ignore Accept, as ApiView does (no 406)."""

    http_method_names = ["get", "head"]
    content_negotiation_class = JsonOnlyNegotiation

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if getattr(response, "exception", False):
            response.accepted_renderer = JsonRenderer()
            response.accepted_media_type = JsonRenderer.media_type
        return response


class ApiSchemaView(_ErrorsInJson, SpectacularJSONAPIView):
    """GET /api/v1/openapi.json."""


class ApiDocsView(_ErrorsInJson, SpectacularSwaggerSplitView):
    """GET /api/v1/docs: the interactive documentation (HTML); its errors are JSON like the rest of /api/v1."""


def _unstorable_paths(value, path: str = "") -> list[str]:
    """Paths of strings (keys included) PostgreSQL cannot store: NUL characters, unpaired UTF-16 surrogates."""
    if isinstance(value, str):
        return [path or "body"] if "\x00" in value or _SURROGATE.search(value) else []
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            child = f"{path}.{key}" if path else str(key)
            found += _unstorable_paths(key, child) or _unstorable_paths(item, child)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _unstorable_paths(item, f"{path}.{index}" if path else str(index))
    return found


def _refuse_unstorable_text(data: dict) -> None:
    paths = _unstorable_paths(data)
    if paths:
        raise ValidationError({path: "Text must not contain NUL characters or unpaired surrogates." for path in paths})


def _refuse_repeated_parameters(params, documented: frozenset[str]) -> None:
    """Every documented query parameter takes one value (several are comma-separated): `?per_page=E&per_page=`
    would otherwise be read as its last value, and an invalid first one slip through unnoticed. Parameters the
    operation does not document are ignored, repeated or not."""
    repeated = sorted(name for name, values in params.lists() if name in documented and len(values) > 1)
    if repeated:
        raise ValidationError(
            {name: "Give this parameter once; separate several values with commas." for name in repeated}
        )


def _refuse_oversize(request) -> None:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
        raise RequestDataTooBig()
