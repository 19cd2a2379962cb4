"""Staff pages that belong to no one domain: sign in and out, the dashboard, API keys."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils.decorators import method_decorator
from django.views.decorators.cache import never_cache
from django.views.decorators.csp import csp_override

from core.ids import is_valid_id
from core.models import ApiKey
from core.services import api_key_create, api_key_revoke
from core.staff.access import STAFF_CSP, Capability, StaffView, grantable_scopes
from core.staff.charts import column_chart, credit_segments, donut
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


def _api_keys_context(request, form: ApiKeyForm) -> dict:
    scopes = set(grantable_scopes(request.user))
    keys = list(ApiKey.objects.select_related("created_by").order_by("revoked_at", "-id")[:200])
    for key in keys:
        key.can_revoke = key.is_active and bool(scopes) and key.scope_set <= scopes
    return {"api_keys": keys, "form": form}


class ApiKeyListView(StaffView):
    capability = Capability.VIEW

    def get(self, request):
        form = ApiKeyForm(grantable_scopes=grantable_scopes(request.user))
        return render(request, "staff/api_keys.html", _api_keys_context(request, form))


@method_decorator(never_cache, name="dispatch")
class ApiKeyCreateView(StaffView):
    """Shows the new key in the response itself, once: it is never stored, logged or put in a URL or session."""

    capability = Capability.API_KEYS

    def get(self, request):
        return redirect("staff:api_keys")

    def post(self, request):
        form = ApiKeyForm(request.POST, grantable_scopes=grantable_scopes(request.user))
        if form.is_valid():
            try:
                api_key, raw_key = api_key_create(
                    name=form.cleaned_data["name"], scopes=form.cleaned_data["scopes"], created_by=request.user
                )
            except ValidationError as error:
                form.add_service_error(error)
            else:
                return render(request, "staff/api_key_created.html", {"api_key": api_key, "raw_key": raw_key})
        return render(request, "staff/api_keys.html", _api_keys_context(request, form))


class ApiKeyRevokeView(StaffView):
    capability = Capability.API_KEYS
    http_method_names = ["post"]

    def post(self, request, api_key_id: str):
        api_key = ApiKey.objects.filter(pk=api_key_id).first() if is_valid_id(api_key_id, "apikey") else None
        if api_key is None:
            raise Http404("No such API key.")
        if not api_key.scope_set <= set(grantable_scopes(request.user)):
            raise PermissionDenied("This key has scopes your role may not grant, so your role may not revoke it.")
        api_key_revoke(api_key=api_key)
        messages.success(request, f"API key “{api_key.name}” revoked. Requests using it are now refused.")
        return redirect("staff:api_keys")
