"""The event log and delivery lists: filters, keyset pagination, wire shapes, constant query counts."""

import pytest
from django.core.exceptions import ValidationError

from core.actors import Actor
from core.errors import NotFound
from core.models import Event, WebhookAttempt
from core.pagination import keyset_paginate, parse_ordering
from core.webhooks.dispatcher import event_dispatch
from core.webhooks.presenters import event_to_dict, webhook_delivery_to_dict
from core.webhooks.selectors import (
    event_list,
    webhook_delivery_get,
    webhook_delivery_list,
    webhook_endpoint_get,
)
from customers.services import customer_create, customer_update
from tests.factories import WebhookEndpointFactory

pytestmark = pytest.mark.django_db

STAFF = Actor(type="staff", id="12", label="ada@staff.example")


def two_customers_with_history():
    first = customer_create(actor=STAFF, email="ap@first.example")
    customer_update(customer=first, actor=STAFF, data={"name": "First"})
    second = customer_create(actor=STAFF, email="ap@second.example")
    return first, second


def ids(queryset):
    return list(queryset.values_list("id", flat=True))


def test_the_event_log_filters_by_customer():
    first, second = two_customers_with_history()

    assert [e.event_type for e in event_list(filters={"customer_id": first.id})] == [
        "customer.created", "customer.updated",
    ]  # fmt: skip
    assert len(event_list(filters={"customer_id": f"{first.id},{second.id}"})) == 3


def test_the_event_log_filters_by_comma_separated_types():
    first, second = two_customers_with_history()

    created = event_list(filters={"event_type": "customer.created"})
    both = event_list(filters={"event_type": "customer.created,customer.updated", "customer_id": first.id})

    assert [e.customer_id for e in created] == [first.id, second.id]
    assert len(both) == 2


def test_an_unknown_event_type_filter_is_a_validation_error():
    with pytest.raises(ValidationError) as error:
        event_list(filters={"event_type": "customer.created,customer.melted"})

    assert "event_type" in error.value.message_dict


def test_the_event_log_pages_by_keyset_in_time_order():
    two_customers_with_history()
    ordering = parse_ordering("id[DESC]", allowed=("id",))

    first_page = keyset_paginate(event_list(), ordering=ordering, per_page=2)
    second_page = keyset_paginate(event_list(), ordering=ordering, per_page=2, after=first_page.end_cursor)

    all_ids = ids(Event.objects.order_by("-id"))
    assert [e.id for e in first_page.items] + [e.id for e in second_page.items] == all_ids
    assert (first_page.has_more, second_page.has_more) == (True, False)


def test_an_event_shows_its_actor_for_the_audit_trail():
    customer = customer_create(actor=STAFF, email="ap@acme.example")

    shape = event_to_dict(Event.objects.get(customer=customer))

    assert shape["actor"] == {"type": "staff", "id": "12", "label": "ada@staff.example"}
    assert (shape["event_type"], shape["customer_id"], shape["data"]["email"]) == (
        "customer.created", customer.id, "ap@acme.example",
    )  # fmt: skip
    assert shape["id"].startswith("evt_") and shape["occurred_at"].endswith("Z")


def endpoint_with_deliveries(count: int):
    endpoint = WebhookEndpointFactory()
    for n in range(count):
        event = Event.objects.create(event_type="customer.created", data={"n": n}, actor_type="system")
        (delivery_id,) = event_dispatch(event_id=event.id)
        WebhookAttempt.objects.create(delivery_id=delivery_id, response_status=500, duration_ms=12, error="")
        WebhookAttempt.objects.create(delivery_id=delivery_id, response_status=200, duration_ms=8)
    return endpoint


def test_a_delivery_shows_its_attempts_oldest_first():
    endpoint = endpoint_with_deliveries(1)

    (delivery,) = webhook_delivery_list(endpoint=endpoint)
    shape = webhook_delivery_to_dict(delivery)

    assert (shape["endpoint_id"], shape["event_type"], shape["status"]) == (endpoint.id, "customer.created", "pending")
    assert [(a["response_status"], a["duration_ms"], a["error"]) for a in shape["attempts"]] == [
        (500, 12, None), (200, 8, None),
    ]  # fmt: skip


@pytest.mark.parametrize("count", [1, 6])
def test_a_page_of_deliveries_costs_the_same_queries_whatever_its_size(count, django_assert_num_queries):
    endpoint = endpoint_with_deliveries(count)
    ordering = parse_ordering(None, allowed=("id",))

    # The page and its look-ahead row (with the event joined), then every attempt of the page in one query.
    with django_assert_num_queries(2):
        page = keyset_paginate(webhook_delivery_list(endpoint=endpoint), ordering=ordering, per_page=50)
        shapes = [webhook_delivery_to_dict(delivery) for delivery in page.items]

    assert len(shapes) == count and all(len(shape["attempts"]) == 2 for shape in shapes)


def test_deliveries_filter_by_status():
    endpoint = endpoint_with_deliveries(2)

    assert len(webhook_delivery_list(endpoint=endpoint, filters={"status": "pending"})) == 2
    assert len(webhook_delivery_list(endpoint=endpoint, filters={"status": "delivered,failed"})) == 0


def test_a_delivery_of_another_endpoint_is_not_found():
    endpoint = endpoint_with_deliveries(1)
    other = WebhookEndpointFactory()
    delivery_id = webhook_delivery_list(endpoint=endpoint).get().id

    with pytest.raises(NotFound):
        webhook_delivery_get(endpoint=other, delivery_id=delivery_id)
    assert webhook_delivery_get(endpoint=endpoint, delivery_id=delivery_id).id == delivery_id


@pytest.mark.parametrize(
    "endpoint_id", ["ntfset_nope", "ctm_01jx00000000000000000000000", "ntfset_01jx0000000000000000000000"]
)
def test_a_malformed_or_unknown_endpoint_id_is_not_found(endpoint_id):
    with pytest.raises(NotFound):
        webhook_endpoint_get(endpoint_id=endpoint_id)
