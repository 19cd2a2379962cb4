"""Where webhooks may be sent: http(s) URLs only and, unless `WEBHOOKS_ALLOW_PRIVATE_TARGETS` is set (development and
test settings), only hosts whose every address is public. Otherwise a webhook URL would let an API client make this
server call internal services (cloud metadata at 169.254.169.254, an admin port on localhost, the office network).

The URL is checked when an endpoint is saved and again before each attempt, and the HTTP session connects only to an
address it has checked itself (requests-hardened pins the connection to the IP it resolved and filtered), so a DNS
answer that changes between the check and the connection (DNS rebinding) cannot redirect a delivery inside."""

import ipaddress
import socket
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests_hardened import Config, HTTPSession

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


def check_target_url(url: str) -> None:
    """Raise TargetRefused unless webhooks may be POSTed to this URL under the current settings."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise TargetRefused("Only http and https URLs can receive webhooks.")
    try:
        host, port = parts.hostname, parts.port
    except ValueError as exc:
        raise TargetRefused("The URL's port is not valid.") from exc
    if not host:
        raise TargetRefused("The URL has no host.")
    if settings.WEBHOOKS_ALLOW_PRIVATE_TARGETS:
        return
    port = port or (443 if parts.scheme.lower() == "https" else 80)
    refused = sorted({str(ip) for ip in resolve(host, port) if not is_public_address(ip)})
    if refused:
        raise TargetRefused(
            f"The host {host} resolves to a private, loopback, link-local, multicast or reserved address "
            f"({', '.join(refused)}); webhooks are only sent to public addresses."
        )


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
