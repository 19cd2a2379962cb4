"""A sent email appears on the customer's history in the staff UI: what was sent to whom, and who caused it."""

import pytest
from django.urls import reverse

from core.actors import Actor
from core.email.services import email_queue
from tests.factories import CustomerFactory

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
