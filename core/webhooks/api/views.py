"""Webhook endpoints, their deliveries, and the event log (docs/api.md). Thin adapters: validate with a serializer,
call a service or selector, answer with presenter output."""

from core.api.schema import api_operation
from core.api.views import ApiView
from core.models import EventType, Scope
from core.webhooks.api.outputs import EventOut, WebhookDeliveryOut, WebhookEndpointCreatedOut, WebhookEndpointOut
from core.webhooks.api.serializers import WebhookEndpointInput, WebhookEndpointUpdateInput
from core.webhooks.filters import EventFilterSet, WebhookDeliveryFilterSet
from core.webhooks.presenters import event_to_dict, webhook_delivery_to_dict, webhook_endpoint_to_dict
from core.webhooks.selectors import (
    event_list,
    webhook_delivery_get,
    webhook_delivery_list,
    webhook_endpoint_get,
    webhook_endpoint_list,
)
from core.webhooks.services import (
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_endpoint_delete,
    webhook_endpoint_update,
)

ENDPOINT_ORDERING = ("id", "created_at", "updated_at")
DELIVERY_ORDERING = ("id", "created_at")
EVENT_ORDERING = ("id", "occurred_at")

# Events whose data is read elsewhere with another scope than customers:read are listed only to clients that also hold
# that scope: a credit object (a decision with its score and reasons, a balance with its ledger entry, a purchase on
# credit, a collections note with its promise to pay, who chases the customer) needs credit:read, a webhook endpoint
# (where the application's events go) webhooks:manage. The other events carry the customer, its users and payment
# methods, which customers:read already shows.
EVENT_TYPE_SCOPES = {
    EventType.CUSTOMER_CREDIT_DECISION_CREATED: Scope.CREDIT_READ,
    EventType.CREDIT_BALANCE_UPDATED: Scope.CREDIT_READ,
    EventType.CREDIT_TRANSACTION_BILLED: Scope.CREDIT_READ,
    EventType.CREDIT_TRANSACTION_COMPLETED: Scope.CREDIT_READ,
    EventType.CREDIT_TRANSACTION_CANCELED: Scope.CREDIT_READ,
    EventType.CREDIT_TRANSACTION_REPAID: Scope.CREDIT_READ,
    EventType.CUSTOMER_NOTE_ADDED: Scope.CREDIT_READ,
    EventType.CUSTOMER_COLLECTIONS_OWNER_UPDATED: Scope.CREDIT_READ,
    EventType.WEBHOOK_ENDPOINT_CREATED: Scope.WEBHOOKS_MANAGE,
    EventType.WEBHOOK_ENDPOINT_UPDATED: Scope.WEBHOOKS_MANAGE,
    EventType.WEBHOOK_ENDPOINT_DELETED: Scope.WEBHOOKS_MANAGE,
}


class WebhooksApiView(ApiView):
    read_scope = write_scope = Scope.WEBHOOKS_MANAGE
    openapi_tags = ["Webhooks"]


class WebhookEndpointListView(WebhooksApiView):
    @api_operation(
        operation_id="listWebhookEndpoints",
        summary="List webhook endpoints",
        description="Secrets are never listed: each is shown once, when its endpoint is created.",
        response=WebhookEndpointOut,
        paginated=True,
        ordering=ENDPOINT_ORDERING,
    )
    def get(self, request):
        return self.respond_page(
            webhook_endpoint_list(), present=webhook_endpoint_to_dict, ordering_fields=ENDPOINT_ORDERING
        )

    @api_operation(
        operation_id="createWebhookEndpoint",
        summary="Register a webhook endpoint",
        description="The response carries the endpoint's signing `secret`, and no other response ever will: store "
        "it now. Deliveries are POSTed as `{event_id, event_type, occurred_at, notification_id, data}` with a "
        '`Signature: ts=<unix>;h1=<hex HMAC-SHA256 of "ts:raw body">` header keyed with that secret. Only http(s) '
        "URLs are accepted and, in production, only hosts whose every address is public.",
        request=WebhookEndpointInput,
        response=WebhookEndpointCreatedOut,
        status=201,
    )
    def post(self, request):
        endpoint = webhook_endpoint_create(actor=self.actor, **self.validated(WebhookEndpointInput))
        return self.respond(webhook_endpoint_to_dict(endpoint, include_secret=True), status=201)


class WebhookEndpointDetailView(WebhooksApiView):
    @api_operation(operation_id="getWebhookEndpoint", summary="Get a webhook endpoint", response=WebhookEndpointOut)
    def get(self, request, endpoint_id):
        return self.respond(webhook_endpoint_to_dict(webhook_endpoint_get(endpoint_id=endpoint_id)))

    @api_operation(
        operation_id="updateWebhookEndpoint",
        summary="Update a webhook endpoint",
        description="Only the fields sent change. Disabling pauses its pending deliveries; enabling resumes them.",
        request=WebhookEndpointUpdateInput,
        response=WebhookEndpointOut,
    )
    def patch(self, request, endpoint_id):
        data = self.validated(WebhookEndpointUpdateInput, partial=True)
        endpoint = webhook_endpoint_update(
            endpoint=webhook_endpoint_get(endpoint_id=endpoint_id), actor=self.actor, data=data
        )
        return self.respond(webhook_endpoint_to_dict(endpoint))

    @api_operation(
        operation_id="deleteWebhookEndpoint",
        summary="Delete a webhook endpoint",
        description="Deletes the endpoint with its deliveries and their attempts; returns the endpoint as it was.",
        response=WebhookEndpointOut,
    )
    def delete(self, request, endpoint_id):
        endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
        data = webhook_endpoint_to_dict(endpoint)
        webhook_endpoint_delete(endpoint=endpoint, actor=self.actor)
        return self.respond(data)


class WebhookDeliveryListView(WebhooksApiView):
    @api_operation(
        operation_id="listWebhookDeliveries",
        summary="List an endpoint's deliveries",
        description="Each delivery with its attempts (status, duration, the first KB of the answer, the error).",
        response=WebhookDeliveryOut,
        paginated=True,
        filterset=WebhookDeliveryFilterSet,
        ordering=DELIVERY_ORDERING,
    )
    def get(self, request, endpoint_id):
        deliveries = webhook_delivery_list(
            endpoint=webhook_endpoint_get(endpoint_id=endpoint_id), filters=request.query_params
        )
        return self.respond_page(deliveries, present=webhook_delivery_to_dict, ordering_fields=DELIVERY_ORDERING)


class WebhookDeliveryReplayView(WebhooksApiView):
    @api_operation(
        operation_id="replayWebhookDelivery",
        summary="Replay a delivery",
        description="Sends the delivery again now, whatever its status: one attempt, with no retry after it, and "
        "the same `notification_id`. Returns the delivery with the new attempt last. A success marks it delivered.",
        response=WebhookDeliveryOut,
        errors=("endpoint_disabled", "conflict"),
    )
    def post(self, request, endpoint_id, delivery_id):
        endpoint = webhook_endpoint_get(endpoint_id=endpoint_id)
        delivery = webhook_delivery_get(endpoint=endpoint, delivery_id=delivery_id)
        return self.respond(webhook_delivery_to_dict(webhook_delivery_replay(delivery=delivery, actor=self.actor)))


class EventListView(ApiView):
    # Read-only: with the read scope as the write scope too, another method is a 405 for a client that may read.
    read_scope = write_scope = Scope.CUSTOMERS_READ
    openapi_tags = ["Events"]

    @api_operation(
        operation_id="listEvents",
        summary="List events (the audit trail)",
        description="Every change, with who made it (`actor`: a staff user, an API client or the system), oldest "
        "first by default. Needs `customers:read`; `customer.credit_decision_created`, `credit_balance.updated` and "
        "`credit_transaction.*` events carry credit data and are listed only to clients that also hold `credit:read`, "
        "`webhook_endpoint.*` "
        "events only to clients that also hold `webhooks:manage`.",
        response=EventOut,
        paginated=True,
        filterset=EventFilterSet,
        ordering=EVENT_ORDERING,
    )
    def get(self, request):
        events = event_list(filters=request.query_params, event_types=self._readable_event_types())
        return self.respond_page(events, present=event_to_dict, ordering_fields=EVENT_ORDERING)

    def _readable_event_types(self) -> list[str] | None:
        scopes = self.client.scopes
        if all(scope in scopes for scope in EVENT_TYPE_SCOPES.values()):
            return None
        return [
            event_type
            for event_type in EventType.values
            if EVENT_TYPE_SCOPES.get(event_type, Scope.CUSTOMERS_READ) in scopes
        ]
