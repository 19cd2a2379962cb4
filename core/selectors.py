"""Reads for shared plumbing: OAuth clients."""

from django.db.models import Count, Max, Q, QuerySet
from django.utils import timezone
from oauth2_provider.models import get_application_model

from core.errors import NotFound


def oauth_client_list() -> QuerySet:
    """Every OAuth client, newest first, with its allowed scopes (`allowed_scopes`, missing for a client made by hand
    in the admin), who created it, how many of its access tokens are still valid and when it last got one."""
    return (
        get_application_model()
        .objects.select_related("allowed_scopes", "user")
        .annotate(
            live_tokens=Count("accesstoken", filter=Q(accesstoken__expires__gt=timezone.now())),
            last_token_at=Max("accesstoken__created"),
        )
        .order_by("-created", "-id")
    )


def oauth_client_scopes(application) -> list[str]:
    """The scopes a client may be granted ([] without an `OAuthClientScopes` row: it gets no token)."""
    allowed = getattr(application, "allowed_scopes", None)
    return allowed.scopes.split() if allowed is not None else []


def oauth_client_get(*, client_id: str):
    application = get_application_model().objects.select_related("allowed_scopes").filter(client_id=client_id).first()
    if application is None:
        raise NotFound(f"No OAuth client with id {client_id}.")
    return application
