"""Core's staff URLs: sign in and out, API keys, API clients, webhook endpoints (composed with the apps' staff URLs
into the `staff` namespace by config/staff_urls.py)."""

from django.urls import include, path

from core.staff import views, webhook_views

urlpatterns = [
    path("login", views.LoginView.as_view(), name="login"),
    path("logout", views.LogoutView.as_view(), name="logout"),
    path("api-keys", views.ApiKeyListView.as_view(), name="api_keys"),
    path("api-keys/new", views.ApiKeyCreateView.as_view(), name="api_key_create"),
    path("api-keys/<str:api_key_id>/revoke", views.ApiKeyRevokeView.as_view(), name="api_key_revoke"),
    path("", include("core.staff.oauth_client_urls")),
    path("webhooks", webhook_views.WebhookListView.as_view(), name="webhooks"),
    path("webhooks/new", webhook_views.WebhookCreateView.as_view(), name="webhook_create"),
    path("webhooks/<str:endpoint_id>", webhook_views.WebhookDetailView.as_view(), name="webhook_detail"),
    path("webhooks/<str:endpoint_id>/edit", webhook_views.WebhookEditView.as_view(), name="webhook_edit"),
    path("webhooks/<str:endpoint_id>/delete", webhook_views.WebhookDeleteView.as_view(), name="webhook_delete"),
    path(
        "webhooks/<str:endpoint_id>/rotate-secret",
        webhook_views.WebhookRotateSecretView.as_view(),
        name="webhook_rotate_secret",
    ),
    path(
        "webhooks/<str:endpoint_id>/deliveries/<str:delivery_id>/replay",
        webhook_views.WebhookReplayView.as_view(),
        name="webhook_replay",
    ),
]
