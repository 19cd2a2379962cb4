"""/api/v1 routes of core: the OAuth token endpoint, the OpenAPI schema and the docs."""

from django.urls import path
from drf_spectacular.views import SpectacularJSONAPIView, SpectacularSwaggerSplitView

from core.api.oauth import OAuthTokenView

urlpatterns = [
    path("oauth/token", OAuthTokenView.as_view(), name="api-oauth-token"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="api-schema"),
    path(
        "docs",
        SpectacularSwaggerSplitView.as_view(url_name="api-schema", template_name="api/docs.html"),
        name="api-docs",
    ),
]
