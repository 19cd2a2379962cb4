import pytest
from django.urls import reverse

from core.models import ApiKey, hash_api_key
from core.services import api_key_create
from tests.reading import reloaded

pytestmark = pytest.mark.django_db
CREATE = reverse("staff:api_key_create")


def test_created_key_is_shown_once_and_stored_only_as_its_hash(client_as):
    officer = client_as("credit_officer")
    response = officer.post(CREATE, {"name": "ERP sync", "scopes": ["customers:read", "credit:write"]})
    raw_key = response.context["raw_key"]
    api_key = ApiKey.objects.get()
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    assert (api_key.name, api_key.scopes, api_key.created_by) == (
        "ERP sync",
        "customers:read credit:write",
        officer.user,
    )
    assert api_key.key_hash == hash_api_key(raw_key)
    assert raw_key not in officer.get(reverse("staff:api_keys")).content.decode()


@pytest.mark.parametrize(
    ("role", "scopes"),
    [
        ("account_manager", ["customers:read", "customers:write"]),
        ("credit_officer", ["customers:read", "credit:read", "credit:write"]),
        ("superuser", ["customers:read", "customers:write", "credit:read", "credit:write", "webhooks:manage"]),
    ],
)
def test_each_role_is_offered_only_the_scopes_it_may_grant(client_as, role, scopes):
    form = client_as(role).get(reverse("staff:api_keys")).context["form"]
    assert [value for value, _ in form.fields["scopes"].choices] == scopes


def test_an_account_manager_cannot_mint_a_credit_key_by_forging_the_form(client_as):
    response = client_as("account_manager").post(CREATE, {"name": "sneaky", "scopes": ["credit:write"]})
    assert response.status_code == 200
    assert "Select a valid choice" in response.context["form"].errors["scopes"][0]
    assert not ApiKey.objects.exists()


def test_name_is_required(client_as):
    response = client_as("credit_officer").post(CREATE, {"name": " ", "scopes": ["credit:read"]})
    assert response.context["form"].errors["name"]
    assert not ApiKey.objects.exists()


def test_revoke_a_key_within_the_roles_scopes(client_as):
    api_key, _ = api_key_create(name="shop", scopes=["customers:read", "customers:write"])
    response = client_as("account_manager").post(reverse("staff:api_key_revoke", args=[api_key.id]))
    assert response.status_code == 302
    api_key = reloaded(api_key)
    assert api_key.revoked_at is not None


def test_a_role_may_not_revoke_a_key_with_scopes_it_could_not_grant(client_as):
    api_key, _ = api_key_create(name="risk engine", scopes=["credit:write"])
    manager = client_as("account_manager")
    assert manager.post(reverse("staff:api_key_revoke", args=[api_key.id])).status_code == 403
    api_key = reloaded(api_key)
    assert api_key.revoked_at is None
    keys = manager.get(reverse("staff:api_keys")).context["api_keys"]
    assert [row.manageable for row in keys] == [False]


def test_revoking_an_unknown_key_is_404(client_as):
    assert client_as("superuser").post("/staff/api-keys/apikey_00000000000000000000000000/revoke").status_code == 404
