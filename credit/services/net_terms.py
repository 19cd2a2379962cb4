"""Net-terms enrollment: a customer user accepts the approved terms through the signed link, or the link expires."""

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.actors import SYSTEM, Actor
from core.events import event_record
from core.models import ActorType, EventType
from credit.errors import EnrollmentUnavailable
from credit.services._common import customer_lock, validated_save
from customers.models import CreditStatus, Customer, CustomerUser, CustomerUserStatus, NetTermsStatus
from customers.presenters import customer_to_dict

# Terms can be accepted while the account is usable or only temporarily on hold.
ENROLLABLE_CREDIT_STATUSES = (CreditStatus.APPROVED, CreditStatus.HOLD)


def customer_user_actor(user: CustomerUser) -> Actor:
    """The audit-trail actor for a customer user on a public page (no staff login, no API client)."""
    return Actor(type=ActorType.SYSTEM, id=user.id, label=f"customer user {user.email} (enrollment link)")


def enrollment_refusal(customer: Customer, *, now: datetime) -> EnrollmentUnavailable | None:
    """Why this customer cannot accept its terms right now, or None when it can."""
    if customer.net_terms_status == NetTermsStatus.ENROLLED:
        return EnrollmentUnavailable("already_enrolled", f"Customer {customer.id} is already enrolled in net terms.")
    expires_at = customer.net_terms_enrollment_expires_at
    if customer.net_terms_status == NetTermsStatus.ENROLLMENT_EXPIRED or (
        customer.net_terms_status == NetTermsStatus.PENDING_ENROLLMENT and expires_at and expires_at <= now
    ):
        return EnrollmentUnavailable("enrollment_expired", "This enrollment link has expired.")
    if (
        customer.net_terms_status != NetTermsStatus.PENDING_ENROLLMENT
        or customer.is_archived
        or customer.credit_status not in ENROLLABLE_CREDIT_STATUSES
    ):
        return EnrollmentUnavailable("enrollment_unavailable", "These terms are no longer on offer.")
    return None


@transaction.atomic
def net_terms_enroll(*, customer: Customer, customer_user: CustomerUser, actor: Actor | None = None) -> Customer:
    """`pending_enrollment` → `enrolled`, accepted by one of the customer's active users."""
    now = timezone.now()
    customer = customer_lock(customer.pk)
    refusal = enrollment_refusal(customer, now=now)
    if refusal:
        raise refusal
    if customer_user.customer_id != customer.id or customer_user.status != CustomerUserStatus.ACTIVE:
        raise EnrollmentUnavailable("customer_user_not_allowed", "Only an active user of this customer can accept.")
    customer.net_terms_status = NetTermsStatus.ENROLLED
    customer.net_terms_enrolled_at = now
    customer.net_terms_enrollment_expires_at = None
    validated_save(
        customer, update_fields=["net_terms_status", "net_terms_enrolled_at", "net_terms_enrollment_expires_at"]
    )
    event_record(
        event_type=EventType.CUSTOMER_UPDATED,
        data={**customer_to_dict(customer), "accepted_by_customer_user_id": customer_user.id},
        actor=actor or customer_user_actor(customer_user),
        customer_id=customer.id,
    )
    return customer


@transaction.atomic
def net_terms_enrollment_expire(*, customer: Customer, actor: Actor = SYSTEM, now: datetime | None = None) -> bool:
    """`pending_enrollment` → `enrollment_expired` once the link's time is up. False when there was nothing to do
    (accepted or already expired meanwhile)."""
    now = now or timezone.now()
    customer = customer_lock(customer.pk)
    expires_at = customer.net_terms_enrollment_expires_at
    if customer.net_terms_status != NetTermsStatus.PENDING_ENROLLMENT or not expires_at or expires_at > now:
        return False
    customer.net_terms_status = NetTermsStatus.ENROLLMENT_EXPIRED
    validated_save(customer, update_fields=["net_terms_status"])
    event_record(event_type=EventType.CUSTOMER_UPDATED, data=customer_to_dict(customer), actor=actor,
                 customer_id=customer.id)  # fmt: skip
    return True
