"""Helpers shared by the credit services: input cleaning, locking, validated saves and the events every credit
change records."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from core.actors import Actor
from core.events import event_record
from core.models import EventType
from core.money import format_wire, parse_wire_amount, validate_amount, validate_currency_code
from credit.models import CreditBalance, CreditDecision
from credit.presenters import credit_decision_to_dict
from customers.models import Customer
from customers.presenters import customer_to_dict


def clean_amount(value: Any, field: str, errors: dict, *, minimum: int = 1) -> int | None:
    """An integer amount in minor units from an int or a wire string of digits (core.money decides both). Records a
    message in `errors` and returns None when the value is unusable."""
    if value is None or value == "":
        errors[field] = "This field is required."
        return None
    try:
        if isinstance(value, str):
            return parse_wire_amount(value, minimum=minimum)
        return validate_amount(value, minimum=minimum)
    except ValidationError as error:
        errors[field] = error.messages[0]
        return None


def clean_currency(value: Any, field: str, errors: dict) -> str | None:
    """An ISO 4217 code of core.money's table, exactly as given (no trimming, no case folding)."""
    try:
        return validate_currency_code(value)
    except ValidationError as error:
        errors[field] = error.messages[0]
        return None


def clean_text(value: Any, field: str, errors: dict, *, max_length: int, required: bool = False) -> str:
    value = "" if value is None else value
    if not isinstance(value, str):
        errors[field] = "Must be a string."
        return ""
    if required and not value.strip():
        errors[field] = "This field is required."
    elif len(value) > max_length:
        errors[field] = f"Ensure this field has no more than {max_length} characters (it has {len(value)})."
    return value.strip() if required else value


def clean_past_datetime(value: Any, field: str, errors: dict, *, not_before=None):
    """An optional moment that already happened (recording an ERP's invoice date), never in the future."""
    if value is None:
        return None
    if not hasattr(value, "tzinfo") or value.tzinfo is None:
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


def customer_lock(customer_id: str) -> Customer:
    """The customer row, locked until the transaction ends. Lock order everywhere: credit check, customer,
    credit transaction, balance, so that two services never wait on each other in a cycle."""
    return Customer.objects.select_for_update().get(pk=customer_id)


def decision_create(
    *, customer: Customer, actor: Actor, decision: str, note: str = "", **fields: Any
) -> CreditDecision:
    """Keep a decision for ever and announce it (customer.credit_decision_created)."""
    reasons = fields.pop("reasons", None) or ([note] if note else [])
    row = CreditDecision(
        customer=customer,
        decision=decision,
        reasons=reasons,
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


def customer_credit_save(customer: Customer, *, previous_status: str | None, actor: Actor, fields: list[str]) -> None:
    """Save credit fields of a locked customer and announce a change of credit status."""
    validated_save(customer, update_fields=fields)
    status_change_record(customer=customer, previous_status=previous_status, actor=actor)


def status_change_record(*, customer: Customer, previous_status: str | None, actor: Actor) -> None:
    """customer.status_updated, when the credit status did change."""
    if previous_status != customer.credit_status:
        event_record(
            event_type=EventType.CUSTOMER_STATUS_UPDATED,
            data={**customer_to_dict(customer), "previous_credit_status": previous_status},
            actor=actor,
            customer_id=customer.id,
        )


def line_change_record(
    *, customer: Customer, balance: CreditBalance, previous_limit: int, decision: CreditDecision, actor: Actor
) -> None:
    """Announce a new credit line (customer.line_amount_updated) once the ledger has moved."""
    event_record(
        event_type=EventType.CUSTOMER_LINE_AMOUNT_UPDATED,
        data={
            **customer_to_dict(customer),
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
