"""Reads for shared plumbing: one row by its prefixed id (every app's `<thing>_get` uses it), API keys and OAuth
clients, and the names of the actors an audit trail shows."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.db.models import CharField, Count, F, Max, Model, Q, QuerySet, Value
from django.db.models.functions import Cast
from django.utils import timezone
from oauth2_provider.models import get_application_model

from core.errors import NotFound
from core.ids import is_valid_id
from core.models import ActorType, ApiKey


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


def actor_names(actors: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The current name of each staff user and API client among `(actor_type, actor_id)` pairs, in one query: a staff
    user's username, an API key's name (`apikey_…`), an OAuth client's name (its client_id). Pairs whose user or client
    no longer exists, and the system, are left out: the caller says so in its own words."""
    staff_ids, client_ids = set(), set()
    for actor_type, actor_id in actors:
        if actor_type == ActorType.STAFF and actor_id and actor_id.isdigit():
            staff_ids.add(actor_id)
        elif actor_type == ActorType.API_CLIENT and actor_id:
            client_ids.add(actor_id)
    parts = []
    if staff_ids:
        user_model = get_user_model()
        parts.append(
            _named(
                user_model.objects.filter(pk__in=staff_ids),
                ActorType.STAFF,
                Cast("pk", CharField()),
                F(user_model.USERNAME_FIELD),
            )
        )
    if client_ids:
        parts.append(_named(ApiKey.objects.filter(pk__in=client_ids), ActorType.API_CLIENT, F("id"), F("name")))
        applications = get_application_model().objects.filter(client_id__in=client_ids)
        parts.append(_named(applications, ActorType.API_CLIENT, F("client_id"), F("name")))
    if not parts:
        return {}
    # No ORDER BY: the first table's default ordering names a column the union does not have.
    rows = (parts[0].union(*parts[1:], all=True) if len(parts) > 1 else parts[0]).order_by()
    return {(actor_type, actor_id): name for actor_type, actor_id, name in rows if name}


def _named(queryset: QuerySet, actor_type: str, key, name) -> QuerySet:
    """(actor_type, actor_id, name) rows of `queryset`, so that rows of different tables can be unioned."""
    return (
        queryset.order_by()
        .annotate(
            actor_kind=Value(str(actor_type), output_field=CharField()),
            actor_key=key,
            actor_name=Cast(name, CharField()),
        )
        .values_list("actor_kind", "actor_key", "actor_name")
    )
