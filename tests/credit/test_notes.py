"""Notes on a customer: what customer_note_add keeps and announces, what it refuses (changing nothing), and where a
promise to pay stands (credit.selectors.with_promise_status)."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.actors import Actor
from core.models import ActorType, Event, EventType
from core.pan import CARD_NUMBER_MESSAGE
from credit.models import CustomerNote
from credit.selectors import customer_note_list
from credit.services import credit_transaction_repay, customer_note_add
from tests.credit.builders import approved_customer, completed_transaction
from tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db

STAFF = Actor(type=ActorType.STAFF, id="7", label="olivia")


def today():
    return timezone.localdate()


def test_a_note_with_a_promise_and_a_follow_up_is_kept_and_announced():
    customer = CustomerFactory()
    promised_on, follow_up_on = today() + timedelta(days=3), today() + timedelta(days=4)
    note = customer_note_add(
        customer=customer,
        actor=STAFF,
        text="  Called AP: cheque goes out Friday  ",
        promised_amount=150_000,
        promised_currency="USD",
        promised_on=promised_on,
        follow_up_on=follow_up_on,
    )
    assert (note.text, note.author_type, note.author_id, note.author_label) == (
        "Called AP: cheque goes out Friday", "staff", "7", "olivia",
    )  # fmt: skip
    event = Event.objects.get(event_type=EventType.CUSTOMER_NOTE_ADDED)
    assert event.customer_id == customer.id
    assert (event.actor_type, event.actor_id) == ("staff", "7")
    assert event.data == {
        "id": note.id,
        "customer_id": customer.id,
        "text": "Called AP: cheque goes out Friday",
        "author": {"type": "staff", "id": "7", "name": "olivia"},
        "promise_to_pay": {"amount": "150000", "currency_code": "USD", "date": promised_on.isoformat()},
        "follow_up_on": follow_up_on.isoformat(),
        "created_at": event.data["created_at"],
    }


def test_a_currency_alone_makes_no_promise():
    note = customer_note_add(customer=CustomerFactory(), actor=STAFF, text="Left a message", promised_currency="USD")
    assert (note.promised_amount, note.promised_currency, note.promised_on) == (None, None, None)
    assert Event.objects.get(event_type=EventType.CUSTOMER_NOTE_ADDED).data["promise_to_pay"] is None


PAST = "Cannot be in the past (today is {today})."
USD_100 = {"promised_amount": 100, "promised_currency": "USD"}


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"text": "   "}, {"text": ["This field is required."]}),
        ({"text": "x" * 2001}, {"text": ["Ensure this field has no more than 2000 characters (it has 2001)."]}),
        (USD_100, {"promised_on": ["A promise to pay needs the date it is due."]}),
        ({"promised_on": "tomorrow", "promised_currency": "USD"}, {"promised_amount": ["This field is required."]}),
        ({**USD_100, "promised_amount": 0, "promised_on": "tomorrow"}, {"promised_amount": ["Must be at least 1."]}),
        (
            {**USD_100, "promised_currency": "ZZZ", "promised_on": "tomorrow"},
            {"promised_currency": ["Enter an ISO 4217 currency code, such as USD."]},
        ),
        ({**USD_100, "promised_on": "yesterday"}, {"promised_on": [PAST]}),
        ({"follow_up_on": "yesterday"}, {"follow_up_on": [PAST]}),
        ({"text": "card 4111 1111 1111 1111"}, {"text": [CARD_NUMBER_MESSAGE]}),
    ],
)
def test_a_bad_note_is_refused_and_changes_nothing(fields, errors):
    days = {"tomorrow": today() + timedelta(days=1), "yesterday": today() - timedelta(days=1)}
    fields = {name: days.get(value, value) if isinstance(value, str) else value for name, value in fields.items()}
    with pytest.raises(ValidationError) as error:
        customer_note_add(customer=CustomerFactory(), actor=STAFF, **{"text": "Called", **fields})
    expected = {field: [m.format(today=today().isoformat()) for m in messages] for field, messages in errors.items()}
    assert error.value.message_dict == expected
    assert not CustomerNote.objects.exists()
    assert not Event.objects.filter(event_type=EventType.CUSTOMER_NOTE_ADDED).exists()


def promise(customer, amount: int, *, days: int = 2, currency: str = "USD") -> CustomerNote:
    return customer_note_add(
        customer=customer,
        actor=STAFF,
        text="Promised",
        promised_amount=amount,
        promised_currency=currency,
        promised_on=today() + timedelta(days=days),
    )


def status_on(customer, day) -> list[tuple[str | None, int]]:
    return [(note.promise_status, note.paid_since) for note in customer_note_list(customer=customer, today=day)]


def test_a_promise_is_open_until_its_date_then_broken_without_a_repayment():
    customer = approved_customer()
    promise(customer, 50_000, days=2)
    assert status_on(customer, today()) == [("open", 0)]
    assert status_on(customer, today() + timedelta(days=2)) == [("open", 0)]
    assert status_on(customer, today() + timedelta(days=3)) == [("broken", 0)]


def test_a_promise_repaid_since_is_kept_even_after_its_date():
    customer = approved_customer()
    purchase = completed_transaction(customer, 100_000)
    promise(customer, 50_000)
    credit_transaction_repay(credit_transaction=purchase, actor=STAFF, amount=30_000)
    credit_transaction_repay(credit_transaction=purchase, actor=STAFF, amount=20_000)
    assert status_on(customer, today() + timedelta(days=30)) == [("kept", 50_000)]


def test_a_part_of_the_promise_repaid_is_still_broken_after_its_date():
    customer = approved_customer()
    purchase = completed_transaction(customer, 100_000)
    promise(customer, 50_000)
    credit_transaction_repay(credit_transaction=purchase, actor=STAFF, amount=49_999)
    assert status_on(customer, today() + timedelta(days=3)) == [("broken", 49_999)]


def test_repayments_before_the_promise_or_in_another_currency_do_not_keep_it():
    customer = approved_customer()
    purchase = completed_transaction(customer, 100_000)
    credit_transaction_repay(credit_transaction=purchase, actor=STAFF, amount=60_000)
    promise(customer, 10_000, currency="EUR")
    note = CustomerNote.objects.get()
    assert status_on(customer, today() + timedelta(days=3)) == [("broken", 0)]
    other = approved_customer()
    credit_transaction_repay(credit_transaction=completed_transaction(other, 100_000), actor=STAFF, amount=10_000)
    assert [n.promise_status for n in customer_note_list(customer=customer, today=today())] == ["open"]
    assert note.promised_currency == "EUR"


def test_a_note_without_a_promise_has_no_promise_status():
    customer = CustomerFactory()
    customer_note_add(customer=customer, actor=STAFF, text="Sent the statement")
    assert status_on(customer, today() + timedelta(days=30)) == [(None, 0)]
