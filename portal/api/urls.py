"""/api/v1 routes of the portal."""

from django.urls import path

from portal.api import views

urlpatterns = [
    path(
        "customers/<str:customer_id>/portal-sessions",
        views.PortalSessionCreateView.as_view(),
        name="api-portal-sessions",
    ),
]
