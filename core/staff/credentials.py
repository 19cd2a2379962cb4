"""What the API keys and OAuth clients pages share: a list with a create form, and a create view that shows the new
secret in its own response, once (only its hash is stored; it is never logged or put in a URL or the session)."""

from collections.abc import Collection
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache

from core.staff.access import Capability, StaffView, grantable_scopes, may_manage_credential


@dataclass(frozen=True)
class CredentialRow:
    """A credential (an API key or an OAuth client) as its list shows it: its scopes, and whether the signed-in
    person's role may revoke or delete it."""

    credential: object
    scopes: list[str]
    manageable: bool

    @classmethod
    def of(cls, credential, scopes: Collection[str], grantable: list[str], *, active: bool = True) -> "CredentialRow":
        return cls(credential, list(scopes), active and may_manage_credential(scopes, grantable))


class CredentialPage:
    form_class: type
    list_template = ""
    list_url = ""
    rows_name = ""  # what the list template calls the rows

    def rows(self, grantable: list[str]) -> list[CredentialRow]:
        raise NotImplementedError  # each page lists its own kind of credential

    def list_context(self, request, form) -> dict:
        return {self.rows_name: self.rows(grantable_scopes(request.user)), "form": form}

    def make_form(self, request, data=None):
        return self.form_class(data, grantable_scopes=grantable_scopes(request.user))

    def render_list(self, request, form):
        return render(request, self.list_template, self.list_context(request, form))


class CredentialListView(CredentialPage, StaffView):
    capability = Capability.VIEW

    def get(self, request):
        return self.render_list(request, self.make_form(request))


@method_decorator(never_cache, name="dispatch")
class CredentialCreateView(CredentialPage, StaffView):
    capability = Capability.API_KEYS
    created_template = ""

    def create(self, request, name: str, scopes: list[str]) -> dict:
        """Create the credential through its service; the context of the page showing the secret."""
        raise NotImplementedError

    def get(self, request):
        return redirect(self.list_url)

    def post(self, request):
        form = self.make_form(request, request.POST)
        if form.is_valid():
            try:
                context = self.create(request, form.cleaned_data["name"], form.cleaned_data["scopes"])
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return render(request, self.created_template, context)
        return self.render_list(request, form)


class CredentialRemoveView(StaffView):
    """Revoke an API key or delete an OAuth client: only one whose every scope the role could grant itself."""

    capability = Capability.API_KEYS
    http_method_names = ["post"]
    list_url = ""
    removing = ""  # "revoke" or "delete"

    def credential(self, credential_id: str):
        """The credential (its selector: NotFound is the 404 page)."""
        raise NotImplementedError

    def scopes(self, credential) -> list[str]:
        raise NotImplementedError

    def remove(self, credential) -> str:
        """Remove it through its service; the message saying so."""
        raise NotImplementedError

    def post(self, request, **kwargs):
        (credential_id,) = kwargs.values()
        credential = self.credential(credential_id)
        if not may_manage_credential(self.scopes(credential), grantable_scopes(request.user)):
            raise PermissionDenied(
                f"This credential has scopes your role may not grant, so your role may not {self.removing} it."
            )
        messages.success(request, self.remove(credential))
        return redirect(self.list_url)
