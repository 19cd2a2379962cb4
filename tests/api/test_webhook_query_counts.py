"""The webhooks, deliveries and events lists run a fixed number of queries whatever `per_page` is."""

import pytest

from core.actors import SYSTEM
from customers.services import customer_create, customer_update
from tests.api.test_query_counts import queries_for
from tests.factories import WebhookAttemptFactory, WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db


def test_webhook_endpoint_list_queries_do_not_grow_with_per_page(warm_api):
    for n in range(15):
        WebhookEndpointFactory(url=f"https://hooks.example.com/{n}")

    small, _ = queries_for(warm_api, "webhooks", per_page=2)
    large, body = queries_for(warm_api, "webhooks", per_page=12)

    # the page, the table's statistics, then — only while the table was never analysed (autovacuum decides when) —
    # the planner estimate and a capped count: 3 or 4, but never more with a bigger page.
    assert small == large
    assert small <= 4
    assert len(body["data"]) == 12


def test_delivery_list_queries_do_not_grow_with_per_page(warm_api):
    endpoint = WebhookEndpointFactory()
    for delivery in WebhookDeliveryFactory.create_batch(15, endpoint=endpoint, attempt_count=2):
        WebhookAttemptFactory.create_batch(2, delivery=delivery, response_status=500)
    path = f"webhooks/{endpoint.id}/deliveries"

    small, _ = queries_for(warm_api, path, per_page=2, status="pending")
    large, body = queries_for(warm_api, path, per_page=12, status="pending")

    # the endpoint, the page with its events, the attempts of the page, the planner estimate, a capped count
    assert small == large == 5
    assert len(body["data"]) == 12
    assert {len(item["attempts"]) for item in body["data"]} == {2}


def test_event_list_queries_do_not_grow_with_per_page(warm_api):
    for n in range(8):
        customer = customer_create(actor=SYSTEM, email=f"ap@{n}.example")
        customer_update(customer=customer, actor=SYSTEM, data={"name": f"Business {n}"})

    small, _ = queries_for(warm_api, "events", per_page=2, event_type="customer.updated,customer.created")
    large, body = queries_for(warm_api, "events", per_page=12, event_type="customer.updated,customer.created")

    assert small == large == 3  # the page, the planner estimate, a capped count
    assert len(body["data"]) == 12
