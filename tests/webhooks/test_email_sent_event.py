"""`email.sent` is an event type like the others: endpoints subscribe to it, the sent email reaches them (what was
sent and to whom, never the body), and the API describes it."""

import pytest

from core.actors import Actor
from core.email.services import email_queue
from core.models import EventType
from core.webhooks.services import webhook_endpoint_create
from tests.factories import CustomerFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]

STAFF = Actor(type="staff", id="7", label="alice")


def test_an_endpoint_subscribed_to_email_sent_receives_each_email_sent_to_a_customer(receiver, mailbox):
    endpoint = webhook_endpoint_create(actor=STAFF, url=receiver.url, event_types=[EventType.EMAIL_SENT])
    customer = CustomerFactory()

    email = email_queue(
        key="hello", to=["ap@acme.example"], template="test_message", context={}, customer_id=customer.id, actor=STAFF
    )

    mailbox.wait_for(1)
    email.refresh_from_db()
    (body,) = receiver.bodies()
    assert endpoint.event_types == ["email.sent"]
    assert body["event_type"] == "email.sent"
    assert body["data"] == {
        "id": email.id,
        "key": "hello",
        "template": "test_message",
        "subject": "Test message from creditdesk",
        "to": ["ap@acme.example"],
        "sent_at": email.sent_at.isoformat().replace("+00:00", "Z"),
    }


def test_the_openapi_document_lists_email_sent_among_the_event_types(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["components"]["schemas"]["EventTypeEnum"]["enum"] == list(EventType.values)
    assert "email.sent" in EventType.values
