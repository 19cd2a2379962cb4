"""Staff pages for OAuth2 clients (client credentials): list them with their scopes, create one (its secret shown
once), delete one. The access rule is the API keys page's: a role grants, and deletes, only clients whose scopes it
could use itself (`grantable_scopes`), so `webhooks:manage` stays with superusers."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from core.errors import NotFound
from core.selectors import oauth_client_get, oauth_client_list, oauth_client_scopes
from core.services import oauth_client_create, oauth_client_delete
from core.staff.access import Capability, StaffView, grantable_scopes
from core.staff.forms import ApiKeyForm

LISTED = 200


class OAuthClientForm(ApiKeyForm):
    """The API key form's fields and scope rule; an OAuth client's name may be longer."""

    name = forms.CharField(max_length=255, help_text="The system that will use it, such as “Storefront checkout”.")


def _may_manage(scopes: list[str], grantable: set[str]) -> bool:
    return bool(grantable) and set(scopes) <= grantable


def _list_context(request, form: OAuthClientForm) -> dict:
    grantable = set(grantable_scopes(request.user))
    clients = list(oauth_client_list()[:LISTED])
    for client in clients:
        client.scope_list = oauth_client_scopes(client)
        client.can_delete = _may_manage(client.scope_list, grantable)
    return {"clients": clients, "form": form}


class OAuthClientListView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        form = OAuthClientForm(grantable_scopes=grantable_scopes(request.user))
        return render(request, "staff/oauth_clients.html", _list_context(request, form))


@method_decorator(never_cache, name="dispatch")
class OAuthClientCreateView(StaffView):
    """Shows the new client's secret in the response itself, once: only its hash is stored, and it is never logged
    or put in a URL or the session."""

    capability = Capability.API_KEYS

    def get(self, request):
        return redirect("staff:oauth_clients")

    def post(self, request):
        form = OAuthClientForm(request.POST, grantable_scopes=grantable_scopes(request.user))
        if form.is_valid():
            try:
                client, secret = oauth_client_create(
                    name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], created_by=request.user
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                context = {"client": client, "client_secret": secret, "scopes": oauth_client_scopes(client)}
                return render(request, "staff/oauth_client_created.html", context)
        return render(request, "staff/oauth_clients.html", _list_context(request, form))


class OAuthClientDeleteView(StaffView):
    capability = Capability.API_KEYS
    http_method_names = ["post"]

    def post(self, request, client_id: str):
        try:
            client = oauth_client_get(client_id=client_id)
        except NotFound:
            raise Http404("No such OAuth client.") from None
        if not _may_manage(oauth_client_scopes(client), set(grantable_scopes(request.user))):
            raise PermissionDenied("This client has scopes your role may not grant, so your role may not delete it.")
        oauth_client_delete(application=client, actor=self.actor)
        messages.success(request, f"OAuth client “{client.name}” deleted. Its tokens are refused from now on.")
        return redirect("staff:oauth_clients")
