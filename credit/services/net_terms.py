"""Net-terms enrollment: a customer user accepts the approved terms through the signed link, or the link expires, or
a new link is issued (and emailed to the customer's users). When a customer may accept, and when it may be sent a new
link, are credit.enrollment's rules (`enrollment_refusal`, `renewal_refusal`)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM, Actor
from core.email.services import email_queue
from core.events import event_record
from core.models import ActorType, EventType
from credit.enrollment import account_enrollment_url, enrollment_refusal, renewal_refusal
from credit.errors import EnrollmentUnavailable
from credit.models import CreditAccount
from credit.services._common import account_lock, customer_payload, validated_save
from credit.vocabulary import NetTermsStatus
from customers.models import Customer, CustomerUser, CustomerUserStatus


def customer_user_actor(user: CustomerUser, *, request_id: str = "", via: str = "enrollment link") -> Actor:
    """The audit-trail actor for a customer user on a public page or the buyer portal (no staff login, no API
    client); `via` says where they acted."""
    return Actor(type=ActorType.SYSTEM, id=user.id, label=f"customer user {user.email} ({via})", request_id=request_id)


@transaction.atomic
def net_terms_enroll(*, customer: Customer, customer_user: CustomerUser, actor: Actor | None = None) -> Customer:
    """`pending_enrollment` → `enrolled`, accepted by one of the customer's active users."""
    now = timezone.now()
    locked = account_lock(customer.pk)
    refusal = enrollment_refusal(locked.customer, locked.account, now=now)
    if refusal:
        raise refusal
    if customer_user.customer_id != customer.pk or customer_user.status != CustomerUserStatus.ACTIVE:
        raise EnrollmentUnavailable("customer_user_not_allowed", "Only an active user of this customer can accept.")
    account = locked.account
    account.net_terms_status = NetTermsStatus.ENROLLED
    account.net_terms_enrolled_at = now
    account.net_terms_enrollment_expires_at = None
    validated_save(
        account,
        update_fields=["net_terms_status", "net_terms_enrolled_at", "net_terms_enrollment_expires_at"],
    )
    event_record(
        event_type=EventType.CUSTOMER_UPDATED,
        data={**customer_payload(locked.customer), "accepted_by_customer_user_id": customer_user.id},
        actor=actor or customer_user_actor(customer_user),
        customer_id=customer.pk,
    )
    return locked.customer


@transaction.atomic
def net_terms_enrollment_expire(*, customer: Customer, actor: Actor = SYSTEM, now: datetime | None = None) -> bool:
    """`pending_enrollment` → `enrollment_expired` once the link's time is up. False when there was nothing to do
    (accepted or already expired meanwhile)."""
    now = now or timezone.now()
    locked = account_lock(customer.pk)
    account = locked.account
    expires_at = account.net_terms_enrollment_expires_at if account else None
    if account is None or account.net_terms_status != NetTermsStatus.PENDING_ENROLLMENT or not expires_at:
        return False
    if expires_at > now:
        return False
    account.net_terms_status = NetTermsStatus.ENROLLMENT_EXPIRED
    validated_save(account, update_fields=["net_terms_status"])
    event_record(
        event_type=EventType.CUSTOMER_UPDATED,
        data=customer_payload(locked.customer),
        actor=actor,
        customer_id=account.customer_id,
    )
    return True


@transaction.atomic
def net_terms_enrollment_renew(*, customer: Customer, actor: Actor) -> Customer:
    """Issue a new enrollment link to a customer whose terms wait for acceptance (`pending_enrollment`) or whose
    link expired unused (`enrollment_expired`): the terms are on offer again for NET_TERMS_ENROLLMENT_TTL_DAYS, the
    previous link stops working (a link names its expiry, and only the current one is honoured), and each active
    user of the customer is emailed the new link once the transaction commits."""
    now = timezone.now()
    locked = account_lock(customer.pk)
    refusal = renewal_refusal(locked.customer, locked.account)
    if refusal:
        raise refusal
    account = locked.account
    previous = account.net_terms_enrollment_expires_at
    expires_at = (now + timedelta(days=settings.NET_TERMS_ENROLLMENT_TTL_DAYS)).replace(microsecond=0)
    if previous is not None and expires_at <= previous:
        # Links carry their expiry to the second: a second link within the same second must still differ.
        expires_at = previous.replace(microsecond=0) + timedelta(seconds=1)
    account.net_terms_status = NetTermsStatus.PENDING_ENROLLMENT
    account.net_terms_enrollment_expires_at = expires_at
    validated_save(account, update_fields=["net_terms_status", "net_terms_enrollment_expires_at", "updated_at"])
    event_record(
        event_type=EventType.CUSTOMER_UPDATED,
        data={**customer_payload(locked.customer), "net_terms_enrollment_renewed": True},
        actor=actor,
        customer_id=customer.pk,
    )
    enrollment_link_email(locked.customer, account, actor=actor)
    return locked.customer


def enrollment_link_email(customer: Customer, account: CreditAccount, *, actor: Actor) -> None:
    """The current link to each active user of the customer, sent after the caller's transaction commits, once per
    link and user (the outbox's key): when a credit check's approval offers the terms, and with every new link."""
    url = account_enrollment_url(account)
    expires = int(account.net_terms_enrollment_expires_at.timestamp())
    for user in customer.users.filter(status=CustomerUserStatus.ACTIVE).order_by("id"):
        email_queue(
            key=f"net_terms_enrollment:{customer.pk}:{expires}:{user.pk}",
            to=user.email,
            template="net_terms_enrollment",
            context={
                "customer_name": str(customer),
                "first_name": user.first_name,
                "enrollment_url": url,
                "expires_at": account.net_terms_enrollment_expires_at,
                "terms": (customer.default_terms or "").upper(),
            },
            customer_id=customer.pk,
            actor=actor,
        )
