"""Notes on a customer by the staff who collect what it owes: what was said, a promise to pay and when to follow up.
A note moves no money; whether its promise was kept is read from the repayments (credit.selectors)."""

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone

from core.actors import Actor
from core.events import event_record
from core.models import EventType
from core.pan import refuse_card_numbers
from credit.models import CustomerNote
from credit.presenters import customer_note_to_dict
from credit.services._common import clean_amount, clean_currency, clean_text, raise_if, validated_save
from customers.models import Customer

NOTE_MAX_LENGTH = 2000


def _clean_date(value: date | None, field: str, errors: dict, *, today: date) -> date | None:
    """An optional calendar date, today or later (a promise or a follow-up is about what comes)."""
    if value is None:
        return None
    if not isinstance(value, date) or isinstance(value, datetime):
        errors[field] = "Must be a date."
    elif value < today:
        errors[field] = f"Cannot be in the past (today is {today.isoformat()})."
    else:
        return value
    return None


@transaction.atomic
def customer_note_add(
    *,
    customer: Customer,
    actor: Actor,
    text: str,
    promised_amount: int | None = None,
    promised_currency: str | None = None,
    promised_on: date | None = None,
    follow_up_on: date | None = None,
) -> CustomerNote:
    """Keep a note and announce it (customer.note_added). A promise to pay is an amount (minor units), its currency
    and a date, all three; a currency given alone (a form's default) makes no promise."""
    today = timezone.localdate()
    errors: dict = {}
    text = clean_text(text, "text", errors, max_length=NOTE_MAX_LENGTH, required=True)
    promised = promised_amount is not None or promised_on is not None
    if promised:
        promised_amount = clean_amount(promised_amount, "promised_amount", errors)
        promised_currency = clean_currency(promised_currency, "promised_currency", errors)
        if promised_on is None:
            errors["promised_on"] = "A promise to pay needs the date it is due."
        promised_on = _clean_date(promised_on, "promised_on", errors, today=today)
    else:
        promised_currency = None
    follow_up_on = _clean_date(follow_up_on, "follow_up_on", errors, today=today)
    raise_if(errors)
    refuse_card_numbers({"text": text})
    note = CustomerNote(
        customer=customer,
        text=text,
        author_type=actor.type,
        author_id=actor.id,
        author_label=actor.label,
        promised_amount=promised_amount,
        promised_currency=promised_currency,
        promised_on=promised_on,
        follow_up_on=follow_up_on,
    )
    validated_save(note)
    event_record(
        event_type=EventType.CUSTOMER_NOTE_ADDED,
        data=customer_note_to_dict(note),
        actor=actor,
        customer_id=customer.id,
    )
    return note
