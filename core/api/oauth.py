"""OAuth2 client credentials (django-oauth-toolkit): the token endpoint and which scopes a client may get.

`POST /api/v1/oauth/token` with HTTP Basic `client_id:client_secret` and `grant_type=client_credentials`
(form-encoded, RFC 6749 §4.4) answers `{access_token, token_type: "bearer", expires_in, scope}`. A client may only
get the scopes of its `OAuthClientScopes` row (see `manage.py create_oauth_client`); asking for nothing grants
all of them. Failures use the API's error format with OAuth's error names as codes."""

import json

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import BaseScopes
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views.mixins import OAuthLibMixin
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.response import Response

from core.api.errors import ERROR_CODES
from core.api.schema import api_operation
from core.api.serializers import MetaOut, OutputSerializer, StrictInputSerializer
from core.api.views import ApiView
from core.errors import ApplicationError
from core.models import OAuthClientScopes


class ClientScopes(BaseScopes):
    """OAUTH2_PROVIDER["SCOPES_BACKEND_CLASS"]: a client's available and default scopes are its allowed ones."""

    def get_all_scopes(self):
        return oauth2_settings.SCOPES

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return []
        scopes = OAuthClientScopes.objects.filter(application=application).values_list("scopes", flat=True).first()
        return [scope for scope in (scopes or "").split() if scope in oauth2_settings.SCOPES]

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        return self.get_available_scopes(application, request)


class Validator(OAuth2Validator):
    """OAUTH2_PROVIDER["OAUTH2_VALIDATOR_CLASS"]: a token must carry at least one scope, so a client with no
    allowed scopes is refused (invalid_scope) instead of receiving a token that opens nothing."""

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs):
        return bool(scopes) and super().validate_scopes(client_id, scopes, client, request, *args, **kwargs)


class TokenRequest(StrictInputSerializer):
    grant_type = serializers.ChoiceField(choices=["client_credentials"])
    scope = serializers.CharField(required=False, help_text="Space-separated; default: every scope the client has.")
    client_id = serializers.CharField(required=False, help_text="Instead of HTTP Basic (RFC 6749 §2.3.1).")
    client_secret = serializers.CharField(required=False, help_text="Instead of HTTP Basic (RFC 6749 §2.3.1).")


class TokenOut(OutputSerializer):
    access_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField()
    scope = serializers.CharField()
    meta = MetaOut()


class TokenError(ApplicationError):
    def __init__(self, code: str, detail: str):
        status = 401 if code == "invalid_client" else 400
        super().__init__(code if code in ERROR_CODES else "invalid_request", detail, status=status)
        # RFC 6749 §5.2: a 401 answers with the challenge for the scheme the client should use.
        self.headers = {"WWW-Authenticate": 'Basic realm="api"'} if status == 401 else {}


class OAuthTokenView(OAuthLibMixin, ApiView):
    public = True
    idempotent = False  # replaying a token to whoever sends the same body would hand out credentials
    authentication_classes = []
    parser_classes = [FormParser]
    openapi_tags = ["OAuth"]
    openapi_security = [{"clientBasicAuth": []}]

    @api_operation(
        operation_id="createAccessToken",
        summary="Get an access token (client credentials)",
        description="HTTP Basic `client_id:client_secret`, form-encoded `grant_type=client_credentials`. "
        "The response follows RFC 6749 §5.1 (not the `data` envelope) so OAuth client libraries read it as is.",
        request=TokenRequest,
        response=TokenOut,
        raw_response=True,
        errors=(
            "invalid_client",
            "invalid_request",
            "invalid_grant",
            "unauthorized_client",
            "unsupported_grant_type",
            "invalid_scope",
        ),
    )
    def post(self, request):
        _, _, body, status = self.create_token_response(request._request)
        payload = json.loads(body or "{}")
        if status != 200:
            raise TokenError(payload.get("error", "invalid_request"), _error_detail(payload))
        data = {
            "access_token": payload["access_token"],
            "token_type": "bearer",
            "expires_in": payload["expires_in"],
            "scope": payload["scope"],
            "meta": {"request_id": request.request_id},
        }
        return Response(data, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def _error_detail(payload: dict) -> str:
    code = payload.get("error", "invalid_request")
    if payload.get("error_description"):
        return payload["error_description"]
    return ERROR_CODES.get(code, ERROR_CODES["invalid_request"])[1]
