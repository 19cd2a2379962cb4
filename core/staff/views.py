"""Staff pages that belong to no one domain: sign in and out, the dashboard, API keys."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.views.decorators.csp import csp_override

from core.ids import is_valid_id
from core.models import ApiKey
from core.services import api_key_create, api_key_revoke
from core.staff.access import STAFF_CSP, Capability, StaffView, grantable_scopes, may_manage_credential
from core.staff.charts import column_chart, credit_segments, donut
from core.staff.credentials import CredentialCreateView, CredentialListView, CredentialPage
from core.staff.forms import ApiKeyForm
from core.staff.throttle import StaffLoginForm
from credit.dashboard import NOT_CHECKED, dashboard_metrics


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


CREDIT_STATUS_LABELS = {
    NOT_CHECKED: "Not checked",
    "pending": "Pending",
    "approved": "Approved",
    "declined": "Declined",
    "hold": "On hold",
    "deactivated": "Deactivated",
}


class DashboardView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        metrics = dashboard_metrics()
        credit_statuses = [
            (status, CREDIT_STATUS_LABELS[status], count)
            for status, count in metrics.customers_by_credit_status.items()
        ]
        exposure = [
            {
                "row": row,
                "segments": credit_segments(used=row.used, reserved=row.reserved, available=row.available),
            }
            for row in metrics.exposure
        ]
        aging = [
            {
                "row": row,
                "bars": column_chart(
                    [(f"bucket-{index}", bucket.label, bucket.amount) for index, bucket in enumerate(row.buckets)],
                    width=300,
                    height=110,
                ),
            }
            for row in metrics.aging
        ]
        context = {
            "metrics": metrics,
            "active_customers": metrics.customers_by_status.get("active", 0),
            "credit_donut": donut(credit_statuses),
            "exposure": exposure,
            "aging": aging,
        }
        return render(request, "staff/dashboard.html", context)


class _ApiKeysPage(CredentialPage):
    form_class = ApiKeyForm
    list_template = "staff/api_keys.html"
    list_url = "staff:api_keys"

    def list_context(self, request, form) -> dict:
        grantable = grantable_scopes(request.user)
        keys = list(ApiKey.objects.select_related("created_by").order_by("revoked_at", "-id")[:200])
        for key in keys:
            key.can_revoke = key.is_active and may_manage_credential(key.scope_set, grantable)
        return {"api_keys": keys, "form": form}


class ApiKeyListView(_ApiKeysPage, CredentialListView):
    pass


class ApiKeyCreateView(_ApiKeysPage, CredentialCreateView):
    created_template = "staff/api_key_created.html"

    def create(self, request, name: str, scopes: list[str]) -> dict:
        api_key, raw_key = api_key_create(name=name, scopes=scopes, created_by=request.user)
        return {"api_key": api_key, "raw_key": raw_key}


class ApiKeyRevokeView(StaffView):
    capability = Capability.API_KEYS
    http_method_names = ["post"]

    def post(self, request, api_key_id: str):
        api_key = ApiKey.objects.filter(pk=api_key_id).first() if is_valid_id(api_key_id, "apikey") else None
        if api_key is None:
            raise Http404("No such API key.")
        if not may_manage_credential(api_key.scope_set, grantable_scopes(request.user)):
            raise PermissionDenied("This key has scopes your role may not grant, so your role may not revoke it.")
        api_key_revoke(api_key=api_key)
        messages.success(request, f"API key “{api_key.name}” revoked. Requests using it are now refused.")
        return redirect("staff:api_keys")
