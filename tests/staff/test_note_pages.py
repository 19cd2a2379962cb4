"""Notes on the customer page: the form calls customer_note_add (its refusals next to the fields, nothing changed),
the Notes section flags a broken promise, and the note is in the customer's history."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import Event, EventType
from credit.models import CustomerNote
from credit.services import customer_note_add
from tests.credit.builders import OFFICER, approved_customer
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


def add_url(customer) -> str:
    return reverse("staff:customer_note_add", args=[customer.id])


def detail(customer) -> str:
    return reverse("staff:customer_detail", args=[customer.id])


def in_days(days: int) -> str:
    return (timezone.localdate() + timedelta(days=days)).isoformat()


def test_an_account_manager_adds_a_note_with_a_promise_in_major_units(client_as):
    customer = approved_customer()
    manager = client_as("account_manager")
    assert manager.get(add_url(customer)).context["form"].initial == {"promised_currency": "USD"}
    response = manager.post(
        add_url(customer),
        {
            "text": "Called AP, cheque goes out Friday",
            "promised_amount": "1,500.50",
            "promised_currency": "USD",
            "promised_on": in_days(3),
            "follow_up_on": in_days(4),
        },
    )
    assert (response.status_code, response["Location"]) == (302, detail(customer) + "#notes")
    note = CustomerNote.objects.get(customer=customer)
    assert (note.promised_amount, note.promised_currency, note.author_label) == (150_050, "USD", manager.user.username)
    page = manager.get(response["Location"])
    on = timezone.localdate() + timedelta(days=3)
    follow = timezone.localdate() + timedelta(days=4)
    assert [str(m) for m in page.context["messages"]] == [
        f"Note added, a promise of 1,500.50 USD by {on:%b %-d, %Y}, next follow-up {follow:%b %-d, %Y}."
    ]
    html = page.content.decode()
    assert "Called AP, cheque goes out Friday" in html
    assert "Promise open" in html
    assert "Customer note added" in html  # the history


def test_a_note_without_a_promise_ignores_the_default_currency(client_as):
    customer = approved_customer()
    response = client_as("credit_officer").post(
        add_url(customer), {"text": "Sent statement", "promised_currency": "USD"}
    )
    assert response.status_code == 302
    note = CustomerNote.objects.get()
    assert (note.promised_amount, note.promised_currency) == (None, None)


@pytest.mark.parametrize(
    ("fields", "field", "error"),
    [
        ({"text": ""}, "text", "This field is required."),
        ({"promised_amount": "lots"}, "promised_amount", "Enter an amount such as 25,000.00."),
        ({"promised_amount": "12.345"}, "promised_amount", "USD amounts have 2 decimal places."),
        ({"promised_amount": "100", "promised_currency": ""}, "promised_currency",
         "Say which currency the promised amount is in."),
        ({"promised_currency": "ZZZ", "promised_amount": "100"}, "promised_currency",
         "Enter an ISO 4217 currency code, such as USD."),
        ({"promised_amount": "100", "promised_on": ""}, "promised_on", "A promise to pay needs the date it is due."),
        ({"promised_on": "not a date"}, "promised_on", "Enter a valid date."),
        ({"follow_up_on": "2001-01-01"}, "follow_up_on", "Cannot be in the past (today is {today})."),
    ],
)  # fmt: skip
def test_a_bad_note_is_refused_next_to_its_field_and_changes_nothing(client_as, fields, field, error):
    customer = approved_customer()
    good = {"text": "Called", "promised_amount": "100", "promised_currency": "USD", "promised_on": in_days(2)}
    response = client_as("credit_officer").post(add_url(customer), {**good, **fields})
    assert response.status_code == 200
    assert response.context["form"].errors == {field: [error.format(today=timezone.localdate().isoformat())]}
    assert not CustomerNote.objects.exists()
    assert not Event.objects.filter(event_type=EventType.CUSTOMER_NOTE_ADDED).exists()


def test_a_broken_promise_is_flagged_on_the_customer_page(client_as):
    customer = approved_customer()
    customer_note_add(
        customer=customer,
        actor=OFFICER,
        text="Promised by Monday",
        promised_amount=10_000,
        promised_currency="USD",
        promised_on=timezone.localdate() + timedelta(days=1),
    )
    viewer = client_as("viewer")
    assert "Promise open" in viewer.get(detail(customer)).content.decode()
    with time_machine.travel(timezone.now() + timedelta(days=2)):
        html = viewer.get(detail(customer)).content.decode()
    assert "Promise broken" in html
    assert "Promise open" not in html


def test_only_roles_that_write_notes_see_the_button(client_as):
    customer = CustomerFactory()
    assert add_url(customer) not in client_as("viewer").get(detail(customer)).content.decode()
    assert add_url(customer) in client_as("account_manager").get(detail(customer)).content.decode()


def test_the_notes_section_takes_the_same_queries_however_many_notes(client_as):
    customer = approved_customer()
    viewer = client_as("viewer")

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert viewer.get(detail(customer)).status_code == 200
        return len(queries)

    customer_note_add(customer=customer, actor=OFFICER, text="first")
    few = count()
    for n in range(12):
        customer_note_add(customer=customer, actor=OFFICER, text=f"note {n}")
    assert count() == few
