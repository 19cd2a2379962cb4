"""Writes for shared plumbing: API keys and OAuth clients."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import get_application_model

from core.actors import Actor
from core.api import key_cache
from core.errors import NotFound
from core.models import ApiKey, OAuthClientScopes, Scope, hash_api_key

logger = logging.getLogger(__name__)


def _clean_scopes(scopes: list[str] | str) -> list[str]:
    scope_list = scopes.split() if isinstance(scopes, str) else list(scopes)
    unknown = sorted(set(scope_list) - set(Scope.values))
    if unknown or not scope_list:
        raise ValidationError({"scopes": f"Choose scopes among: {', '.join(Scope.values)}."})
    return list(dict.fromkeys(scope_list))


@transaction.atomic
def api_key_create(*, name: str, scopes: list[str] | str, created_by=None) -> tuple[ApiKey, str]:
    """Returns the key row and the raw key, which exists only in this return value."""
    scope_list = _clean_scopes(scopes)
    if not name.strip():
        raise ValidationError({"name": "A name is required."})
    raw_key = ApiKey.generate_raw_key()
    api_key = ApiKey.objects.create(
        name=name.strip(),
        key_hash=hash_api_key(raw_key),
        key_hint=raw_key[:10],
        scopes=" ".join(scope_list),
        created_by=created_by,
    )
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    """Revoke the key (already revoked: nothing changes). One conditional UPDATE, so two revocations at once revoke it
    once, keeping the first time."""
    revoked = ApiKey.objects.filter(pk=api_key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if revoked:
        key_cache.forget_all()
    api_key.refresh_from_db(fields=["revoked_at"])
    return api_key


@transaction.atomic
def oauth_client_create(*, name: str, scopes: list[str] | str, created_by=None):
    """A confidential client-credentials OAuth2 client limited to `scopes`. Returns (application, raw secret):
    the secret is stored hashed, so this return value is the only place it exists."""
    scope_list = _clean_scopes(scopes)
    if not name.strip():
        raise ValidationError({"name": "A name is required."})
    application_model = get_application_model()
    raw_secret = generate_client_secret()
    application = application_model(
        name=name.strip(),
        client_type=application_model.CLIENT_CONFIDENTIAL,
        authorization_grant_type=application_model.GRANT_CLIENT_CREDENTIALS,
        client_secret=raw_secret,
        user=created_by,
    )
    application.full_clean()
    application.save()
    grant = OAuthClientScopes(application=application, scopes=" ".join(scope_list))
    grant.full_clean()
    grant.save()
    return application, raw_secret


@transaction.atomic
def oauth_client_delete(*, application, actor: Actor) -> None:
    """Delete an OAuth client: its access and refresh tokens go with it, so requests using them are refused at once.
    The event log keeps the client's id and name as they were (actor id and label). One that is already gone (a race
    lost to another delete) is NotFound."""
    deleted, _ = get_application_model().objects.filter(pk=application.pk).delete()
    if not deleted:
        raise NotFound(f"No OAuth client with id {application.client_id}.")
    logger.info(
        "OAuth client %s (%s) deleted by %s %s",
        application.client_id,
        application.name,
        actor.type,
        actor.label or actor.id,
    )
