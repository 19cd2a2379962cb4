"""Reads for customers: querysets carrying, in one query, everything the wire shape needs."""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.errors import NotFound
from core.ids import is_valid_id
from credit.models import CreditBalance
from customers.filters import CustomerFilterSet, CustomerUserFilterSet, PaymentMethodFilterSet
from customers.models import Customer, CustomerImport, CustomerImportStatus, CustomerUser, PaymentMethod


def customer_queryset() -> QuerySet[Customer]:
    """Customers with their credit-currency balance and default payment method, in the same query (no N+1).

    Correlated subqueries rather than joins: PostgreSQL evaluates them only for the rows a page returns (after the
    sort and LIMIT), so a page deep in a million rows or a broad search costs the same as the first page. A join
    let the planner merge-join the whole balance index to reach a deep cursor (90 ms instead of 1 ms)."""
    balance = CreditBalance.objects.filter(customer_id=OuterRef("pk"), currency_code=OuterRef("credit_currency"))
    default_method = PaymentMethod.objects.filter(customer_id=OuterRef("pk"), is_default=True)
    return Customer.objects.annotate(
        credit_available=Subquery(balance.values("available")[:1]),
        credit_reserved=Subquery(balance.values("reserved")[:1]),
        credit_used=Subquery(balance.values("used")[:1]),
        default_payment_method_id=Subquery(default_method.values("id")[:1]),
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


def customer_imports_stalled(*, now: datetime) -> QuerySet[CustomerImport]:
    """Imports that no task is known to be working on: pending ones never handed to the broker (it was down at
    upload) or handed over longer ago than a worker takes to pick one up (a lost message), and running ones none of
    whose parts moved for as long (handed over again at most that often). A grace period leaves fresh uploads to
    their own after-commit dispatch."""
    grace = now - timedelta(seconds=settings.IMPORT_DISPATCH_GRACE_SECONDS)
    stale = now - timedelta(seconds=settings.IMPORT_REDISPATCH_AFTER_SECONDS)
    not_handed_over_lately = Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=stale)
    pending = Q(status=CustomerImportStatus.PENDING, created_at__lt=grace) & not_handed_over_lately
    # Running, but no part has moved for as long (a part's task was lost, or its worker died with the message).
    stalled = (
        CustomerImport.objects.filter(not_handed_over_lately, status=CustomerImportStatus.RUNNING)
        .annotate(moved_at=Coalesce(Max("parts__updated_at"), "started_at"))
        .filter(Q(moved_at__lt=stale) | Q(moved_at__isnull=True))
        .values("pk")
    )
    return CustomerImport.objects.filter(pending | Q(pk__in=stalled)).order_by("id")
