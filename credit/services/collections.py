"""Who chases a customer for what it owes: its collections owner, a member of staff kept on its credit account. The
collections worklist filters on it; changing it moves no money."""

from django.contrib.auth import get_user_model
from django.db import transaction

from core.actors import Actor
from core.events import event_record
from core.models import EventType
from credit.errors import InvalidCreditStatus
from credit.models import CreditAccount
from credit.selectors import collections_owner_candidates
from credit.services._common import account_lock, raise_if
from customers.models import Customer


def _owner(username: str, errors: dict):
    """The staff user named `username`, if the worklist may give them customers to chase; None with a message in
    `errors` otherwise."""
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        errors["owner"] = f"No staff user is named “{username}”."
    elif not user.is_active:
        errors["owner"] = f"{username} is inactive: choose an active member of staff."
    elif not collections_owner_candidates().filter(pk=user.pk).exists():
        errors["owner"] = f"{username} has no role that speaks with customers (account manager or credit officer)."
    else:
        return user
    return None


@transaction.atomic
def collections_owner_set(*, customer: Customer, actor: Actor, owner: str | None) -> CreditAccount:
    """Give the customer to the staff user named `owner` to chase, or to no one (None or empty), and announce it
    (customer.collections_owner_updated, with the owner before and after). Setting the owner it already has records
    nothing. The customer must have a credit account (it has been credit checked)."""
    errors: dict = {}
    username = (owner or "").strip()
    user = _owner(username, errors) if username else None
    raise_if(errors)
    account = account_lock(customer.pk).account
    if account is None:
        raise InvalidCreditStatus(
            f"Customer {customer.pk} has never been credit checked: it owes nothing on credit to be chased for."
        )
    previous = account.collections_owner
    if (previous.pk if previous else None) == (user.pk if user else None):
        return account
    account.collections_owner = user
    account.save(update_fields=["collections_owner", "updated_at"])
    event_record(
        event_type=EventType.CUSTOMER_COLLECTIONS_OWNER_UPDATED,
        data={
            "customer_id": customer.pk,
            "collections_owner": user.get_username() if user else None,
            "previous_collections_owner": previous.get_username() if previous else None,
        },
        actor=actor,
        customer_id=customer.pk,
    )
    return account
