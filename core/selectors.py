"""Reads for shared plumbing: one row by its prefixed id (every app's `<thing>_get` uses it), API keys and OAuth
clients."""

from django.db.models import Count, Max, Model, Q, QuerySet
from django.utils import timezone
from oauth2_provider.models import get_application_model

from core.errors import NotFound
from core.ids import is_valid_id
from core.models import ApiKey


def get_by_id[M: Model](queryset: QuerySet[M], object_id: str, *, noun: str) -> M:
    """The row of `queryset` whose prefixed id is `object_id`: NotFound ("No <noun> with id …") for an id that is
    malformed (never a query, never a 500) or not in `queryset` (so a child of another parent is not found either).
    Staff views turn NotFound into their 404 page, the API into its 404 error."""
    prefix = queryset.model._meta.pk.prefix
    if isinstance(object_id, str) and is_valid_id(object_id, prefix):
        try:
            return queryset.get(pk=object_id)
        except queryset.model.DoesNotExist:
            pass
    raise NotFound(f"No {noun} with id {object_id}.")


def api_key_list() -> QuerySet[ApiKey]:
    """API keys, the active ones first, newest first, with who made them."""
    return ApiKey.objects.select_related("created_by").order_by("revoked_at", "-id")


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
