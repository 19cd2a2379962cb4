"""/api/v1 routes of webhooks: endpoints, their deliveries and replays, and the event log."""

from django.urls import path

from core.webhooks.api import views

urlpatterns = [
    path("webhooks", views.WebhookEndpointListView.as_view(), name="api-webhooks"),
    path("webhooks/<str:endpoint_id>", views.WebhookEndpointDetailView.as_view(), name="api-webhook"),
    path(
        "webhooks/<str:endpoint_id>/deliveries",
        views.WebhookDeliveryListView.as_view(),
        name="api-webhook-deliveries",
    ),
    path(
        "webhooks/<str:endpoint_id>/deliveries/<str:delivery_id>/replay",
        views.WebhookDeliveryReplayView.as_view(),
        name="api-webhook-delivery-replay",
    ),
    path("events", views.EventListView.as_view(), name="api-events"),
]
