"""Reads of the buyer portal: a sign-in link by its token and whether it can still sign in, the live session of a
cookie, and who may manage the company's users. One rule each, shared by the pages and the services. Imports: core,
customers and the portal's models."""

from datetime import datetime, timedelta

from django.conf import settings

from core.errors import ApplicationError
from customers.models import CustomerUser, CustomerUserRole, CustomerUserStatus
from customers.selectors import customer_user_get
from portal.models import PortalLink, PortalSession, token_hash

# Where a link's token goes: /portal/sign-in/<token> (portal/urls.py routes it).
LINK_PATH = "/portal/sign-in/"


class PortalNotAllowed(ApplicationError):
    """A portal user asked for what their role does not allow (a member managing users, anyone removing themselves)."""

    def __init__(self, detail: str):
        super().__init__("portal_not_allowed", detail, status=403)


def can_manage_users(user: CustomerUser | None) -> bool:
    """Whether this portal user may invite and remove the company's users: its admins only."""
    return user is not None and user.role == CustomerUserRole.ADMIN


def ensure_can_manage_users(user: CustomerUser | None) -> None:
    if not can_manage_users(user):
        raise PortalNotAllowed("Only your company's admins can invite and remove users.")


def portal_user_removable(*, remover: CustomerUser, user_id: str) -> CustomerUser:
    """The user of the remover's company that they may remove (asked before the confirmation page and again on
    removal). Raises PortalNotAllowed for a member or for the admin themselves, NotFound for anyone not of their
    company."""
    ensure_can_manage_users(remover)
    user = customer_user_get(customer=remover.customer, user_id=user_id)
    if user.pk == remover.pk:
        raise PortalNotAllowed("You cannot remove yourself; ask another admin of your company.")
    return user


def portal_link_by_token(*, token: str) -> PortalLink | None:
    links = PortalLink.objects.select_related("customer", "customer_user")
    return links.filter(token_hash=token_hash(token or "")).first()


def portal_link_refusal(link: PortalLink | None, *, now: datetime) -> str | None:
    """Why this link cannot sign in now (invalid, used, expired, unavailable), or None when it can."""
    if link is None:
        return "invalid"
    if link.used_at is not None:
        return "used"
    if link.expires_at <= now:
        return "expired"
    if link.customer.is_archived or (
        link.customer_user is not None and link.customer_user.status != CustomerUserStatus.ACTIVE
    ):
        return "unavailable"
    return None


def portal_session_live(*, token: str | None, now: datetime) -> PortalSession | None:
    """The session a cookie token names, with its customer and user, while it lasts: not revoked, not past its
    absolute expiry, used within PORTAL_SESSION_IDLE_SECONDS, its customer active and its user (if any) active."""
    if not token:
        return None
    session = (
        PortalSession.objects.select_related("customer", "customer_user")
        .filter(
            token_hash=token_hash(token),
            revoked_at__isnull=True,
            expires_at__gt=now,
            last_seen_at__gt=now - timedelta(seconds=settings.PORTAL_SESSION_IDLE_SECONDS),
        )
        .first()
    )
    if session is None or session.customer.is_archived:
        return None
    if session.customer_user is not None and session.customer_user.status != CustomerUserStatus.ACTIVE:
        return None
    return session
