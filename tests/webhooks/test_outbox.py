"""The dispatcher fans each event out once, and the periodic sweep redoes what the after-commit step missed."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from config.celery import app as celery_app
from core.actors import SYSTEM
from core.models import DeliveryStatus, Event, WebhookDelivery
from core.webhooks.dispatcher import event_dispatch, outbox_sweep
from core.webhooks.services import webhook_endpoint_update
from customers.services import customer_create, customer_update
from tests.factories import CustomerFactory, WebhookEndpointFactory
from tests.reading import reloaded

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("eager_tasks")]


@pytest.fixture
def clock():
    with time_machine.travel(datetime(2031, 3, 3, 9, 0, tzinfo=UTC), tick=False) as traveller:
        yield traveller


def committed_but_never_dispatched(customer, event_type="customer.updated"):
    """An event as left by a process that died between its commit and the after-commit dispatch."""
    return Event.objects.create(event_type=event_type, customer=customer, data={"id": customer.id}, actor_type="system")


def test_the_sweep_sends_an_event_whose_after_commit_dispatch_never_ran(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    event = committed_but_never_dispatched(CustomerFactory())

    result = outbox_sweep()

    assert result["undispatched_events"] == 1 and result["deliveries_created"] == 1
    assert [body["event_id"] for body in receiver.bodies()] == [event.id]
    event = reloaded(event)
    assert event.dispatched_at == timezone.now()
    assert WebhookDelivery.objects.get(event=event, endpoint=endpoint).status == DeliveryStatus.DELIVERED


def test_an_event_is_fanned_out_once_however_often_it_is_dispatched(clock, receiver):
    WebhookEndpointFactory(url=receiver.url)
    event = committed_but_never_dispatched(CustomerFactory())

    first = event_dispatch(event_id=event.id)
    second = event_dispatch(event_id=event.id)
    outbox_sweep()

    assert (len(first), second) == (1, [])
    assert WebhookDelivery.objects.filter(event=event).count() == 1
    assert len(receiver.requests) == 1


def test_the_sweep_publishes_a_lost_delivery_once_it_is_a_minute_overdue(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url)
    event = committed_but_never_dispatched(CustomerFactory())
    Event.objects.filter(pk=event.pk).update(dispatched_at=timezone.now())
    # Its task never reached the broker (or the broker lost it).
    delivery = WebhookDelivery.objects.create(endpoint=endpoint, event=event, next_attempt_at=timezone.now())

    clock.shift(59)
    early = outbox_sweep()
    clock.shift(2)
    late = outbox_sweep()

    assert (early["overdue_deliveries"], late["overdue_deliveries"], late["deliveries_published"]) == (0, 1, 1)
    assert [body["notification_id"] for body in receiver.bodies()] == [delivery.id]


def test_the_sweep_leaves_deliveries_that_wait_for_an_earlier_one(clock, receiver):
    WebhookEndpointFactory(url=receiver.url)
    receiver.answer(503)
    customer = customer_create(actor=SYSTEM, email="ap@acme.example")
    customer_update(customer=customer, actor=SYSTEM, data={"name": "Acme"})

    clock.shift(timedelta(seconds=91))
    result = outbox_sweep()

    # The first is overdue (its retry was due 61 s ago); the second waits behind it and is sent after it.
    assert (result["overdue_deliveries"], result["deliveries_published"]) == (1, 1)
    assert receiver.answered() == [
        ("customer.created", 503), ("customer.created", 200), ("customer.updated", 200),
    ]  # fmt: skip


def test_an_endpoint_gets_only_events_that_occurred_after_it_was_created(clock, receiver):
    event = committed_but_never_dispatched(CustomerFactory())
    clock.shift(1)
    endpoint = WebhookEndpointFactory(url=receiver.url)

    outbox_sweep()

    assert not WebhookDelivery.objects.filter(endpoint=endpoint).exists()
    assert Event.objects.get(pk=event.pk).dispatched_at is not None


def test_pending_deliveries_of_a_disabled_endpoint_wait_and_go_out_once_it_is_enabled_again(clock, receiver):
    endpoint = WebhookEndpointFactory(url=receiver.url, event_types=["customer.created"])
    receiver.answer(503)
    customer_create(actor=SYSTEM, email="ap@acme.example")
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM, data={"enabled": False})

    clock.shift(timedelta(hours=2))
    while_disabled = outbox_sweep()
    webhook_endpoint_update(endpoint=endpoint, actor=SYSTEM, data={"enabled": True})
    after = outbox_sweep()

    assert (while_disabled["overdue_deliveries"], after["deliveries_published"]) == (0, 1)
    assert [request.answered for request in receiver.requests] == [503, 200]
    assert WebhookDelivery.objects.get(endpoint=endpoint).status == DeliveryStatus.DELIVERED


def test_beat_runs_the_registered_sweep_task_every_minute():
    entry = celery_app.conf.beat_schedule["webhooks-outbox-sweep"]

    assert entry["schedule"] == 60.0
    assert celery_app.tasks[entry["task"]].apply().get() == {
        "events_without_subscribers": 0,
        "undispatched_events": 0,
        "deliveries_created": 0,
        "overdue_deliveries": 0,
        "deliveries_published": 0,
    }
