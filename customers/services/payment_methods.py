"""Writes for payment methods: a tokenised card or bank account is added, made the default, deleted. Never a card or
account number: only the provider's token and display fields (core.pan refuses anything else). Imports: core and
the customers domain modules below the services."""

from typing import TypedDict, Unpack

from django.db import transaction

from core.actors import Actor
from core.events import event_record
from core.models import EventType
from core.pan import refuse_card_numbers
from core.selectors import get_by_id
from customers.models import Customer, PaymentMethod
from customers.presenters import payment_method_to_dict
from customers.services._common import ensure_active


class PaymentMethodFields(TypedDict, total=False):
    type: str
    provider: str
    provider_token: str
    last4: str
    card_brand: str
    exp_month: int | None
    exp_year: int | None
    bank_account_type: str | None
    bank_name: str


@transaction.atomic
def payment_method_add(
    *, customer: Customer, actor: Actor, make_default: bool = False, **fields: Unpack[PaymentMethodFields]
) -> PaymentMethod:
    """Store a tokenised card or bank account. The customer's first method becomes its default."""
    refuse_card_numbers(fields)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    ensure_active(customer)
    method = PaymentMethod(customer=customer, **{key: value for key, value in fields.items() if value is not None})
    method.full_clean(validate_constraints=False, exclude=["customer"])
    has_default = customer.payment_methods.filter(is_default=True).exists()
    method.is_default = not has_default
    method.save()
    event_record(
        event_type=EventType.PAYMENT_METHOD_ADDED,
        data=payment_method_to_dict(method),
        actor=actor,
        customer_id=customer.id,
    )
    if make_default and not method.is_default:
        method = payment_method_set_default(method=method, actor=actor)
    return method


def _locked(method: PaymentMethod) -> tuple[Customer, PaymentMethod]:
    """The customer, then the payment method, locked until the transaction ends and read afresh: whoever held them
    before us may have deleted the method (NotFound, as if it had never been found) or made it the default. Locking
    the customer first serialises every change of its payment methods (the one-default rule spans them all)."""
    customer = Customer.objects.select_for_update().get(pk=method.customer_id)
    ensure_active(customer)
    queryset = PaymentMethod.objects.select_for_update().filter(customer=customer)
    return customer, get_by_id(queryset, method.pk, noun="payment method")


@transaction.atomic
def payment_method_set_default(*, method: PaymentMethod, actor: Actor) -> PaymentMethod:
    customer, method = _locked(method)
    if method.is_default:
        return method
    previous = customer.payment_methods.filter(is_default=True).values_list("id", flat=True).first()
    customer.payment_methods.filter(is_default=True).update(is_default=False)
    method.is_default = True
    method.save(update_fields=["is_default"])
    event_record(
        event_type=EventType.DEFAULT_PAYMENT_METHOD_CHANGED,
        data={"customer_id": customer.id, "payment_method_id": method.id, "previous_payment_method_id": previous},
        actor=actor,
        customer_id=customer.id,
    )
    return method


@transaction.atomic
def payment_method_delete(*, method: PaymentMethod, actor: Actor) -> PaymentMethod:
    """Delete it; returns it as it was. Deleting one that is already gone (a second click, a race lost to another
    delete) is NotFound and records nothing: one delete, one event."""
    customer, method = _locked(method)
    PaymentMethod.objects.filter(pk=method.pk).delete()  # the instance keeps its id (Model.delete clears it)
    event_record(
        event_type=EventType.PAYMENT_METHOD_DELETED,
        data=payment_method_to_dict(method),
        actor=actor,
        customer_id=customer.id,
    )
    return method
