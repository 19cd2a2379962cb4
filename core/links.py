"""Absolute links, written once for every adapter.

A link answered to a request (pagination `next`, an error's `documentation_url`) is built from that request: the
scheme and host the client called (behind the production proxy, its X-Forwarded-Proto and X-Forwarded-Host), unless
`PUBLIC_BASE_URL` is set. A link made for someone else, later or elsewhere (an enrollment link in a customer's wire
shape, an email, a webhook payload), has no request to go by: it needs `PUBLIC_BASE_URL`, and `check_public_base_url`
says so at start-up (a warning; an error where `PUBLIC_BASE_URL_REQUIRED`, as in production)."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import DisallowedHost


def _public_base() -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/")


def request_url(request, path: str) -> str:
    """`path` (which may carry a query string) on the public base URL, or on the scheme and host the client called."""
    base = _public_base()
    if base:
        return f"{base}{path}"
    try:
        return request.build_absolute_uri(path)
    except DisallowedHost:
        # The error being answered may be the bad Host header itself: a relative link beats a crash.
        return path


def public_url(path: str) -> str:
    """`path` on `PUBLIC_BASE_URL`, for links made outside a request. Without it the path alone: a link that names no
    host rather than one pointing at a guessed host nobody serves (start-up has warned)."""
    return f"{_public_base()}{path}"


def check_public_base_url(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A system check (registered by core's AppConfig): run by `manage.py check`, `migrate` and `runserver`."""
    if _public_base():
        return []
    message = (
        "PUBLIC_BASE_URL is not set: links made outside a request (net-terms enrollment links in emails, customer "
        "payloads and webhooks) are written without a scheme and host."
    )
    hint = "Set PUBLIC_BASE_URL to the URL clients reach this site at, e.g. https://credit.example.com."
    if getattr(settings, "PUBLIC_BASE_URL_REQUIRED", False):
        return [checks.Error(message, hint=hint, id="core.E001")]
    return [checks.Warning(message, hint=hint, id="core.W001")]
