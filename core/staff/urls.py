"""Every staff URL, under /staff/ and the `staff` namespace. Domain apps contribute their own url lists."""

from django.urls import include, path

from core.staff import views

app_name = "staff"

urlpatterns = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("", include("core.staff.oauth_client_urls")),
    path("api-keys", views.ApiKeyListView.as_view(), name="api_keys"),
    path("api-keys/new", views.ApiKeyCreateView.as_view(), name="api_key_create"),
    path("api-keys/<str:api_key_id>/revoke", views.ApiKeyRevokeView.as_view(), name="api_key_revoke"),
    path("", include("customers.urls")),
]
