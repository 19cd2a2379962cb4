"""Writes of the buyer portal: sign-in links (made for an emailed sign-in or by an API client), redeeming one into a
browser session, keeping a session alive, and ending it; an admin user inviting and removing the company's users.
Imports: core, customers and the portal's models."""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.email.services import email_queue
from core.errors import ApplicationError, CustomerArchived
from customers.models import Customer, CustomerUser, CustomerUserRole
from customers.selectors import CustomerUserUnavailable, active_customer_user, active_customer_users_with_email
from customers.services import customer_user_archive, customer_user_create
from portal.models import PortalLink, PortalLinkSource, PortalSession, token_hash
from portal.selectors import (
    LINK_PATH,
    ensure_can_manage_users,
    portal_link_refusal,
    portal_session_live,
    portal_user_removable,
)

# A session's last_seen_at is written at most this often: not one UPDATE per page view.
LAST_SEEN_RESOLUTION = timedelta(minutes=1)


class PortalLinkUnusable(ApplicationError):
    """A sign-in link that cannot sign in: unknown (or mangled), already used, expired, or its customer or user no
    longer active. The pages answer them all with one "request another" page."""

    def __init__(self, reason: str):
        super().__init__(f"portal_link_{reason}", "This sign-in link has expired or was already used.", status=410)
        self.reason = reason


class CustomerUserNotAllowed(ApplicationError):
    """A portal session asked for someone who is not an active user of the customer."""

    def __init__(self, customer_user_id: str, customer_id: str, why: str):
        super().__init__(
            "customer_user_not_allowed",
            f"Customer user {customer_user_id} {why}; a portal session is only made for an active user of customer "
            f"{customer_id} (or, without customer_user_id, for the company).",
            field="customer_user_id",
        )


def _new_token() -> str:
    return secrets.token_urlsafe(32)


def portal_link_path(token: str) -> str:
    return f"{LINK_PATH}{token}"


def _customer_user(customer: Customer, customer_user_id: str | None) -> CustomerUser | None:
    if customer_user_id is None:
        return None
    try:
        return active_customer_user(customer=customer, customer_user_id=customer_user_id)
    except CustomerUserUnavailable as refusal:
        raise CustomerUserNotAllowed(customer_user_id, customer.pk, refusal.why) from None


@transaction.atomic
def portal_link_create(
    *,
    customer: Customer,
    customer_user_id: str | None = None,
    source: str,
    actor: Actor,
    now: datetime | None = None,
) -> tuple[PortalLink, str]:
    """A new single-use link for `customer` (and for `customer_user_id`, an active user of it, when given; else for
    the company), valid for PORTAL_LINK_TTL_SECONDS. Returns the link and its token, which exists nowhere else: the
    caller puts it in a URL (`portal_link_path`) once."""
    if customer.is_archived:
        raise CustomerArchived(customer.pk)
    customer_user = _customer_user(customer, customer_user_id)
    now = now or timezone.now()
    token = _new_token()
    link = PortalLink(
        customer=customer,
        customer_user=customer_user,
        source=source,
        token_hash=token_hash(token),
        created_at=now,
        expires_at=now + timedelta(seconds=settings.PORTAL_LINK_TTL_SECONDS),
        actor_type=actor.type,
        actor_id=actor.id,
    )
    link.full_clean(exclude=["token_hash"])
    link.save(force_insert=True)
    return link, token


@transaction.atomic
def portal_sign_in_request(*, email: str, absolute_url: Callable[[str], str], actor: Actor) -> int:
    """Email a sign-in link to each active user with this address (one link, and one message, per customer the
    person buys for: a session is for one company), once this transaction commits. Returns how many were queued; the
    page says the same whatever it is (no account enumeration)."""
    users = list(active_customer_users_with_email(email=email))
    for user in users:
        link, token = portal_link_create(
            customer=user.customer, customer_user_id=user.pk, source=PortalLinkSource.EMAIL, actor=actor
        )
        email_queue(
            key=f"portal_sign_in:{link.pk}",
            to=user.email,
            template="portal_sign_in",
            context={
                "customer_name": str(user.customer),
                "first_name": user.first_name,
                "sign_in_url": absolute_url(portal_link_path(token)),
                "minutes": settings.PORTAL_LINK_TTL_SECONDS // 60,
                "expires_at": link.expires_at,
            },
            customer_id=user.customer_id,
            actor=actor,
        )
    return len(users)


@dataclass(frozen=True)
class NewSession:
    session: PortalSession
    token: str  # for the cookie; stored nowhere


@transaction.atomic
def portal_link_redeem(*, token: str, now: datetime | None = None) -> NewSession:
    """Use a sign-in link: it is marked used (whatever happens next, it never signs in again) and a new session
    opens for its customer and user. Raises PortalLinkUnusable for a link unknown, used, expired, or whose customer
    or user is no longer active."""
    now = now or timezone.now()
    link = (
        PortalLink.objects.select_for_update(of=("self",))
        .select_related("customer", "customer_user")
        .filter(token_hash=token_hash(token or ""))
        .first()
    )
    refusal = portal_link_refusal(link, now=now)
    if refusal is not None:
        raise PortalLinkUnusable(refusal)
    link.used_at = now
    link.save(update_fields=["used_at"])
    session_token = _new_token()
    session = PortalSession(
        token_hash=token_hash(session_token),
        customer=link.customer,
        customer_user=link.customer_user,
        link=link,
        created_at=now,
        last_seen_at=now,
        expires_at=now + timedelta(seconds=settings.PORTAL_SESSION_MAX_SECONDS),
    )
    session.save(force_insert=True)
    return NewSession(session, session_token)


def portal_session_authenticate(*, token: str | None, now: datetime | None = None) -> PortalSession | None:
    """The live session whose cookie holds `token`, its last_seen_at moved on (at most once a minute), or None: no
    such session, revoked, idle too long, past its absolute expiry, or its customer or user no longer active."""
    now = now or timezone.now()
    session = portal_session_live(token=token, now=now)
    if session is None:
        return None
    if now - session.last_seen_at >= LAST_SEEN_RESOLUTION:
        PortalSession.objects.filter(pk=session.pk).update(last_seen_at=now)
        session.last_seen_at = now
    return session


def portal_session_revoke(*, token: str | None, now: datetime | None = None) -> bool:
    """Sign out: the session of this cookie token ends for good. False when there was none to end."""
    if not token:
        return False
    updated = PortalSession.objects.filter(token_hash=token_hash(token), revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )
    return updated > 0


def portal_sessions_revoke(*, session_ids: list[str], now: datetime | None = None) -> int:
    """End these sessions for good (the admin's action, e.g. for a lost laptop). Returns how many were live."""
    return PortalSession.objects.filter(pk__in=session_ids, revoked_at__isnull=True).update(
        revoked_at=now or timezone.now()
    )


@transaction.atomic
def portal_user_invite(
    *,
    inviter: CustomerUser,
    email: str,
    first_name: str = "",
    last_name: str = "",
    absolute_url: Callable[[str], str],
    actor: Actor,
) -> CustomerUser:
    """An admin user adds a colleague to their company (a member) and emails them a sign-in link, once this
    transaction commits. Raises PortalNotAllowed for a member; the customer user's own errors (a duplicate email:
    conflict; a bad address: ValidationError) as customer_user_create raises them, and then nothing is sent."""
    ensure_can_manage_users(inviter)
    user = customer_user_create(
        customer=inviter.customer,
        actor=actor,
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=CustomerUserRole.MEMBER,
    )
    link, token = portal_link_create(
        customer=user.customer, customer_user_id=user.pk, source=PortalLinkSource.EMAIL, actor=actor
    )
    email_queue(
        key=f"portal_invitation:{link.pk}",
        to=user.email,
        template="portal_invitation",
        context={
            "customer_name": str(user.customer),
            "first_name": user.first_name,
            "inviter_name": f"{inviter.first_name} {inviter.last_name}".strip() or inviter.email,
            "sign_in_url": absolute_url(portal_link_path(token)),
            "request_url": absolute_url("/portal/sign-in"),
            "minutes": settings.PORTAL_LINK_TTL_SECONDS // 60,
            "expires_at": link.expires_at,
        },
        customer_id=user.customer_id,
        actor=actor,
    )
    return user


@transaction.atomic
def portal_user_remove(*, remover: CustomerUser, user_id: str, actor: Actor) -> CustomerUser:
    """An admin user archives another user of their company (their portal sessions end with it). Raises
    PortalNotAllowed for a member or for the admin themselves, NotFound for anyone not of their company."""
    user = portal_user_removable(remover=remover, user_id=user_id)
    return customer_user_archive(user=user, actor=actor)
