from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("admin/", admin.site.urls),
    # Staff web UI (SPEC §5).
    path("staff/", include("core.staff.urls")),
    # Public net-terms enrollment pages (/enroll/<token>).
    path("", include("credit.urls")),
    path("", RedirectView.as_view(url="/staff/", permanent=False)),
]

if settings.BENCH_MODE:
    urlpatterns.append(path("bench/", include("bench.urls")))
