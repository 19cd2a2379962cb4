"""Writes for customers: create (one, or many for a bulk import), update, archive, restore. Each records its event in
the same transaction and refuses a full card number anywhere (core.pan). Imports: core and the customers domain
modules below the services (models, extensions, selectors, presenters)."""

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
from core.jsondoc import validate_json_documents
from core.models import EventType
from core.pan import refuse_card_numbers
from core.validation import ModelValidator
from customers import extensions
from customers.models import Customer, CustomerStatus
from customers.presenters import customer_to_dict
from customers.selectors import customer_queryset
from customers.services._common import reject_unknown


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


CUSTOMER_WRITABLE_FIELDS = tuple(CustomerFields.__annotations__)
# Clearing these stores None; clearing any other text field stores "" (as blank forms do).
_NULLABLE = frozenset({"external_id", "default_terms", "custom_data", "import_meta"})
JSON_DOCUMENT_FIELDS = ("custom_data", "import_meta")


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


def _checked(fields: CustomerFields) -> dict:
    """The fields a customer service may store: known names, JSON documents within their limits (checked again by
    the model; here first, because the card-number search walks them), no card number anywhere (custom_data
    included)."""
    reject_unknown(fields, CUSTOMER_WRITABLE_FIELDS)
    validate_json_documents(fields, JSON_DOCUMENT_FIELDS)
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
    before = customer_to_dict(customer) if changed else {}
    for name in changed:
        value = data[name]
        setattr(customer, name, "" if value is None and name not in _NULLABLE else value)
    if changed:
        _save_customer(customer, update_fields=changed)
        extensions.customer_saved(customer, changed)
        after = customer_to_dict(customer)
        # What the update changed, as it was before (the wire shape): the history shows before → after.
        previous = {key: value for key, value in before.items() if after[key] != value and key != "updated_at"}
        event_record(
            event_type=EventType.CUSTOMER_UPDATED,
            data={**after, "previous_attributes": previous},
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
