"""What `core/webhooks/presenters.py` returns, described for the OpenAPI schema (documentation only: the presenters
stay the single source of the wire shape; tests/api/test_webhooks_schema.py fails if the two disagree)."""

from rest_framework import serializers

from core.api.serializers import OutputSerializer
from core.models import ActorType, DeliveryStatus, EventType


def _id(prefix: str, **kwargs) -> serializers.RegexField:
    return serializers.RegexField(rf"^{prefix}_[0-9a-z]{{26}}$", **kwargs)


class WebhookEndpointOut(OutputSerializer):
    id = _id("ntfset")
    url = serializers.URLField()
    description = serializers.CharField(allow_null=True)
    event_types = serializers.ListField(child=serializers.ChoiceField(choices=EventType.choices))
    enabled = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()


class WebhookEndpointCreatedOut(WebhookEndpointOut):
    """The endpoint as created, with its signing secret: the only response that ever shows it."""

    secret = serializers.RegexField(
        r"^whsec_[0-9a-f]{64}$", help_text="Signs every delivery (see `Signature`). Shown only in this response."
    )


class WebhookAttemptOut(OutputSerializer):
    attempted_at = serializers.DateTimeField()
    response_status = serializers.IntegerField(allow_null=True, help_text="Null when no answer came back.")
    duration_ms = serializers.IntegerField(min_value=0)
    response_excerpt = serializers.CharField(allow_blank=True, help_text="The first KB of the receiver's answer.")
    error = serializers.CharField(allow_null=True, help_text="Why no answer came back (connection, timeout, refusal).")


class WebhookDeliveryOut(OutputSerializer):
    """One event sent to one endpoint (`notification_id` in the payload), with every attempt, oldest first."""

    id = _id("ntf")
    endpoint_id = _id("ntfset")
    event_id = _id("evt")
    event_type = serializers.ChoiceField(choices=EventType.choices)
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    attempt_count = serializers.IntegerField(min_value=0)
    next_attempt_at = serializers.DateTimeField(allow_null=True, help_text="When the next retry is due, if any.")
    last_attempt_at = serializers.DateTimeField(allow_null=True)
    delivered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    attempts = WebhookAttemptOut(many=True)


class ActorOut(OutputSerializer):
    type = serializers.ChoiceField(choices=ActorType.choices, help_text="Who made the change.")
    id = serializers.CharField(
        allow_null=True,
        help_text="Staff user id, API key id or OAuth client id; a customer user's id for terms accepted through "
        "the enrollment link; null for the system itself.",
    )
    label = serializers.CharField(allow_null=True, help_text="Username, key name or client name at the time.")


class EventOut(OutputSerializer):
    """An entry of the event log, which is also the audit trail."""

    id = _id("evt")
    event_type = serializers.ChoiceField(choices=EventType.choices)
    occurred_at = serializers.DateTimeField()
    customer_id = _id("ctm", allow_null=True)
    actor = ActorOut()
    data = serializers.DictField(help_text="The changed object as the API shows it (the webhook payload's `data`).")
