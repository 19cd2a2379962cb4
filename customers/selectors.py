"""Reads for customers: querysets carrying, in one query, everything the wire shape needs."""

from django.core.exceptions import ValidationError
from django.db.models import F, FilteredRelation, Q, QuerySet

from core.errors import NotFound
from core.ids import is_valid_id
from customers.filters import CustomerFilterSet, CustomerUserFilterSet, PaymentMethodFilterSet
from customers.models import Customer, CustomerUser, PaymentMethod


def customer_queryset() -> QuerySet[Customer]:
    """Customers with their credit-currency balance and default payment method joined in (no N+1)."""
    return Customer.objects.annotate(
        current_balance=FilteredRelation(
            "credit_balances", condition=Q(credit_balances__currency_code=F("credit_currency"))
        ),
        default_method=FilteredRelation("payment_methods", condition=Q(payment_methods__is_default=True)),
    ).annotate(
        credit_available=F("current_balance__available"),
        credit_reserved=F("current_balance__reserved"),
        credit_used=F("current_balance__used"),
        default_payment_method_id=F("default_method__id"),
    )


def filtered(filterset_class, filters: dict | None, queryset: QuerySet) -> QuerySet:
    filterset = filterset_class(data=filters or {}, queryset=queryset)
    if not filterset.is_valid():
        raise ValidationError(filterset.errors)
    return filterset.qs


def customer_list(*, filters: dict | None = None) -> QuerySet[Customer]:
    """Customers matching the FilterSet's parameters. Raises django ValidationError on invalid parameters."""
    return filtered(CustomerFilterSet, filters, customer_queryset())


def customer_user_list(*, customer: Customer, filters: dict | None = None) -> QuerySet[CustomerUser]:
    return filtered(CustomerUserFilterSet, filters, CustomerUser.objects.filter(customer=customer))


def payment_method_list(*, customer: Customer, filters: dict | None = None) -> QuerySet[PaymentMethod]:
    return filtered(PaymentMethodFilterSet, filters, PaymentMethod.objects.filter(customer=customer))


def customer_get(*, customer_id: str, for_update: bool = False) -> Customer:
    if not is_valid_id(customer_id, "ctm"):
        raise NotFound(f"No customer with id {customer_id}.")
    try:
        if for_update:
            return Customer.objects.select_for_update().get(pk=customer_id)
        return customer_queryset().get(pk=customer_id)
    except Customer.DoesNotExist:
        raise NotFound(f"No customer with id {customer_id}.") from None


def customer_user_get(*, customer: Customer, user_id: str) -> CustomerUser:
    if not is_valid_id(user_id, "ctu"):
        raise NotFound(f"No customer user with id {user_id}.")
    try:
        return CustomerUser.objects.get(pk=user_id, customer=customer)
    except CustomerUser.DoesNotExist:
        raise NotFound(f"No customer user with id {user_id}.") from None


def payment_method_get(*, customer: Customer, payment_method_id: str) -> PaymentMethod:
    if not is_valid_id(payment_method_id, "paymtd"):
        raise NotFound(f"No payment method with id {payment_method_id}.")
    try:
        return PaymentMethod.objects.get(pk=payment_method_id, customer=customer)
    except PaymentMethod.DoesNotExist:
        raise NotFound(f"No payment method with id {payment_method_id}.") from None
