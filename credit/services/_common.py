"""What the credit services share: input checks, locking a customer's credit account, validated saves, and the events
every credit change records. Imports: core, customers, and the credit domain modules below the services."""

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.actors import Actor
from core.events import event_record
from core.models import EventType
from core.money import format_wire, validate_amount, validate_currency_code
from credit.errors import InvalidCreditStatus
from credit.models import CreditAccount, CreditBalance, CreditDecision, ein_digits
from credit.presenters import credit_decision_to_dict
from credit.vocabulary import CreditAction, CreditStatus, action_allowed, statuses_allowing
from customers.models import Customer
from customers.presenters import customer_to_dict
from customers.selectors import customer_loaded


def clean_amount(value: int | None, field: str, errors: dict, *, minimum: int = 1) -> int | None:
    """An integer amount in minor units, in range (core.money decides). Records a message in `errors` and returns
    None when the value is unusable."""
    if value is None:
        errors[field] = "This field is required."
        return None
    try:
        return validate_amount(value, minimum=minimum)
    except ValidationError as error:
        errors[field] = error.messages[0]
        return None


def clean_currency(value: str | None, field: str, errors: dict) -> str | None:
    """An ISO 4217 code of core.money's table, exactly as given (no trimming, no case folding)."""
    try:
        return validate_currency_code(value)
    except ValidationError as error:
        errors[field] = error.messages[0]
        return None


def clean_text(value: str | None, field: str, errors: dict, *, max_length: int, required: bool = False) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        errors[field] = "Must be a string."
        return ""
    if required and not value.strip():
        errors[field] = "This field is required."
    elif len(value) > max_length:
        errors[field] = f"Ensure this field has no more than {max_length} characters (it has {len(value)})."
    return value.strip() if required else value


def clean_past_datetime(value: datetime | None, field: str, errors: dict, *, not_before: datetime | None = None):
    """An optional moment that already happened (recording an ERP's invoice date), never in the future."""
    if value is None:
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        errors[field] = "Must be a timezone-aware date and time."
    elif value > timezone.now():
        errors[field] = "Cannot be in the future."
    elif not_before is not None and value < not_before:
        errors[field] = f"Cannot be before {not_before.isoformat()}."
    else:
        return value
    return None


def raise_if(errors: dict) -> None:
    if errors:
        raise ValidationError(errors)


def validated_save(instance: models.Model, *, update_fields: list[str] | None = None) -> None:
    """full_clean without the queries (relations are ours, constraints are enforced by the database), then save.
    With update_fields only those fields are validated: a credit change must not trip over an unrelated one."""
    exclude = [
        field.name
        for field in instance._meta.fields
        if field.is_relation or (update_fields is not None and field.name not in update_fields)
    ]
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    instance.save(update_fields=update_fields)


@dataclass
class Locked:
    """A customer and its credit account (None: never credit checked), both locked until the transaction ends."""

    customer: Customer
    account: CreditAccount | None

    @property
    def credit_status(self) -> str | None:
        return self.account.credit_status if self.account else None


def account_lock(customer_id: str) -> Locked:
    """The customer row, then its credit account, locked. Lock order everywhere: credit check, customer, credit
    account, credit transaction, balance, so that two services never wait on each other in a cycle."""
    customer = Customer.objects.select_for_update().get(pk=customer_id)
    account = CreditAccount.objects.select_for_update().filter(customer_id=customer_id).first()
    return Locked(customer, account)


def account_open(locked: Locked, *, credit_status: str, **fields) -> CreditAccount:
    """The customer's first step into credit: its credit account, made in the caller's transaction (the customer row
    is locked, so no one else can make it meanwhile)."""
    account = CreditAccount(
        customer=locked.customer, credit_status=credit_status, ein_digits=ein_digits(locked.customer.ein), **fields
    )
    validated_save(account)
    locked.account = account
    return account


# How a refusal names the customers an action is allowed for, by credit status.
_STATUS_PHRASES = {
    None: "customers never credit checked",
    CreditStatus.PENDING: "customers waiting for a decision",
    CreditStatus.APPROVED: "approved customers",
    CreditStatus.DECLINED: "declined customers",
    CreditStatus.HOLD: "customers on hold",
    CreditStatus.DEACTIVATED: "deactivated customers",
}


def ensure_allowed(action: CreditAction, locked: Locked, *, doing: str) -> None:
    """InvalidCreditStatus unless the credit transitions table allows `action` from the customer's credit status."""
    if not action_allowed(action, locked.credit_status):
        allowed = " or ".join(_STATUS_PHRASES[status] for status in statuses_allowing(action))
        raise InvalidCreditStatus(
            f"Customer {locked.customer.id} is {locked.credit_status or 'not credit checked'}; only {allowed} can be "
            f"{doing}."
        )


def customer_payload(customer: Customer) -> dict:
    """The customer's wire shape as it is now in this transaction (credit fields included), for an event."""
    return customer_to_dict(customer_loaded(customer))


def decision_create(
    *, customer: Customer, actor: Actor, decision: str, note: str = "", reasons: list[str] | None = None, **fields
) -> CreditDecision:
    """Keep a decision for ever and announce it (customer.credit_decision_created)."""
    row = CreditDecision(
        customer=customer,
        decision=decision,
        reasons=reasons or ([note] if note else []),
        note=note,
        decided_by_type=actor.type,
        decided_by_id=actor.id,
        **fields,
    )
    validated_save(row)
    event_record(
        event_type=EventType.CUSTOMER_CREDIT_DECISION_CREATED,
        data=credit_decision_to_dict(row),
        actor=actor,
        customer_id=customer.id,
    )
    return row


def account_save(locked: Locked, *, previous_status: str | None, actor: Actor, fields: list[str]) -> None:
    """Save credit account fields and announce a change of credit status."""
    validated_save(locked.account, update_fields=fields)
    status_change_record(locked, previous_status=previous_status, actor=actor)


def status_change_record(locked: Locked, *, previous_status: str | None, actor: Actor) -> None:
    """customer.status_updated, when the credit status did change."""
    if previous_status != locked.credit_status:
        event_record(
            event_type=EventType.CUSTOMER_STATUS_UPDATED,
            data={**customer_payload(locked.customer), "previous_credit_status": previous_status},
            actor=actor,
            customer_id=locked.customer.id,
        )


def line_change_record(
    *, customer: Customer, balance: CreditBalance, previous_limit: int, decision: CreditDecision, actor: Actor
) -> None:
    """Announce a new credit line (customer.line_amount_updated) once the ledger has moved."""
    event_record(
        event_type=EventType.CUSTOMER_LINE_AMOUNT_UPDATED,
        data={
            **customer_payload(customer),
            "line": {
                "currency_code": balance.currency_code,
                "credit_limit": format_wire(balance.credit_limit),
                "previous_credit_limit": format_wire(previous_limit),
                "credit_decision_id": decision.id,
            },
        },
        actor=actor,
        customer_id=customer.id,
    )
