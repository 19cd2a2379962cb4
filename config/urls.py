"""The root URLconf: composes every app's URLs (the API under /api/v1, the staff UI under /staff/, the buyer
portal under /portal/, the public enrollment pages, the admin). At the top of the layers, as only config may import
every app."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from core.api.errors import route_not_found
from core.health import health
from core.staff.views import favicon

# /api/v1: each app adds its own URLconf here (no trailing slashes: a redirect would drop a POST body).
api_v1 = [
    path("", include("core.api.urls")),
    path("", include("customers.api.urls")),
    path("", include("credit.api.urls")),
    path("", include("core.webhooks.api.urls")),
    path("", include("portal.api.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    # REST API v1 (docs/api.md).
    path("api/v1/", include(api_v1)),
    # Anything else under /api is a JSON 404, whatever the method (and never an APPEND_SLASH redirect).
    re_path(r"^api(?:/|$)", route_not_found, name="api-not-found"),
    # Staff web UI (README, "Staff web UI"; roles in docs/api.md).
    path("staff/", include("config.staff_urls")),
    # The buyer portal (docs/portal.md): its own sign-in and session.
    path("portal/", include("portal.urls")),
    # Public net-terms enrollment pages (/enroll/<token>).
    path("", include("credit.urls")),
    path("", RedirectView.as_view(url="/staff/", permanent=False)),
    # For load balancers and monitors: 200 while the database answers, 503 otherwise.
    path("health", health, name="health"),
    # Browsers ask for /favicon.ico on pages that name no icon (the admin): no 404 in every admin page's console.
    path("favicon.ico", favicon),
]

if settings.BENCH_MODE:
    urlpatterns.append(path("bench/", include("bench.urls")))

# /api/ paths answer in the API's error format even when no view was reached; other paths get Django's pages.
handler400 = "core.api.errors.handler400"
handler403 = "core.api.errors.handler403"
handler404 = "core.api.errors.handler404"
handler500 = "core.api.errors.handler500"
