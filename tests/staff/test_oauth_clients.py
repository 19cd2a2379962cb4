"""The API clients page: OAuth clients listed with their scopes, created with the secret shown once, deleted; a role
grants and deletes only clients whose scopes it could use itself."""

from datetime import timedelta

import pytest
from django.contrib.auth.hashers import check_password
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model

from core.models import OAuthClientScopes
from core.services import oauth_client_create
from tests.api.conftest import Api
from tests.api.test_oauth import token_request
from tests.staff.test_permissions import ROUTES

pytestmark = pytest.mark.django_db
LIST = reverse("staff:oauth_clients")
CREATE = reverse("staff:oauth_client_create")
Application = get_application_model()
AccessToken = get_access_token_model()


def delete_url(client) -> str:
    return reverse("staff:oauth_client_delete", args=[client.client_id])


def token_for(application, *, expires_in: timedelta = timedelta(hours=1)) -> str:
    raw = f"token-{application.client_id[:8]}-{AccessToken.objects.count()}"
    AccessToken.objects.create(
        application=application, token=raw, expires=timezone.now() + expires_in, scope="customers:read"
    )
    return raw


def test_created_client_is_shown_once_with_its_secret_stored_only_as_a_hash(client_as):
    manager = client_as("account_manager")

    response = manager.post(CREATE, {"name": "Storefront", "scopes": ["customers:read", "customers:write"]})

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    secret, application = response.context["client_secret"], Application.objects.get()
    assert (application.name, application.user, application.authorization_grant_type) == (
        "Storefront", manager.user, "client-credentials",
    )  # fmt: skip
    assert application.allowed_scopes.scopes == "customers:read customers:write"
    assert application.client_secret != secret and check_password(secret, application.client_secret)
    page = response.content.decode()
    assert secret in page and application.client_id in page
    assert secret not in manager.get(LIST).content.decode()


def test_the_new_client_gets_a_token_with_its_scopes(client_as):
    response = client_as("superuser").post(CREATE, {"name": "Hooks", "scopes": ["webhooks:manage"]})
    client_id, secret = response.context["client"].client_id, response.context["client_secret"]

    token = token_request(client_id, secret)

    assert token.status_code == 200
    assert token.json()["scope"] == "webhooks:manage"


@pytest.mark.parametrize(
    ("role", "scopes"),
    [
        ("account_manager", ["customers:read", "customers:write"]),
        ("credit_officer", ["customers:read", "credit:read", "credit:write"]),
        ("superuser", ["customers:read", "customers:write", "credit:read", "credit:write", "webhooks:manage"]),
    ],
)
def test_each_role_is_offered_only_the_scopes_it_may_grant(client_as, role, scopes):
    form = client_as(role).get(LIST).context["form"]

    assert [value for value, _ in form.fields["scopes"].choices] == scopes


def test_a_credit_officer_cannot_create_a_webhooks_client_by_forging_the_form(client_as):
    response = client_as("credit_officer").post(CREATE, {"name": "sneaky", "scopes": ["webhooks:manage"]})

    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["scopes"][0]
    assert not Application.objects.exists()


@pytest.mark.parametrize(("data", "field"), [({"name": " ", "scopes": ["customers:read"]}, "name"),
                                             ({"name": "ERP"}, "scopes")])  # fmt: skip
def test_name_and_a_scope_are_required(client_as, data, field):
    response = client_as("account_manager").post(CREATE, data)

    assert response.context["form"].errors[field]
    assert not Application.objects.exists()


def test_the_list_shows_each_client_with_its_scopes_and_tokens(client_as):
    storefront, _ = oauth_client_create(name="Storefront", scopes=["customers:read"])
    token_for(storefront)
    token_for(storefront, expires_in=timedelta(hours=-1))
    bare = Application.objects.create(
        name="Made in the admin", client_type="confidential", authorization_grant_type="client-credentials"
    )

    clients = client_as("viewer").get(LIST).context["clients"]

    assert [(c.credential.name, c.scopes, c.credential.live_tokens, c.manageable) for c in clients] == [
        ("Made in the admin", [], 0, False), ("Storefront", ["customers:read"], 1, False),
    ]  # fmt: skip
    assert clients[1].credential.last_token_at is not None and clients[0].credential.last_token_at is None
    assert bare.client_id in client_as("viewer").get(LIST).content.decode()


def test_the_list_page_runs_a_fixed_number_of_queries(client_as):
    viewer = client_as("superuser")
    viewer.get(LIST)
    for n in range(3):
        token_for(oauth_client_create(name=f"client {n}", scopes=["customers:read"])[0])
    with CaptureQueriesContext(connection) as few:
        viewer.get(LIST)
    for n in range(3, 12):
        token_for(oauth_client_create(name=f"client {n}", scopes=["credit:read"])[0])
    with CaptureQueriesContext(connection) as many:
        response = viewer.get(LIST)

    assert len(response.context["clients"]) == 12
    assert len(few.captured_queries) == len(many.captured_queries)


def test_delete_a_client_within_the_roles_scopes_refuses_its_tokens_at_once(client_as):
    client, _ = oauth_client_create(name="Storefront", scopes=["customers:read", "customers:write"])
    token = token_for(client)
    assert Api(token).get("customers").status_code == 200

    response = client_as("account_manager").post(delete_url(client))

    assert response.status_code == 302
    assert not Application.objects.exists() and not OAuthClientScopes.objects.exists()
    assert Api(token).get("customers").status_code == 401


def test_a_role_may_not_delete_a_client_with_scopes_it_could_not_grant(client_as):
    client, _ = oauth_client_create(name="Risk engine", scopes=["credit:write"])
    manager = client_as("account_manager")

    assert manager.post(delete_url(client)).status_code == 403
    assert Application.objects.filter(pk=client.pk).exists()
    assert [c.manageable for c in manager.get(LIST).context["clients"]] == [False]


def test_only_a_superuser_may_delete_a_webhooks_client(client_as):
    client, _ = oauth_client_create(name="Hooks", scopes=["webhooks:manage"])

    assert client_as("credit_officer").post(delete_url(client)).status_code == 403
    assert client_as("superuser").post(delete_url(client)).status_code == 302
    assert not Application.objects.exists()


def test_deleting_an_unknown_client_is_404(client_as):
    assert client_as("superuser").post("/staff/oauth-clients/no-such-client/delete").status_code == 404


def test_the_permission_walk_covers_the_api_client_pages():
    assert {"oauth_clients", "oauth_client_create", "oauth_client_delete"} <= {pattern.name for pattern in ROUTES}
