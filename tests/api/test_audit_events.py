"""Every change of state writes an event, through the API, the services and the Django admin (issue 15, finding 9):
customer-user updates and archives, credit check referrals, webhook endpoint changes. The new types are in the
OpenAPI enum, may be subscribed to, and are delivered."""

import pytest
from django.utils import timezone

from core.actors import Actor
from core.models import Event, WebhookEndpoint
from core.webhooks.dispatcher import event_dispatch
from core.webhooks.services import webhook_endpoint_create, webhook_endpoint_rotate_secret
from credit.services import credit_transaction_bill, credit_transaction_cancel, credit_transaction_repay
from customers.services import customer_user_update
from tests.api.conftest import make_api_key
from tests.credit.builders import completed_transaction, grant_line, referred_check
from tests.factories import CustomerFactory, CustomerUserFactory, WebhookEndpointFactory
from tests.reading import reloaded

pytestmark = pytest.mark.django_db
NEW_TYPES = {
    "customer_user.updated",
    "customer_user.archived",
    "customer.credit_check_referred",
    "webhook_endpoint.created",
    "webhook_endpoint.updated",
    "webhook_endpoint.deleted",
    "credit_transaction.billed",
    "credit_transaction.completed",
    "credit_transaction.canceled",
    "credit_transaction.repaid",
}
URL = "https://hooks.example.com/credit"
API_ACTOR = Actor.api_client("key_tests", label="tests")


def events(event_type: str) -> list[Event]:
    return list(Event.objects.filter(event_type=event_type).order_by("id"))


def test_updating_a_customer_user_writes_customer_user_updated(api):
    user = CustomerUserFactory(first_name="Ann")
    response = api.patch(f"customers/{user.customer_id}/users/{user.id}", {"first_name": "Anna"})
    assert response.status_code == 200
    [event] = events("customer_user.updated")
    assert (event.customer_id, event.data["id"], event.data["first_name"]) == (user.customer_id, user.id, "Anna")
    assert (event.actor_type, event.request_id) == ("api_client", response["X-Request-ID"])


def test_an_update_that_changes_nothing_writes_nothing(api):
    user = CustomerUserFactory(first_name="Ann")
    api.patch(f"customers/{user.customer_id}/users/{user.id}", {"first_name": "Ann"})
    assert events("customer_user.updated") == []


def test_archiving_a_customer_user_writes_customer_user_archived(api):
    user = CustomerUserFactory()
    response = api.delete(f"customers/{user.customer_id}/users/{user.id}")
    assert response.status_code == 200
    [event] = events("customer_user.archived")
    assert (event.data["id"], event.data["status"]) == (user.id, "archived")
    assert events("customer_user.updated") == []


def test_referring_a_credit_check_writes_customer_credit_check_referred():
    check = referred_check(requested_at=timezone.now())
    [event] = events("customer.credit_check_referred")
    assert (event.customer_id, event.data["id"], event.data["credit_check_id"]) == (
        check.customer_id, check.customer_id, check.id,
    )  # fmt: skip
    assert event.actor_label == "tests"


def test_each_step_of_a_purchase_on_credit_writes_the_transactions_event():
    customer = CustomerFactory()
    grant_line(customer, 10_000)
    completed = completed_transaction(reloaded(customer), 1000)
    credit_transaction_repay(credit_transaction=completed, actor=API_ACTOR, amount=400)
    billed = credit_transaction_bill(customer=customer, actor=API_ACTOR, amount=200, currency_code="USD")
    credit_transaction_cancel(credit_transaction=billed, actor=API_ACTOR)
    written = list(Event.objects.filter(event_type__startswith="credit_transaction.").order_by("id"))
    assert [(e.event_type, e.data["id"], e.data["status"]) for e in written] == [
        ("credit_transaction.billed", completed.id, "billed"),
        ("credit_transaction.completed", completed.id, "completed"),
        ("credit_transaction.repaid", completed.id, "completed"),
        ("credit_transaction.billed", billed.id, "billed"),
        ("credit_transaction.canceled", billed.id, "canceled"),
    ]
    repaid = written[2].data
    assert (repaid["amount_outstanding"], repaid["repayment"]["amount"]) == ("600", "400")


def test_webhook_endpoint_create_update_rotate_and_delete_write_events(api):
    created = api.post("webhooks", {"url": URL, "event_types": ["customer.created"]}).json()["data"]
    api.patch(f"webhooks/{created['id']}", {"enabled": False})
    rotate_through_the_staff_ui = Actor.system("tests")
    webhook_endpoint_rotate_secret(endpoint=WebhookEndpoint.objects.get(), actor=rotate_through_the_staff_ui)
    api.delete(f"webhooks/{created['id']}")
    written = list(Event.objects.filter(event_type__startswith="webhook_endpoint.").order_by("id"))
    assert [(e.event_type, e.data["id"], e.data.get("changed")) for e in written] == [
        ("webhook_endpoint.created", created["id"], None),
        ("webhook_endpoint.updated", created["id"], ["enabled"]),
        ("webhook_endpoint.updated", created["id"], ["secret"]),
        ("webhook_endpoint.deleted", created["id"], None),
    ]
    assert all("secret" not in event.data for event in written)
    assert all(event.request_id.startswith("req_") for event in written if event.actor_type == "api_client")


def test_webhook_endpoint_events_are_listed_only_to_clients_that_manage_webhooks(api, anonymous):
    api.post("webhooks", {"url": URL, "event_types": ["customer.created"]})
    anonymous.token = make_api_key(scopes=["customers:read"])
    listed = {event["event_type"] for event in anonymous.get("events").json()["data"]}
    assert "webhook_endpoint.created" not in listed
    assert {event["event_type"] for event in api.get("events").json()["data"]} == {"webhook_endpoint.created"}


def test_the_new_event_types_are_in_the_openapi_enum_and_may_be_subscribed_to(schema):
    enums = [
        set(node["enum"])
        for node in _walk(schema)
        if isinstance(node, dict) and "customer.created" in node.get("enum", [])
    ]
    assert enums and all(enum >= NEW_TYPES for enum in enums)
    endpoint = webhook_endpoint_create(actor=Actor.system(), url=URL, event_types=sorted(NEW_TYPES))
    assert set(endpoint.event_types) == NEW_TYPES


def test_a_new_event_type_is_delivered_to_its_subscribers():
    endpoint = WebhookEndpointFactory(url=URL, event_types=["customer_user.updated"])
    user = CustomerUserFactory(first_name="Ann")
    customer_user_update(user=user, actor=Actor.system(), data={"first_name": "Anna"})
    [event] = events("customer_user.updated")
    [delivery_id] = event_dispatch(event_id=event.id)
    assert endpoint.deliveries.get().id == delivery_id


def _walk(node):
    yield node
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
    for child in children:
        yield from _walk(child)
