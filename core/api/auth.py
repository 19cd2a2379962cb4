"""Who is calling: `Authorization: Bearer <token>` where the token is a staff-created API key or an OAuth2 access
token from the client-credentials grant. One indexed query either way (for an API key this process has seen, a
Redis read instead: core.api.key_cache), and no write on the request path except `ApiKey.last_used_at`, refreshed at
most once per `LAST_USED_RESOLUTION`."""

import hashlib
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_access_token_model
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import SAFE_METHODS, BasePermission

from core.api import key_cache
from core.api.clients import ApiClient
from core.models import API_KEY_PREFIX, ApiKey, hash_api_key

LAST_USED_RESOLUTION = timedelta(minutes=1)
REALM = 'Bearer realm="api"'


class Malformed(exceptions.AuthenticationFailed):
    default_code = "authentication_malformed"


class BearerAuthentication(BaseAuthentication):
    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None  # the permission check answers 401 authentication_missing
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token or " " in token:
            raise Malformed("The Authorization header must be `Bearer <API key or access token>`.")
        if len(token) > 512:
            raise Malformed("The bearer token is too long to be one of ours.")
        client = _api_key_client(token) if token.startswith(API_KEY_PREFIX) else _oauth_client(token)
        return client, client

    def authenticate_header(self, request):
        return REALM


def _api_key_client(raw_key: str) -> ApiClient:
    key_hash = hash_api_key(raw_key)
    current_generation = key_cache.generation()  # before the database read: see core.api.key_cache.forget_all
    kept = key_cache.trusted(key_hash, current_generation)
    if kept is None:
        row = (
            ApiKey.objects.filter(key_hash=key_hash)
            .order_by()
            .values_list("id", "name", "scopes", "revoked_at", "last_used_at")
            .first()
        )
        if row is None:
            raise Malformed("Unknown API key.")
        key_id, name, scopes, revoked_at, last_used_at = row
        if revoked_at is not None:
            raise Malformed("This API key has been revoked.")
        client = ApiClient(id=key_id, label=name, kind="api_key", scopes=frozenset(scopes.split()))
        kept = key_cache.keep(key_hash, key_cache.Kept(client, last_used_at, current_generation))
    now = timezone.now()
    if kept.last_used_at is None or now - kept.last_used_at >= LAST_USED_RESOLUTION:
        # A conditional UPDATE: concurrent requests do not pile up writes, and there is no write per request. (If
        # another process wrote it meanwhile, nothing is written: its time is recent enough.)
        ApiKey.objects.filter(pk=kept.client.id, last_used_at=kept.last_used_at).update(last_used_at=now)
        kept.last_used_at = now
    return kept.client


def _oauth_client(raw_token: str) -> ApiClient:
    checksum = hashlib.sha256(raw_token.encode()).hexdigest()
    token = (
        get_access_token_model()
        .objects.filter(token_checksum=checksum)
        .select_related("application")
        .only("expires", "scope", "application", "application__client_id", "application__name")
        .first()
    )
    if token is None or token.application is None:
        raise Malformed("Unknown access token.")
    if token.is_expired():
        raise Malformed("This access token has expired; request a new one.")
    return ApiClient(
        id=token.application.client_id,
        label=token.application.name,
        kind="oauth",
        scopes=frozenset(token.scope.split()),
    )


class ScopePermission(BasePermission):
    """The view declares `read_scope` (GET/HEAD) and `write_scope` (everything else); `public = True` opts out.
    No credentials → 401 authentication_missing; credentials without the scope → 403 forbidden."""

    def has_permission(self, request, view) -> bool:
        if getattr(view, "public", False):
            return True
        client = request.auth
        if not isinstance(client, ApiClient):
            raise exceptions.NotAuthenticated("Send `Authorization: Bearer <API key or access token>`.")
        scope = required_scope(view, request.method)
        if scope is None or scope not in client.scopes:
            raise exceptions.PermissionDenied(
                f"This operation needs the `{scope}` scope." if scope else "This operation is not available."
            )
        return True


def required_scope(view, method: str) -> str | None:
    if getattr(view, "public", False):
        return None
    return getattr(view, "read_scope" if method in SAFE_METHODS else "write_scope", None)
