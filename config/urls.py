from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("credit.urls")),
]

if settings.BENCH_MODE:
    urlpatterns.append(path("bench/", include("bench.urls")))
