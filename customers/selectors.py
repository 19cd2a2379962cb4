"""Reads for customers: querysets carrying, in one query, everything the wire shape needs (the customer's default
payment method and whatever the registered extensions add, credit's included). Imports: core and the customers
domain modules below it (models, filters, extensions)."""

from collections.abc import Mapping
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from core.filters import filtered
from core.selectors import get_by_id
from customers import extensions
from customers.filters import CustomerFilterSet, CustomerUserFilterSet, PaymentMethodFilterSet
from customers.models import (
    Customer,
    CustomerImport,
    CustomerImportStatus,
    CustomerStatus,
    CustomerUser,
    CustomerUserRole,
    CustomerUserStatus,
    PaymentMethod,
)


def customer_queryset() -> QuerySet[Customer]:
    """Customers with what `customers.presenters.customer_to_dict` reads, in the same query (no N+1): the default
    payment method's id, and what each extension selects (credit: the credit account and the balance in the credit
    currency).

    Correlated subqueries rather than joins for what may have several rows: PostgreSQL evaluates them only for the
    rows a page returns (after the sort and LIMIT), so a page deep in a million rows or a broad search costs the same
    as the first page."""
    default_method = PaymentMethod.objects.filter(customer_id=OuterRef("pk"), is_default=True)
    queryset = Customer.objects.annotate(default_payment_method_id=Subquery(default_method.values("id")[:1]))
    return extensions.load(queryset)


def customer_list(*, filters: Mapping | None = None) -> QuerySet[Customer]:
    """Customers matching the FilterSet's parameters. Raises django ValidationError on invalid parameters."""
    return filtered(CustomerFilterSet, filters, customer_queryset())


def customer_user_list(*, customer: Customer, filters: Mapping | None = None) -> QuerySet[CustomerUser]:
    return filtered(CustomerUserFilterSet, filters, CustomerUser.objects.filter(customer=customer))


def payment_method_list(*, customer: Customer, filters: Mapping | None = None) -> QuerySet[PaymentMethod]:
    return filtered(PaymentMethodFilterSet, filters, PaymentMethod.objects.filter(customer=customer))


def customer_get(*, customer_id: str) -> Customer:
    """One customer, loaded for `customer_to_dict`."""
    return get_by_id(customer_queryset(), customer_id, noun="customer")


def customer_loaded(customer: Customer) -> Customer:
    """The customer read again with everything its wire shape shows, as it is now (after a change of another app's
    state, such as its credit, that the instance in hand does not carry)."""
    return customer_queryset().get(pk=customer.pk)


def customer_user_get(*, customer: Customer, user_id: str) -> CustomerUser:
    return get_by_id(CustomerUser.objects.filter(customer=customer), user_id, noun="customer user")


def customer_user_default_role(*, customer: Customer) -> str:
    """The role of a user added without one: admin when the customer has no active admin yet, else member."""
    has_admin = customer.users.filter(status=CustomerUserStatus.ACTIVE, role=CustomerUserRole.ADMIN).exists()
    return CustomerUserRole.MEMBER if has_admin else CustomerUserRole.ADMIN


def active_customer_users(*, customer: Customer) -> QuerySet[CustomerUser]:
    """The customer's active users, earliest first."""
    return customer.users.filter(status=CustomerUserStatus.ACTIVE).order_by("created_at", "id")


class CustomerUserUnavailable(Exception):
    """The id names no active user of the customer; `why` says so in words ("is not a user of this customer",
    "is archived"), for the caller's refusal to finish."""

    def __init__(self, why: str):
        super().__init__(why)
        self.why = why


def active_customer_user(*, customer: Customer, customer_user_id: str) -> CustomerUser:
    """One of this customer's active users (a purchase's buyer, a portal session's person), or
    CustomerUserUnavailable: the one rule of who may act for a customer."""
    user = CustomerUser.objects.filter(customer_id=customer.pk, pk=customer_user_id).first()
    if user is None:
        raise CustomerUserUnavailable("is not a user of this customer")
    if user.status != CustomerUserStatus.ACTIVE:
        raise CustomerUserUnavailable(f"is {user.status}")
    return user


def active_customer_user_by_email(*, customer: Customer, email: str) -> CustomerUser | None:
    return customer.users.filter(email__iexact=email.strip(), status=CustomerUserStatus.ACTIVE).first()


def active_customer_users_with_email(*, email: str) -> QuerySet[CustomerUser]:
    """Every active user with this address among active customers (one person may buy for several companies), with
    their customer, in id order."""
    return (
        CustomerUser.objects.filter(
            email=email.strip().lower(), status=CustomerUserStatus.ACTIVE, customer__status=CustomerStatus.ACTIVE
        )
        .select_related("customer")
        .order_by("id")
    )


def payment_method_get(*, customer: Customer, payment_method_id: str) -> PaymentMethod:
    return get_by_id(PaymentMethod.objects.filter(customer=customer), payment_method_id, noun="payment method")


def customer_import_list() -> QuerySet[CustomerImport]:
    """Imports, newest first, without their files (megabytes the pages never need), with who made them."""
    return CustomerImport.objects.defer("content").select_related("created_by")


def customer_import_get(*, import_id: str) -> CustomerImport:
    return get_by_id(customer_import_list(), import_id, noun="import")


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
