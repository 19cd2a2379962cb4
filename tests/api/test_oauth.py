import base64
from io import StringIO
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.test import Client
from oauth2_provider.models import AccessToken, Application

from core.models import OAuthClientScopes
from core.services import oauth_client_create
from tests.api.conftest import Api

pytestmark = pytest.mark.django_db


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()


def token_request(client_id: str, secret: str, **form):
    return Client().post(
        "/api/v1/oauth/token",
        urlencode({"grant_type": "client_credentials", **form}),
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": basic(client_id, secret)},
    )


@pytest.fixture
def erp():
    application, secret = oauth_client_create(name="erp", scopes="customers:read customers:write")
    return application, secret


def test_client_credentials_returns_a_bearer_token_with_the_clients_scopes(erp):
    application, secret = erp
    response = token_request(application.client_id, secret)
    assert response.status_code == 200
    body = response.json()
    assert (body["token_type"], body["expires_in"], body["scope"]) == ("bearer", 3600, "customers:read customers:write")
    assert body["meta"]["request_id"] == response["X-Request-ID"]
    assert response["Cache-Control"] == "no-store"
    assert AccessToken.objects.filter(application=application).count() == 1


def test_the_token_works_on_the_api(erp):
    application, secret = erp
    token = token_request(application.client_id, secret).json()["access_token"]
    response = Api(token).post("customers", {"email": "a@b.example"})
    assert response.status_code == 201


def test_a_narrower_scope_can_be_requested(erp):
    application, secret = erp
    body = token_request(application.client_id, secret, scope="customers:read").json()
    assert body["scope"] == "customers:read"
    assert Api(body["access_token"]).post("customers", {"email": "a@b.example"}).status_code == 403


def test_a_scope_the_client_is_not_allowed_is_invalid_scope(erp):
    application, secret = erp
    response = token_request(application.client_id, secret, scope="customers:read credit:write")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_scope"
    assert not AccessToken.objects.exists()


def test_a_wrong_secret_is_401_invalid_client(erp):
    application, _ = erp
    response = token_request(application.client_id, "wrong")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_client"
    assert response["WWW-Authenticate"] == 'Basic realm="api"'


def test_another_grant_type_is_unsupported(erp):
    application, secret = erp
    response = token_request(application.client_id, secret, grant_type="urn:example:magic")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_grant_type"


def test_a_client_without_allowed_scopes_gets_no_token(erp):
    application, secret = erp
    OAuthClientScopes.objects.filter(application=application).delete()
    response = token_request(application.client_id, secret)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_scope"


def test_the_secret_is_stored_hashed(erp):
    application, secret = erp
    assert Application.objects.get(pk=application.pk).client_secret != secret


def test_create_oauth_client_command_prints_a_working_id_and_secret():
    out = StringIO()
    call_command(
        "create_oauth_client", "--name", "storefront", "--scopes", "customers:read", stdout=out, stderr=StringIO()
    )
    lines = dict(line.split(": ", 1) for line in out.getvalue().splitlines())
    application = Application.objects.get(client_id=lines["client_id"])
    assert (application.name, application.allowed_scopes.scopes) == ("storefront", "customers:read")
    assert token_request(lines["client_id"], lines["client_secret"]).json()["scope"] == "customers:read"


def test_create_oauth_client_refuses_unknown_scopes():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_oauth_client", "--name", "x", "--scopes", "everything", stdout=StringIO())
    assert not Application.objects.exists()


def test_allowed_scopes_must_be_known_scopes(erp):
    from django.core.exceptions import ValidationError

    application, _ = erp
    with pytest.raises(ValidationError):
        OAuthClientScopes(application=application, scopes="customers:read everything").full_clean()
