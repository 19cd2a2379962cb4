"""/api/v1 routes of core: the OAuth token endpoint, the OpenAPI schema and the docs."""

from django.urls import path

from core.api.oauth import OAuthTokenView
from core.api.views import ApiDocsView, ApiSchemaView

urlpatterns = [
    path("oauth/token", OAuthTokenView.as_view(), name="api-oauth-token"),
    path("openapi.json", ApiSchemaView.as_view(), name="api-schema"),
    path("docs", ApiDocsView.as_view(url_name="api-schema", template_name="api/docs.html"), name="api-docs"),
]
