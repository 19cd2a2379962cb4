"""Who calls the API: the authenticated client (an API key or an OAuth client), as authentication finds it and as
the rate limiter and the key cache keep it."""

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ApiClient:
    """The authenticated caller: an API key (`id` = `apikey_…`) or an OAuth client (`id` = its client_id)."""

    id: str
    label: str
    kind: str  # "api_key" | "oauth"
    scopes: frozenset[str] = field(default_factory=frozenset)

    # DRF and Django treat request.user as a user object; these make an ApiClient behave like an authenticated one.
    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
