"""Writes for customer users: the people of a customer who may buy on its credit line. Imports: core and the
customers domain modules below the services."""

from typing import TypedDict, Unpack

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower

from core.actors import Actor
from core.errors import ApplicationError
from core.events import event_record
from core.models import EventType
from core.pan import refuse_card_numbers
from core.selectors import get_by_id
from customers.models import Customer, CustomerUser, CustomerUserStatus
from customers.presenters import customer_user_to_dict
from customers.selectors import customer_user_default_role
from customers.services._common import ensure_active, reject_unknown


class CustomerUserFields(TypedDict, total=False):
    email: str
    first_name: str | None
    last_name: str | None
    status: str
    payment_reminders: bool
    role: str


CUSTOMER_USER_WRITABLE_FIELDS = tuple(CustomerUserFields.__annotations__)


def _save_customer_user(user: CustomerUser, *, update_fields: list[str] | None = None) -> None:
    user.full_clean(validate_constraints=False, exclude=["customer"])
    duplicate = (
        CustomerUser.objects.annotate(email_lower=Lower("email"))
        .filter(customer_id=user.customer_id, email_lower=user.email.strip().lower())
        .exclude(pk=user.pk)
    )
    if duplicate.exists():
        raise ApplicationError(
            "conflict", "This customer already has a user with this email.", status=409, field="email"
        )
    try:
        with transaction.atomic():
            user.save(update_fields=update_fields)
    except IntegrityError:
        raise ApplicationError(
            "conflict", "This customer already has a user with this email.", status=409, field="email"
        ) from None


def _active_customer_lock(customer_id: str) -> Customer:
    """The customer locked until the transaction ends, refused if archived: an archive racing a change of its users
    waits, or is waited for, and never leaves a new user on an archived customer."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    ensure_active(customer)
    return customer


def _checked_user(fields: CustomerUserFields) -> dict:
    reject_unknown(fields, CUSTOMER_USER_WRITABLE_FIELDS)
    refuse_card_numbers(fields)
    return dict(fields)


@transaction.atomic
def customer_user_create(*, customer: Customer, actor: Actor, **fields: Unpack[CustomerUserFields]) -> CustomerUser:
    """Add a user. Without `role`, the customer's first active user becomes its admin and later ones members."""
    fields = _checked_user(fields)
    customer = _active_customer_lock(customer.pk)
    if fields.get("role") is None:
        fields["role"] = customer_user_default_role(customer=customer)
    user = CustomerUser(customer=customer, **{key: value for key, value in fields.items() if value is not None})
    _save_customer_user(user)
    event_record(
        event_type=EventType.CUSTOMER_USER_CREATED,
        data=customer_user_to_dict(user),
        actor=actor,
        customer_id=customer.id,
    )
    return user


@transaction.atomic
def customer_user_update(*, user: CustomerUser, actor: Actor, data: CustomerUserFields) -> CustomerUser:
    data = _checked_user(data)
    _active_customer_lock(user.customer_id)
    # Read afresh under its lock: two updates (or archives) at once each compare with what the other left.
    user = get_by_id(
        CustomerUser.objects.select_for_update().filter(customer_id=user.customer_id), user.pk, noun="customer user"
    )
    changed = [name for name, value in data.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, data[name] if data[name] is not None else "")
    if changed:
        _save_customer_user(user, update_fields=changed)
        archived = "status" in changed and user.status == CustomerUserStatus.ARCHIVED
        event_record(
            event_type=EventType.CUSTOMER_USER_ARCHIVED if archived else EventType.CUSTOMER_USER_UPDATED,
            data=customer_user_to_dict(user),
            actor=actor,
            customer_id=user.customer_id,
        )
    return user


@transaction.atomic
def customer_user_archive(*, user: CustomerUser, actor: Actor) -> CustomerUser:
    return customer_user_update(user=user, actor=actor, data={"status": CustomerUserStatus.ARCHIVED})
