from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from oauth2_provider.models import AccessToken

from core.models import ApiKey, Scope
from core.services import api_key_create, api_key_revoke, oauth_client_create
from tests.api.conftest import Api, make_api_key
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def error_code(response) -> str:
    return response.json()["error"]["code"]


def oauth_token(scopes: str, *, expires_in: timedelta = timedelta(hours=1)) -> str:
    application, _ = oauth_client_create(name="erp", scopes=scopes)
    raw = f"token-{application.client_id}"
    AccessToken.objects.create(application=application, token=raw, scope=scopes, expires=timezone.now() + expires_in)
    return raw


def test_no_credentials_is_401_authentication_missing_with_a_bearer_challenge(anonymous):
    response = anonymous.get("customers")
    assert response.status_code == 401
    assert error_code(response) == "authentication_missing"
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


@pytest.mark.parametrize("header", ["Basic dXNlcjpwdw==", "Bearer", "Bearer a b", "cdk_xyz", ""])
def test_a_malformed_authorization_header_is_401_authentication_malformed(anonymous, header):
    response = anonymous.get("customers", headers={"Authorization": header})
    assert response.status_code == 401
    assert error_code(response) == "authentication_malformed"


def test_an_unknown_api_key_is_401(anonymous):
    response = Api("cdk_" + "x" * 43).get("customers")
    assert (response.status_code, error_code(response)) == (401, "authentication_malformed")
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_revoked_api_key_is_401(db):
    api_key, raw = api_key_create(name="old", scopes=["customers:read"])
    api_key_revoke(api_key=api_key)
    response = Api(raw).get("customers")
    assert response.status_code == 401
    assert response.json()["error"]["detail"] == "This API key has been revoked."


def test_an_api_key_with_the_scope_reads(db):
    customer = CustomerFactory()
    response = Api(make_api_key(["customers:read"])).get("customers")
    assert response.status_code == 200
    assert [item["id"] for item in response.json()["data"]] == [customer.id]


def test_a_key_without_the_write_scope_is_403_forbidden_and_changes_nothing(db):
    response = Api(make_api_key(["customers:read"])).post("customers", {"email": "a@b.example"})
    assert response.status_code == 403
    assert error_code(response) == "forbidden"
    assert "customers:write" in response.json()["error"]["detail"]


def test_a_key_without_the_read_scope_is_403(db):
    response = Api(make_api_key([Scope.CREDIT_READ])).get("customers")
    assert (response.status_code, error_code(response)) == (403, "forbidden")


def test_last_used_at_is_written_once_per_minute_not_per_request(db):
    api_key, raw = api_key_create(name="k", scopes=["customers:read"])
    api = Api(raw)
    api.get("customers")
    first_use = ApiKey.objects.get(pk=api_key.pk).last_used_at
    assert first_use is not None
    with CaptureQueriesContext(connection) as queries:
        api.get("customers")
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    assert ApiKey.objects.get(pk=api_key.pk).last_used_at == first_use


def test_last_used_at_moves_after_a_minute(db):
    api_key, raw = api_key_create(name="k", scopes=["customers:read"])
    ApiKey.objects.filter(pk=api_key.pk).update(last_used_at=timezone.now() - timedelta(minutes=5))
    Api(raw).get("customers")
    assert timezone.now() - ApiKey.objects.get(pk=api_key.pk).last_used_at < timedelta(seconds=10)


def test_an_oauth_access_token_authenticates_with_its_scopes(db):
    token = oauth_token("customers:read")
    assert Api(token).get("customers").status_code == 200
    response = Api(token).post("customers", {"email": "a@b.example"})
    assert (response.status_code, error_code(response)) == (403, "forbidden")


def test_an_expired_oauth_token_is_401(db):
    response = Api(oauth_token("customers:read", expires_in=timedelta(seconds=-1))).get("customers")
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["detail"]
