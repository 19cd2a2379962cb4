"""Events nobody subscribes to cost the writer no fan-out; a stale subscription snapshot delays, never loses."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.actors import Actor
from core.models import Event, WebhookDelivery
from core.webhooks.dispatcher import outbox_sweep
from core.webhooks.services import webhook_endpoint_create, webhook_endpoint_update
from core.webhooks.subscriptions import CACHE_KEY, subscribed_event_types
from customers.services import customer_create
from tests.factories import WebhookEndpointFactory
from tests.reading import reloaded

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]

ACTOR = Actor.system("test")


@pytest.fixture(autouse=True)
def _fresh_snapshot():
    cache.delete(CACHE_KEY)
    yield
    cache.delete(CACHE_KEY)


def test_a_write_nobody_subscribes_to_runs_no_fan_out_and_the_sweep_marks_it():
    WebhookEndpointFactory(event_types=["payment_method.added"])
    subscribed_event_types()  # warm the snapshot, as any earlier request would have

    with CaptureQueriesContext(connection) as queries:
        customer = customer_create(actor=ACTOR, email="ap@quiet.example")

    assert not [q for q in queries if "core_webhookendpoint" in q["sql"] or 'UPDATE "core_event"' in q["sql"]]
    event = Event.objects.get(customer=customer)
    assert event.dispatched_at is None
    assert outbox_sweep()["events_without_subscribers"] == 1
    event = reloaded(event)
    assert event.dispatched_at is not None
    assert not WebhookDelivery.objects.exists()


def test_an_endpoint_created_while_the_snapshot_is_stale_still_gets_the_event_from_the_sweep(receiver):
    cache.set(CACHE_KEY, [], 60)  # another process cached "no subscribers" just before the endpoint committed
    endpoint = WebhookEndpointFactory(url=receiver.url, event_types=["customer.created"])
    cache.set(CACHE_KEY, [], 60)

    customer = customer_create(actor=ACTOR, email="ap@late.example")
    assert not WebhookDelivery.objects.exists()

    outbox_sweep()

    delivery = WebhookDelivery.objects.get(endpoint=endpoint)
    assert delivery.event.customer_id == customer.id
    assert [body["event_type"] for body in receiver.bodies()] == ["customer.created"]


def test_creating_or_changing_an_endpoint_refreshes_the_snapshot():
    assert subscribed_event_types() == frozenset()
    endpoint = webhook_endpoint_create(actor=ACTOR, url="http://127.0.0.1:9/hook", event_types=["customer.created"])

    assert subscribed_event_types() == frozenset({"customer.created"})
    webhook_endpoint_update(endpoint=endpoint, actor=ACTOR, data={"enabled": False})
    assert subscribed_event_types() == frozenset()
