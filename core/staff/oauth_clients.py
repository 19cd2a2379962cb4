"""Staff pages for OAuth2 clients (client credentials): list them with their scopes, create one (its secret shown
once), delete one. The access rule is the API keys page's: a role grants, and deletes, only clients whose scopes it
could use itself (`grantable_scopes`), so `webhooks:manage` stays with superusers."""

from django import forms

from core.selectors import oauth_client_get, oauth_client_list, oauth_client_scopes
from core.services import oauth_client_create, oauth_client_delete
from core.staff.credentials import (
    CredentialCreateView,
    CredentialListView,
    CredentialPage,
    CredentialRemoveView,
    CredentialRow,
)
from core.staff.forms import ApiKeyForm

LISTED = 200


class OAuthClientForm(ApiKeyForm):
    """The API key form's fields and scope rule; an OAuth client's name may be longer."""

    name = forms.CharField(max_length=255, help_text="The system that will use it, such as “Storefront checkout”.")


class _OAuthClientsPage(CredentialPage):
    form_class = OAuthClientForm
    list_template = "staff/oauth_clients.html"
    list_url = "staff:oauth_clients"
    rows_name = "clients"

    def rows(self, grantable):
        return [
            CredentialRow.of(client, oauth_client_scopes(client), grantable) for client in oauth_client_list()[:LISTED]
        ]


class OAuthClientListView(_OAuthClientsPage, CredentialListView):
    pass


class OAuthClientCreateView(_OAuthClientsPage, CredentialCreateView):
    created_template = "staff/oauth_client_created.html"

    def create(self, request, name: str, scopes: list[str]) -> dict:
        client, secret = oauth_client_create(name=name, scopes=scopes, created_by=request.user)
        return {"client": client, "client_secret": secret, "scopes": oauth_client_scopes(client)}


class OAuthClientDeleteView(CredentialRemoveView):
    list_url = "staff:oauth_clients"
    removing = "delete"

    def credential(self, credential_id):
        return oauth_client_get(client_id=credential_id)

    def scopes(self, client):
        return oauth_client_scopes(client)

    def remove(self, client):
        oauth_client_delete(application=client, actor=self.actor)
        return f"OAuth client “{client.name}” deleted. Its tokens are refused from now on."
