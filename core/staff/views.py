"""Staff views every app uses (a form that calls one service, a button that calls one service) and the pages that
belong to no domain: sign in and out, API keys. Imports: core only (apps build their pages on these)."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import ValidationError
from django.http import HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override

from core.errors import ApplicationError, NotFound
from core.models import ApiKey
from core.selectors import api_key_list, get_by_id
from core.services import api_key_create, api_key_revoke
from core.staff.access import STAFF_CSP, StaffView
from core.staff.credentials import (
    CredentialCreateView,
    CredentialListView,
    CredentialPage,
    CredentialRemoveView,
    CredentialRow,
)
from core.staff.forms import ApiKeyForm
from core.staff.throttle import StaffLoginForm


@method_decorator(csp_override(STAFF_CSP), name="dispatch")
class LoginView(auth_views.LoginView):
    template_name = "staff/login.html"
    redirect_authenticated_user = True
    authentication_form = StaffLoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.throttled:
            response.status_code = 429
            response["Retry-After"] = str(settings.LOGIN_FAILURE_WINDOW_SECONDS)
        return response


@method_decorator(csp_override(STAFF_CSP), name="dispatch")
class LogoutView(auth_views.LogoutView):
    next_page = "staff:login"


def favicon(request):
    """/favicon.ico, which browsers request for pages naming no icon (the admin's): the staff UI's icon."""
    return HttpResponsePermanentRedirect(static("staff/favicon.svg"))


class ServiceFormView(StaffView):
    """GET shows the form; POST hands the cleaned data to one service and maps its errors back onto the form
    (Django's convention: the form comes back, 200, with the errors next to the fields). Subclasses name the form, the
    service call and where to go next."""

    template_name = ""
    form_class = None
    title = ""
    submit_label = "Save"

    def setup_object(self, **kwargs):
        """The object the form is about (from the URL's arguments), kept as `self.object`; None for a new one."""
        return None

    def initial(self) -> dict:
        return {}

    def make_form(self, data=None):
        return self.form_class(data, initial=self.initial())

    def extra_context(self) -> dict:
        return {}

    def call_service(self, form):
        raise NotImplementedError

    def service_failed(self, error, form) -> None:
        """Hook, before the error is attached (attaching it drops the field from cleaned_data)."""

    def success_url(self, result) -> str:
        raise NotImplementedError

    def get(self, request, **kwargs):
        self.object = self.setup_object(**kwargs)
        return self.render_form(self.make_form())

    def post(self, request, **kwargs):
        self.object = self.setup_object(**kwargs)
        form = self.make_form(request.POST)
        if form.is_valid():
            try:
                result = self.call_service(form)
            except NotFound:
                raise  # the staff 404 page (StaffView)
            except (ValidationError, ApplicationError) as error:
                self.service_failed(error, form)
                form.add_service_error(error)
            else:
                return redirect(self.success_url(result))
        return self.render_form(form)

    def render_form(self, form):
        context = {"form": form, "title": self.title, "submit_label": self.submit_label, **self.extra_context()}
        return render(self.request, self.template_name, context)


class ServiceActionView(StaffView):
    """A POST-only button: run one service, report the outcome as a message (the service's own refusal when it
    refuses), go back to the page it was pressed on."""

    http_method_names = ["post"]

    def act(self, **kwargs) -> str:
        """Call the service; the success message."""
        raise NotImplementedError

    def next_url(self, **kwargs) -> str:
        raise NotImplementedError

    def post(self, request, **kwargs):
        try:
            messages.success(request, self.act(**kwargs))
        except NotFound:
            raise  # the staff 404 page (StaffView)
        except (ValidationError, ApplicationError) as error:
            detail = error.detail if isinstance(error, ApplicationError) else " ".join(error.messages)
            messages.error(request, detail)
        return redirect(self.next_url(**kwargs))


class _ApiKeysPage(CredentialPage):
    form_class = ApiKeyForm
    list_template = "staff/api_keys.html"
    list_url = "staff:api_keys"
    rows_name = "api_keys"

    def rows(self, grantable):
        keys = api_key_list()[:200]
        return [CredentialRow.of(key, key.scopes.split(), grantable, active=key.is_active) for key in keys]


class ApiKeyListView(_ApiKeysPage, CredentialListView):
    pass


class ApiKeyCreateView(_ApiKeysPage, CredentialCreateView):
    created_template = "staff/api_key_created.html"

    def create(self, request, name: str, scopes: list[str]) -> dict:
        api_key, raw_key = api_key_create(name=name, scopes=scopes, created_by=request.user)
        return {"api_key": api_key, "raw_key": raw_key}


class ApiKeyRevokeView(CredentialRemoveView):
    list_url = "staff:api_keys"
    removing = "revoke"

    def credential(self, credential_id):
        return get_by_id(ApiKey.objects.all(), credential_id, noun="API key")

    def scopes(self, api_key):
        return api_key.scopes.split()

    def remove(self, api_key):
        api_key_revoke(api_key=api_key)
        return f"API key “{api_key.name}” revoked. Requests using it are now refused."
