"""The served OpenAPI document describes the webhooks and events operations as they behave: presenters' exact
output, the secret only in the creation response, their filters and their error codes."""

import pytest
from django.test import Client

from core.actors import Actor
from core.models import Event
from core.webhooks.presenters import event_to_dict, webhook_delivery_to_dict, webhook_endpoint_to_dict
from core.webhooks.selectors import webhook_delivery_get
from customers.services import customer_create
from tests.api.test_schema import validate
from tests.api.test_url_walk import OPERATIONS
from tests.factories import WebhookAttemptFactory, WebhookDeliveryFactory, WebhookEndpointFactory

pytestmark = pytest.mark.django_db

WEBHOOKS = "/api/v1/webhooks"


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def properties(schema, component: str) -> set[str]:
    return set(schema["components"]["schemas"][component]["properties"])


def test_endpoint_presenters_match_their_schemas(schema):
    endpoint = WebhookEndpointFactory(description="")

    assert properties(schema, "WebhookEndpoint") == set(webhook_endpoint_to_dict(endpoint))
    assert properties(schema, "WebhookEndpointCreated") == set(webhook_endpoint_to_dict(endpoint, include_secret=True))
    validate(schema, "WebhookEndpoint", webhook_endpoint_to_dict(endpoint))
    validate(schema, "WebhookEndpointCreated", webhook_endpoint_to_dict(endpoint, include_secret=True))


def test_the_secret_is_documented_only_in_the_creation_response(schema):
    created = schema["paths"][WEBHOOKS]["post"]["responses"]["201"]["content"]["application/json"]["schema"]
    fetched = schema["paths"][f"{WEBHOOKS}/{{endpoint_id}}"]["get"]["responses"]["200"]["content"]

    assert created == {"$ref": "#/components/schemas/WebhookEndpointCreatedResponse"}
    assert fetched["application/json"]["schema"] == {"$ref": "#/components/schemas/WebhookEndpointResponse"}
    assert "secret" not in properties(schema, "WebhookEndpoint")


def test_delivery_presenter_matches_its_schema(schema):
    delivery = WebhookDeliveryFactory(status="delivered", attempt_count=2)
    WebhookAttemptFactory(delivery=delivery, response_status=None, error="ConnectionError: refused")
    WebhookAttemptFactory(delivery=delivery, response_excerpt="ok")

    data = webhook_delivery_to_dict(webhook_delivery_get(endpoint=delivery.endpoint, delivery_id=delivery.id))

    assert properties(schema, "WebhookDelivery") == set(data)
    assert properties(schema, "WebhookAttempt") == set(data["attempts"][0])
    validate(schema, "WebhookDelivery", data)


@pytest.mark.parametrize(
    "actor", [Actor.system(), Actor(type="staff", id="3", label="olivia"),
              Actor.api_client("apikey_" + "1" * 26, label="ERP")],
)  # fmt: skip
def test_event_presenter_matches_its_schema(schema, actor):
    customer = customer_create(actor=actor, email="ap@acme.example")

    data = event_to_dict(Event.objects.get(customer=customer))

    assert properties(schema, "Event") == set(data)
    assert properties(schema, "Actor") == set(data["actor"])
    validate(schema, "Event", data)


def test_list_operations_document_their_filters(schema):
    def names(path):
        return {parameter["name"] for parameter in schema["paths"][path]["get"]["parameters"]}

    assert names("/api/v1/events") >= {"event_type", "customer_id", "occurred_at_start", "occurred_at_end",
                                       "per_page", "after", "before", "order_by"}  # fmt: skip
    assert names(f"{WEBHOOKS}/{{endpoint_id}}/deliveries") >= {"status", "event_type", "per_page", "order_by"}


def test_replay_documents_its_error_codes(schema):
    responses = schema["paths"][f"{WEBHOOKS}/{{endpoint_id}}/deliveries/{{delivery_id}}/replay"]["post"]["responses"]

    assert "endpoint_disabled" in responses["422"]["description"]
    assert "conflict" in responses["409"]["description"]
    assert "not_found" in responses["404"]["description"]


def test_creating_an_endpoint_links_to_the_operations_on_it(schema):
    links = schema["paths"][WEBHOOKS]["post"]["responses"]["201"]["links"]

    assert set(links) == {"getWebhookEndpoint", "updateWebhookEndpoint", "deleteWebhookEndpoint",
                          "listWebhookDeliveries"}  # fmt: skip
    assert links["listWebhookDeliveries"]["parameters"] == {"endpoint_id": "$response.body#/data/id"}


def test_the_url_walk_covers_every_webhooks_and_events_operation():
    # So the 401 / 403 walk and the schema checks above reach these routes (the walk makes ids that match nothing).
    found = {
        (method, path) for path, method, _ in OPERATIONS if path.startswith(("/api/v1/webhooks", "/api/v1/events"))
    }
    endpoint, delivery = "/api/v1/webhooks/endpoint_" + "0" * 26, "delivery_" + "0" * 26
    assert found == {
        ("GET", "/api/v1/webhooks"), ("POST", "/api/v1/webhooks"), ("GET", endpoint), ("PATCH", endpoint),
        ("DELETE", endpoint), ("GET", f"{endpoint}/deliveries"), ("POST", f"{endpoint}/deliveries/{delivery}/replay"),
        ("GET", "/api/v1/events"),
    }  # fmt: skip
