"""Writes for shared plumbing: API keys."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from core.models import ApiKey, Scope, hash_api_key


@transaction.atomic
def api_key_create(*, name: str, scopes: list[str] | str, created_by=None) -> tuple[ApiKey, str]:
    """Returns the key row and the raw key, which exists only in this return value."""
    scope_list = scopes.split() if isinstance(scopes, str) else list(scopes)
    unknown = sorted(set(scope_list) - set(Scope.values))
    if unknown or not scope_list:
        raise ValidationError({"scopes": f"Choose scopes among: {', '.join(Scope.values)}."})
    if not name.strip():
        raise ValidationError({"name": "A name is required."})
    raw_key = ApiKey.generate_raw_key()
    api_key = ApiKey.objects.create(
        name=name.strip(),
        key_hash=hash_api_key(raw_key),
        key_hint=raw_key[:10],
        scopes=" ".join(dict.fromkeys(scope_list)),
        created_by=created_by,
    )
    return api_key, raw_key


@transaction.atomic
def api_key_revoke(*, api_key: ApiKey) -> ApiKey:
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
    return api_key
