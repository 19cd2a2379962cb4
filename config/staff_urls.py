"""Every staff URL, under /staff/ and the `staff` namespace: core's pages, then each app's. The composition lives
here, at the top, because core may not import the apps."""

from django.urls import include, path

app_name = "staff"

urlpatterns = [
    path("", include("core.staff.urls")),
    path("", include("customers.staff.urls")),
    path("", include("credit.staff.urls")),
]
