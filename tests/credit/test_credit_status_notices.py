"""The hold notice and the reinstatement notice, through the suite's real SMTP server: sent by the services that
change the credit status, once the change commits, once per change and user, to every active user whatever they
opted out of; and what the staff see of them on the customer's history."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core.models import OutboundEmail
from credit.models import CreditDecision
from credit.services import credit_deactivate, credit_hold, credit_reinstate, credit_transaction_repay
from credit.tasks import apply_past_due_holds
from customers.models import CustomerUserStatus
from tests.credit.builders import API, OFFICER, approved_customer, completed_transaction
from tests.factories import CustomerUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]

BASE = "https://credit.example.com"
START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _public_base_url(settings):
    settings.PUBLIC_BASE_URL = BASE


@pytest.fixture
def customer():
    customer = approved_customer(name="Acme Tools")
    CustomerUserFactory(customer=customer, email="ada@acme.example", first_name="Ada")
    CustomerUserFactory(customer=customer, email="bob@acme.example", payment_reminders=False)
    CustomerUserFactory(customer=customer, email="gone@acme.example", status=CustomerUserStatus.ARCHIVED)
    return customer


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run a service as a request does: its transaction commits, then its emails' send tasks run."""

    def committed(service, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return service(**kwargs)

    return committed


def recipients(messages) -> list[str]:
    return sorted(address for message in messages for address in message.rcpt_tos)


def test_a_hold_emails_every_active_user_once_even_those_who_opted_out_of_reminders(customer, committed, mailbox):
    decision = committed(credit_hold, customer=customer, actor=OFFICER, hold_code="failed_payment", note="internal")

    messages = mailbox.wait_for(2)
    assert recipients(messages) == ["ada@acme.example", "bob@acme.example"]
    ada = next(message for message in messages if message.rcpt_tos == ["ada@acme.example"])
    assert ada.message["Subject"] == "Acme Tools: purchases on credit are on hold"
    text = ada.part("plain")
    assert "Hello Ada," in text
    assert "Acme Tools's credit line is on hold because a payment did not go through." in text
    assert f"{BASE}/portal/" in text and "internal" not in text
    assert ada.message["List-Unsubscribe"] is None  # not a message one can opt out of
    assert sorted(OutboundEmail.objects.values_list("key", flat=True)) == sorted(
        f"credit_hold:{decision.id}:{user.id}" for user in customer.users.filter(status="active")
    )


def test_lifting_the_hold_emails_a_reinstatement_notice_once(customer, committed, mailbox):
    committed(credit_hold, customer=customer, actor=OFFICER, hold_code="other")
    mailbox.wait_for(2)

    committed(credit_reinstate, customer=customer, actor=OFFICER)

    messages = mailbox.wait_for(4)[2:]
    assert recipients(messages) == ["ada@acme.example", "bob@acme.example"]
    assert {message.message["Subject"] for message in messages} == {"Acme Tools: purchases on credit are open again"}
    assert "you can buy on credit again" in messages[0].part("plain")


def test_a_deactivation_and_a_reinstatement_from_it_send_no_notice(customer, committed, mailbox):
    committed(credit_deactivate, customer=customer, actor=OFFICER)
    committed(credit_reinstate, customer=customer, actor=OFFICER)

    assert OutboundEmail.objects.count() == 0


def test_nothing_is_emailed_before_the_hold_commits(customer, mailbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        credit_hold(customer=customer, actor=OFFICER, hold_code="other")

    assert len(callbacks) >= 2
    assert mailbox.messages == []
    assert OutboundEmail.objects.filter(status="pending").count() == 2


def test_the_automatic_past_due_hold_and_its_release_each_send_one_notice(customer, committed, mailbox):
    with time_machine.travel(START, tick=False) as clock:
        tx = completed_transaction(customer, 100_000)
        clock.shift(timedelta(days=30 + 16))
        committed(apply_past_due_holds)
        committed(apply_past_due_holds)  # the hourly sweep again: no second hold, no second notice
        held = mailbox.wait_for(2)
        assert "because a payment is more than 15 days past its due date" in held[0].part("plain")

        committed(credit_transaction_repay, credit_transaction=tx, actor=API, amount=100_000)

    lifted = mailbox.wait_for(4)[2:]
    assert {message.message["Subject"] for message in lifted} == {"Acme Tools: purchases on credit are open again"}
    assert CreditDecision.objects.filter(decision="hold").count() == 1
    assert OutboundEmail.objects.count() == 4
