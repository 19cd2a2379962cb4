"""Email settings from the environment: `EMAIL_URL` becomes Django's `MAILERS["default"]`, and the sender addresses
are checked, so that a typo stops the process at startup instead of failing every send later.

Why a parser of our own (some forty lines) rather than dj-email-url or django-environ: both read `smtps://` as
STARTTLS on a plain connection, whereas RFC 8314 and every mail client mean implicit TLS (port 465) by it; both
accept what they do not understand without a word (an unknown scheme or option, a URL without a host); and neither
produces Django 6.1's `MAILERS` form. The grammar is small enough to be written out here and tested:

    smtp://[user[:password]@]host[:port][?tls=1][&timeout=SECONDS]
        plain SMTP (port 25 by default); with tls=1, STARTTLS (port 587 by default)
    smtps://[user[:password]@]host[:port][?timeout=SECONDS]
        SMTP over implicit TLS (port 465 by default)

A user name or password holding `@`, `:` or `/` is percent-encoded (`p%40ss`). `timeout` bounds each network
operation (default 10 s), so a hung server cannot hold a worker.
"""

from email.utils import getaddresses
from urllib.parse import parse_qs, unquote, urlsplit

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.validators import validate_email

SMTP_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
DEFAULT_TIMEOUT_SECONDS = 10
_TRUE, _FALSE = {"1", "true", "yes", "on"}, {"0", "false", "no", "off"}


def mailer_from_url(url: str) -> dict:
    """The `MAILERS` entry (BACKEND and OPTIONS of Django's SMTP backend) an SMTP URL describes. Raises
    ImproperlyConfigured, naming what is wrong but never the password, for anything else."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as error:
        raise ImproperlyConfigured(f"EMAIL_URL is not a valid URL: {error}") from None
    if parts.scheme not in ("smtp", "smtps"):
        raise ImproperlyConfigured(f"EMAIL_URL must start with smtp:// or smtps://, not {parts.scheme or '…'}://.")
    if not parts.hostname:
        raise ImproperlyConfigured("EMAIL_URL must name the SMTP server's host (smtp://host:587?tls=1).")
    if parts.path not in ("", "/") or parts.fragment:
        raise ImproperlyConfigured("EMAIL_URL takes no path or fragment after the host and port.")
    query = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    unknown = sorted(set(query) - {"tls", "timeout"})
    if unknown:
        raise ImproperlyConfigured(f"EMAIL_URL has unknown options: {', '.join(unknown)} (known: tls, timeout).")
    use_tls = _flag(query, "tls")
    use_ssl = parts.scheme == "smtps"
    if use_ssl and use_tls:
        raise ImproperlyConfigured("EMAIL_URL: smtps:// is already TLS; tls=1 (STARTTLS) is for smtp:// only.")
    timeout = _positive_int(query, "timeout", DEFAULT_TIMEOUT_SECONDS)
    options = {
        "host": parts.hostname,
        "port": port or (465 if use_ssl else 587 if use_tls else 25),
        "use_tls": use_tls,
        "use_ssl": use_ssl,
        "timeout": timeout,
    }
    if parts.username:
        options["username"] = unquote(parts.username)
        options["password"] = unquote(parts.password or "")
    return {"BACKEND": SMTP_BACKEND, "OPTIONS": options}


def _flag(query: dict[str, list[str]], name: str) -> bool:
    values = query.get(name)
    if not values:
        return False
    value = values[-1].strip().lower()
    if value not in _TRUE | _FALSE:
        raise ImproperlyConfigured(f"EMAIL_URL: {name} must be 1 or 0, not {values[-1]!r}.")
    return value in _TRUE


def _positive_int(query: dict[str, list[str]], name: str, default: int) -> int:
    values = query.get(name)
    if not values:
        return default
    try:
        number = int(values[-1])
    except ValueError:
        number = 0
    if number <= 0:
        raise ImproperlyConfigured(f"EMAIL_URL: {name} must be a whole number of seconds above 0.")
    return number


def checked_address(value: str, *, setting: str) -> str:
    """One sender address, bare or with a display name (`Acme Billing <billing@acme.example>`), as given."""
    addresses = getaddresses([value])
    if len(addresses) != 1 or not addresses[0][1] or "\n" in value or "\r" in value:
        raise ImproperlyConfigured(f"{setting} must be one email address, such as billing@example.com.")
    try:
        validate_email(addresses[0][1])
    except ValidationError:
        raise ImproperlyConfigured(f"{setting} is not a valid email address: {value!r}.") from None
    return value.strip()


def checked_addresses(values: list[str], *, setting: str) -> list[str]:
    return [checked_address(value, setting=setting) for value in values]
