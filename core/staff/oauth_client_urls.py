"""Staff URLs for OAuth clients (included by core/staff/urls.py, in the `staff` namespace)."""

from django.urls import path

from core.staff import oauth_clients

urlpatterns = [
    path("oauth-clients", oauth_clients.OAuthClientListView.as_view(), name="oauth_clients"),
    path("oauth-clients/new", oauth_clients.OAuthClientCreateView.as_view(), name="oauth_client_create"),
    path(
        "oauth-clients/<str:client_id>/delete",
        oauth_clients.OAuthClientDeleteView.as_view(),
        name="oauth_client_delete",
    ),
]
