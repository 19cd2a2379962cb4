"""A sent email appears on the customer's history in the staff UI: what was sent to whom, and who caused it."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from core.actors import Actor
from core.email.services import email_queue
from core.models import Event, EventType
from credit.services import credit_hold
from credit.services.notices import payment_reminders_send
from tests.credit.builders import API, OFFICER, approved_customer, completed_transaction
from tests.factories import CustomerFactory, CustomerUserFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("eager_tasks")]


def test_a_sent_email_is_on_the_customers_history_with_its_subject_and_recipient(
    client_as, mailbox, django_capture_on_commit_callbacks
):
    customer = CustomerFactory()
    with django_capture_on_commit_callbacks(execute=True):
        email_queue(
            key="hello",
            to=["ap@acme.example"],
            template="test_message",
            context={"site": "https://credit.example.com"},
            customer_id=customer.id,
            actor=Actor(type="staff", id="7", label="alice"),
        )

    page = client_as("viewer").get(reverse("staff:customer_detail", args=[customer.id]))

    html = page.content.decode()
    history = html[html.index('id="events-title"') :]
    assert "Email sent" in history
    assert "Test message from creditdesk" in history and "ap@acme.example" in history
    assert "by alice" in history
    assert "https://credit.example.com" not in history  # the body (and any link in it) stays out of the history


def test_staff_see_which_reminder_and_notice_went_to_whom_for_which_purchase(
    client_as, mailbox, django_capture_on_commit_callbacks, settings
):
    settings.CREDIT_REMINDER_DAYS = "0"
    start = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)
    with time_machine.travel(start, tick=False) as clock:
        customer = approved_customer(name="Acme Tools")
        CustomerUserFactory(customer=customer, email="ada@acme.example")
        completed_transaction(customer, 50_000)
        clock.shift(timedelta(days=30))
        with django_capture_on_commit_callbacks(execute=True):
            payment_reminders_send(today=start.date() + timedelta(days=30), actor=API)
    with django_capture_on_commit_callbacks(execute=True):
        credit_hold(customer=customer, actor=OFFICER, hold_code="other")
    mailbox.wait_for(2)

    page = client_as("viewer").get(reverse("staff:customer_events", args=[customer.id]))

    history = page.content.decode()
    assert history.count("Email sent") == 2
    assert "Acme Tools: purchases on credit are on hold" in history
    reference = Event.objects.filter(event_type=EventType.EMAIL_SENT, data__template="payment_reminder").get()
    assert reference.data["subject"].startswith("Payment due today: ctx_")
    assert reference.data["subject"] in history and "ada@acme.example" in history
