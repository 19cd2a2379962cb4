"""Net-terms enrollment: a customer user accepts the approved terms through the signed link, or the link expires.
When a customer may accept is credit.enrollment's rule (`enrollment_refusal`)."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM, Actor
from core.events import event_record
from core.models import ActorType, EventType
from credit.enrollment import enrollment_refusal
from credit.errors import EnrollmentUnavailable
from credit.services._common import account_lock, customer_payload, validated_save
from credit.vocabulary import NetTermsStatus
from customers.models import Customer, CustomerUser, CustomerUserStatus


def customer_user_actor(user: CustomerUser, *, request_id: str = "") -> Actor:
    """The audit-trail actor for a customer user on a public page (no staff login, no API client)."""
    return Actor(
        type=ActorType.SYSTEM, id=user.id, label=f"customer user {user.email} (enrollment link)", request_id=request_id
    )


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
