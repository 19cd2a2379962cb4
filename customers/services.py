"""Writes for customers, customer users and payment methods. Each takes an actor and records its event in the same
transaction as the change; each refuses a full card number in anything it stores (core.pan). Imports: core and the
customers domain modules below it (models, extensions, selectors, presenters)."""

import functools
from collections.abc import Collection, Iterable
from typing import TypedDict, Unpack

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from core.actors import Actor
from core.bulk import bulk_insert, new_instance, text_in
from core.errors import ApplicationError, CustomerArchived
from core.events import event_record, events_record_many
from core.models import EventType
from core.pan import refuse_card_numbers
from core.validation import ModelValidator
from customers import extensions
from customers.models import Customer, CustomerStatus, CustomerUser, CustomerUserStatus, PaymentMethod
from customers.presenters import customer_to_dict, customer_user_to_dict, payment_method_to_dict
from customers.selectors import customer_queryset


class CustomerFields(TypedDict, total=False):
    """The writable fields of a customer, as the API, the staff forms, the admin and the import pass them."""

    email: str
    name: str | None
    legal_name: str | None
    locale: str
    external_id: str | None
    ein: str | None
    street_address: str | None
    sub_premise: str | None
    city: str | None
    state: str | None
    postal_code: str | None
    country: str | None
    default_terms: str | None
    marketing_consent: bool
    custom_data: dict | None
    import_meta: dict | None


class CustomerUpdate(CustomerFields, total=False):
    """An update may also archive or restore."""

    status: str


class CustomerUserFields(TypedDict, total=False):
    email: str
    first_name: str | None
    last_name: str | None
    status: str


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


CUSTOMER_WRITABLE_FIELDS = tuple(CustomerFields.__annotations__)
CUSTOMER_USER_WRITABLE_FIELDS = tuple(CustomerUserFields.__annotations__)
# Clearing these stores None; clearing any other text field stores "" (as blank forms do).
_NULLABLE = frozenset({"external_id", "default_terms", "custom_data", "import_meta"})


class CustomerAlreadyExists(ApplicationError):
    def __init__(self, existing_id: str):
        super().__init__(
            "customer_already_exists",
            f"customer email conflicts with customer of id {existing_id}",
            status=409,
            field="email",
        )


def _active_with_email(email: str, *, exclude_id: str | None = None) -> Customer | None:
    queryset = Customer.objects.annotate(email_lower=Lower("email")).filter(
        email_lower=email.strip().lower(), status=CustomerStatus.ACTIVE
    )
    if exclude_id:
        queryset = queryset.exclude(pk=exclude_id)
    return queryset.only("id").first()


def _save_customer(customer: Customer, *, update_fields: list[str] | None = None) -> None:
    """Validate and save. Email uniqueness among active customers is the database's constraint; the services are
    wrapped by `_email_conflicts_answered`, which turns a conflict into customer_already_exists."""
    if customer.country:
        customer.country = customer.country.upper()
    # The only unique field is the generated primary key, so no uniqueness query is needed.
    customer.full_clean(validate_unique=False, validate_constraints=False)
    try:
        customer.save(update_fields=update_fields)
    except IntegrityError as error:
        error.customer = customer
        raise


def _email_conflicts_answered(service):
    """Outside the service's transaction (so no savepoint is paid on every write): a unique-email violation,
    concurrent or not, becomes customer_already_exists naming the existing customer."""

    @functools.wraps(service)
    def wrapper(**kwargs):
        try:
            return service(**kwargs)
        except IntegrityError as error:
            customer = getattr(error, "customer", None)
            if customer is not None and customer.status == CustomerStatus.ACTIVE:
                existing = _active_with_email(customer.email, exclude_id=customer.pk)
                if existing is not None:
                    raise CustomerAlreadyExists(existing.id) from None
            raise

    return wrapper


def _reject_unknown(data: Collection[str], allowed: tuple[str, ...]) -> None:
    if unknown := set(data) - _as_set(allowed):
        raise ValidationError({name: "Unknown field." for name in sorted(unknown)})


_as_set = functools.cache(frozenset)  # the allowed names, once per tuple (a bulk import checks every row)


def _checked(fields: CustomerFields) -> dict:
    """The fields a customer service may store: known names, no card number anywhere (custom_data included)."""
    _reject_unknown(fields, CUSTOMER_WRITABLE_FIELDS)
    refuse_card_numbers(fields)
    return dict(fields)


_customer_validator = ModelValidator(Customer)


def customer_build(**fields: Unpack[CustomerFields]) -> Customer:
    """A validated, unsaved customer: exactly what `customer_create` would accept, short of the email check.
    Checks what `full_clean` checks, remembering outcomes for values that repeat (core.validation)."""
    given = {key: value for key, value in _checked(fields).items() if value is not None}
    customer = new_instance(Customer, given)
    if customer.country:
        customer.country = customer.country.upper()
    _customer_validator.validate(customer, given.keys())
    customer.normalise()
    return customer


def customer_check(*, fields: CustomerFields, customer: Customer | None = None) -> None:
    """What `customer_create` (no `customer`) or `customer_update` would refuse these fields for, raised without
    saving anything: unknown fields, a card number, invalid values, an email another active customer has. For forms
    that must show errors before their save (the admin's)."""
    current = {name: getattr(customer, name) for name in CUSTOMER_WRITABLE_FIELDS} if customer else {}
    candidate = customer_build(**{**current, **fields})
    email = fields.get("email")
    if email and (customer is None or customer.status == CustomerStatus.ACTIVE):
        existing = _active_with_email(candidate.email, exclude_id=customer.pk if customer else None)
        if existing is not None:
            raise CustomerAlreadyExists(existing.id)


def active_customer_ids_by_email(emails: Collection[str]) -> dict[str, str]:
    """{email: id} of the active customers having one of these (lower-cased) emails: one lookup in the unique index
    on lower(email), whatever the table's statistics say."""
    if not emails:
        return {}
    return dict(
        Customer.objects.filter(text_in(Lower("email"), emails), status=CustomerStatus.ACTIVE)
        .order_by()
        .values_list("email", "id")
    )


@_email_conflicts_answered
@transaction.atomic
def customer_create(*, actor: Actor, **fields: Unpack[CustomerFields]) -> Customer:
    customer = Customer(**{key: value for key, value in _checked(fields).items() if value is not None})
    _save_customer(customer)
    event_record(
        event_type=EventType.CUSTOMER_CREATED,
        data=customer_to_dict(customer, new=True),
        actor=actor,
        customer_id=customer.id,
    )
    return customer


@transaction.atomic
def customers_create_many(
    *, customers: Iterable[Customer], actor: Actor, emails: Collection[str] | None = None
) -> dict[int, CustomerAlreadyExists]:
    """Insert customers made by `customer_build` with one COPY, and their customer.created events with another.

    `customers` may be a generator: each customer is sent to PostgreSQL as soon as it is made, so the server
    inserts while the next one is built; pass `emails` then (every email the customers may have, lower-cased), so
    conflicts are looked up before the first one arrives. A customer whose email an active customer (or an earlier
    one here) already has is left out; the refusals are returned by position. A conflicting insert by another
    writer meanwhile raises IntegrityError and inserts nothing (callers fall back to `customer_create`)."""
    if emails is None:
        customers = list(customers)
        emails = {customer.email for customer in customers}
    taken = active_customer_ids_by_email(emails)
    conflicts: dict[int, CustomerAlreadyExists] = {}

    def accepted():
        for index, customer in enumerate(customers):
            if existing_id := taken.get(customer.email):
                conflicts[index] = CustomerAlreadyExists(existing_id)
                continue
            taken[customer.email] = customer.id
            yield customer

    inserted = bulk_insert(Customer, accepted())
    if inserted:
        events_record_many(
            event_type=EventType.CUSTOMER_CREATED,
            items=((customer_to_dict(customer, new=True), customer.id) for customer in inserted),
            actor=actor,
        )
    return conflicts


def _customer_lock(customer: Customer) -> Customer:
    """The customer row locked until the transaction ends, loaded with everything its wire shape shows."""
    return customer_queryset().select_for_update(of=("self",)).get(pk=customer.pk)


@_email_conflicts_answered
@transaction.atomic
def customer_update(*, customer: Customer, actor: Actor, data: CustomerUpdate) -> Customer:
    """Update any writable field (none required). `status` archives or restores."""
    data = dict(data)
    status = data.pop("status", None)
    data = _checked(data)
    customer = _customer_lock(customer)
    if status is not None and status not in CustomerStatus.values:
        raise ValidationError({"status": f"Must be one of: {', '.join(CustomerStatus.values)}."})
    if customer.is_archived and data and status != CustomerStatus.ACTIVE:
        raise CustomerArchived(customer.id)
    if status == CustomerStatus.ACTIVE and customer.is_archived:
        customer = customer_restore(customer=customer, actor=actor)
    changed = [name for name, value in data.items() if getattr(customer, name) != value]
    for name in changed:
        value = data[name]
        setattr(customer, name, "" if value is None and name not in _NULLABLE else value)
    if changed:
        _save_customer(customer, update_fields=changed)
        extensions.customer_saved(customer, changed)
        event_record(
            event_type=EventType.CUSTOMER_UPDATED,
            data=customer_to_dict(customer),
            actor=actor,
            customer_id=customer.id,
        )
    if status == CustomerStatus.ARCHIVED and not customer.is_archived:
        customer = customer_archive(customer=customer, actor=actor)
    return customer


@transaction.atomic
def customer_archive(*, customer: Customer, actor: Actor) -> Customer:
    customer = _customer_lock(customer)
    if customer.is_archived:
        return customer
    customer.status = CustomerStatus.ARCHIVED
    customer.archived_at = timezone.now()
    customer.save(update_fields=["status", "archived_at"])
    event_record(
        event_type=EventType.CUSTOMER_ARCHIVED, data=customer_to_dict(customer), actor=actor, customer_id=customer.id
    )
    return customer


@_email_conflicts_answered
@transaction.atomic
def customer_restore(*, customer: Customer, actor: Actor) -> Customer:
    customer = _customer_lock(customer)
    if not customer.is_archived:
        return customer
    customer.status = CustomerStatus.ACTIVE
    customer.archived_at = None
    _save_customer(customer, update_fields=["status", "archived_at"])
    event_record(
        event_type=EventType.CUSTOMER_RESTORED, data=customer_to_dict(customer), actor=actor, customer_id=customer.id
    )
    return customer


# --- customer users -------------------------------------------------------------------------------------------------


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


def _ensure_active(customer: Customer) -> None:
    if customer.is_archived:
        raise CustomerArchived(customer.id)


def _checked_user(fields: CustomerUserFields) -> dict:
    _reject_unknown(fields, CUSTOMER_USER_WRITABLE_FIELDS)
    refuse_card_numbers(fields)
    return dict(fields)


@transaction.atomic
def customer_user_create(*, customer: Customer, actor: Actor, **fields: Unpack[CustomerUserFields]) -> CustomerUser:
    fields = _checked_user(fields)
    _ensure_active(customer)
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
    _ensure_active(user.customer)
    changed = [name for name, value in data.items() if getattr(user, name) != value]
    for name in changed:
        setattr(user, name, data[name] if data[name] is not None else "")
    if changed:
        _save_customer_user(user, update_fields=changed)
    return user


@transaction.atomic
def customer_user_archive(*, user: CustomerUser, actor: Actor) -> CustomerUser:
    return customer_user_update(user=user, actor=actor, data={"status": CustomerUserStatus.ARCHIVED})


# --- payment methods ------------------------------------------------------------------------------------------------


@transaction.atomic
def payment_method_add(
    *, customer: Customer, actor: Actor, make_default: bool = False, **fields: Unpack[PaymentMethodFields]
) -> PaymentMethod:
    """Store a tokenised card or bank account. The customer's first method becomes its default."""
    refuse_card_numbers(fields)
    customer = Customer.objects.select_for_update().get(pk=customer.pk)
    _ensure_active(customer)
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


@transaction.atomic
def payment_method_set_default(*, method: PaymentMethod, actor: Actor) -> PaymentMethod:
    # Lock the customer so two concurrent "make default" calls serialise instead of racing the unique constraint.
    customer = Customer.objects.select_for_update().get(pk=method.customer_id)
    _ensure_active(customer)
    method = PaymentMethod.objects.get(pk=method.pk)
    if method.is_default:
        return method
    previous = customer.payment_methods.filter(is_default=True).values_list("id", flat=True).first()
    customer.payment_methods.filter(is_default=True).update(is_default=False)
    method.is_default = True
    method.save(update_fields=["is_default", "updated_at"])
    event_record(
        event_type=EventType.DEFAULT_PAYMENT_METHOD_CHANGED,
        data={"customer_id": customer.id, "payment_method_id": method.id, "previous_payment_method_id": previous},
        actor=actor,
        customer_id=customer.id,
    )
    return method


@transaction.atomic
def payment_method_delete(*, method: PaymentMethod, actor: Actor) -> None:
    customer = Customer.objects.select_for_update().get(pk=method.customer_id)
    _ensure_active(customer)
    data = payment_method_to_dict(method)
    method.delete()
    event_record(event_type=EventType.PAYMENT_METHOD_DELETED, data=data, actor=actor, customer_id=customer.id)
