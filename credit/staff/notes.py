"""Notes on a customer in the staff UI: the form (credit.services.customer_note_add decides) and what the customer
page's Notes section shows (registered in credit.staff.parts)."""

from dataclasses import dataclass

from django.http import HttpRequest
from django.utils import timezone

from core.money import format_human
from core.staff.access import Capability
from credit.models import CustomerNote
from credit.selectors import customer_note_list
from credit.services import customer_note_add
from credit.staff.display import newest_first
from credit.staff.forms import CustomerNoteForm
from credit.staff.views import _CreditActionView
from customers.models import Customer

NOTES_SHOWN = 10


@dataclass(frozen=True)
class NoteRow:
    """A note as the page shows it: its promise in words and where that promise stands (with_promise_status)."""

    note: CustomerNote
    promise: str
    promise_status: str | None


def note_rows(notes: list[CustomerNote]) -> list[NoteRow]:
    """Notes loaded through credit.selectors.customer_note_list."""
    return [
        NoteRow(
            note,
            format_human(note.promised_amount, note.promised_currency) if note.promised_amount is not None else "",
            note.promise_status,
        )
        for note in notes
    ]


def notes_context(request: HttpRequest, customer: Customer) -> dict:
    """The customer's newest notes (two queries whatever their number)."""
    page = newest_first(customer_note_list(customer=customer, today=timezone.localdate()), per_page=NOTES_SHOWN)
    return {"customer_notes": page, "customer_note_rows": note_rows(page.items)}


class CustomerNoteAddView(_CreditActionView):
    capability = Capability.CUSTOMER_NOTES
    form_class = CustomerNoteForm
    title_format = "Add a note on {customer}"
    intro = (
        "What was said or done. A promise to pay is flagged as broken once its date has passed without a repayment "
        "of that amount in that currency since the note."
    )
    submit_label = "Add note"
    anchor = "#notes"

    def initial(self):
        return {"promised_currency": self.credit_currency or "USD"}

    def call_service(self, form):
        return customer_note_add(customer=self.object, actor=self.actor, **form.cleaned_data)

    def message(self, note):
        parts = ["Note added"]
        if note.promised_amount is not None:
            promise = format_human(note.promised_amount, note.promised_currency)
            parts.append(f"a promise of {promise} by {note.promised_on:%b %-d, %Y}")
        if note.follow_up_on:
            parts.append(f"next follow-up {note.follow_up_on:%b %-d, %Y}")
        return ", ".join(parts) + "."
