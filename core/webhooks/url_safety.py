"""Where webhooks may be sent: http(s) URLs only and, unless `WEBHOOKS_ALLOW_PRIVATE_TARGETS` is set (development and
test settings), only hosts whose every address is public. Otherwise a webhook URL would let an API client make this
server call internal services (cloud metadata at 169.254.169.254, an admin port on localhost, the office network).

The URL is checked when an endpoint is saved and again before each attempt, and the HTTP session connects only to an
address it has checked itself (requests-hardened pins the connection to the IP it resolved and filtered), so a DNS
answer that changes between the check and the connection (DNS rebinding) cannot redirect a delivery inside.

The host and port checked are the ones the HTTP client will connect to: the URL is prepared by requests, exactly as a
delivery prepares it, and read with urllib3's parser, which requests uses. URLs that parsers read differently are
refused rather than judged by one reading: a backslash (`http://127.0.0.1:8760\\@93.184.215.14/` is a public host to
Python's urlsplit, 127.0.0.1:8760 to requests, and a browser reads `\\` as `/`), a user name or password, port 0
(requests drops it and connects to port 80), spaces and control characters, and any URL whose scheme, host or port the
standard library reads otherwise than the HTTP client does."""

import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests_hardened import Config, HTTPSession
from urllib3.exceptions import LocationParseError
from urllib3.util import parse_url

ALLOWED_SCHEMES = ("http", "https")
USER_AGENT = "creditdesk-webhooks/1"
# IPv6 prefixes that carry an IPv4 address the packet ends up at (IPv4-mapped, NAT64): judge that address instead.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    """The URL may not receive webhooks; the message says why, for the API error or the attempt log."""


def is_public_address(ip: IPAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    # is_global alone leaves out multicast; the other flags document the intent.
    blocked = ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
    return ip.is_global and not blocked and not ip.is_unspecified


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise TargetRefused(f"The host {host} could not be resolved.") from exc
    # Strip an IPv6 zone ("fe80::1%eth0"): the address alone decides.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


# Anything at or below the space, DEL, and the backslash some parsers read as a slash.
_UNSAFE_CHARACTERS = re.compile(r"[\x00-\x20\x7f\\]")
_DEFAULT_PORTS = {"http": 80, "https": 443}


@dataclass(frozen=True)
class Target:
    """Where a delivery to the URL goes, as the HTTP client reads it."""

    scheme: str
    host: str  # lower case, IDNA-encoded, an IPv6 address without its brackets
    port: int


def parse_target(url: object) -> Target:
    """The scheme, host and port the HTTP client (requests, urllib3) will connect to for `url`; TargetRefused for a
    URL that is not http(s), carries credentials or port 0, or that another parser would read differently."""
    if not isinstance(url, str) or not url:
        raise TargetRefused("Enter a URL.")
    if unsafe := _UNSAFE_CHARACTERS.search(url):
        what = "a backslash" if unsafe[0] == "\\" else "spaces or control characters"
        raise TargetRefused(f"The URL must not contain {what}.")
    try:
        ours = urlsplit(url)
        our_port = ours.port
    except ValueError as exc:
        raise TargetRefused("The URL's port is not valid.") from exc
    if ours.scheme.lower() not in ALLOWED_SCHEMES:
        raise TargetRefused("Only http and https URLs can receive webhooks.")
    if "@" in ours.netloc:
        raise TargetRefused("The URL must not contain a user name or password.")
    if our_port == 0:
        raise TargetRefused("The URL's port must be from 1 to 65535.")
    if not ours.hostname:
        raise TargetRefused("The URL has no host.")
    try:
        prepared = requests.Request("POST", url).prepare().url
        theirs = parse_url(prepared)
    except (requests.RequestException, LocationParseError, UnicodeError, ValueError) as exc:
        raise TargetRefused("The URL cannot be sent to: it is not a valid http(s) URL.") from exc
    scheme = (theirs.scheme or "").lower()
    host = (theirs.host or "").strip("[]").lower()
    port = theirs.port or _DEFAULT_PORTS.get(scheme, 0)
    expected_host = ours.hostname if ours.hostname.isascii() else host  # requests IDNA-encodes a non-ASCII host
    if (scheme, host, port, theirs.auth) != (
        ours.scheme.lower(),
        expected_host,
        our_port or _DEFAULT_PORTS[ours.scheme.lower()],
        None,
    ):
        raise TargetRefused("The URL is read differently by different parsers; write it plainly.")
    return Target(scheme, host, port)


def check_target_url(url: str) -> Target:
    """Where webhooks to this URL would go; TargetRefused unless they may be POSTed there under the current settings.
    The endpoint services call it when saving, the delivery before each attempt: both judge the same reading."""
    target = parse_target(url)
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS:
        return target
    refused = sorted({str(ip) for ip in resolve(target.host, target.port) if not is_public_address(ip)})
    if refused:
        raise TargetRefused(
            f"The host {target.host} resolves to a private, loopback, link-local, multicast or reserved address "
            f"({', '.join(refused)}); webhooks are only sent to public addresses."
        )
    return target


def http_session() -> requests.Session:
    """A session for one delivery attempt: no redirects followed, default timeouts, and (unless private targets are
    allowed) connections pinned to a public address checked at connect time."""
    return HTTPSession(
        Config(
            ip_filter_enable=not settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS,
            ip_filter_allow_loopback_ips=False,
            never_redirect=True,
            default_timeout=settings.WEBHOOKS_TIMEOUT,
            user_agent_override=USER_AGENT,
        )
    )
