"""Input validation for webhook endpoints. The service has the last word (event types, the URL's target under the
current settings); these describe the body in the schema and refuse wrong types and unknown keys up front."""

from rest_framework import serializers

from core.api.serializers import StrictInputSerializer
from core.models import EventType


class WebhookEndpointInput(StrictInputSerializer):
    url = serializers.URLField(
        max_length=2000,
        help_text="An http(s) URL. In production its host must resolve to public addresses only.",
    )
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices),
        min_length=1,
        help_text="The event types to receive.",
    )
    enabled = serializers.BooleanField(required=False, default=True, help_text="Disabled endpoints receive nothing.")
    description = serializers.CharField(max_length=255, required=False, allow_blank=True, allow_null=True)


class WebhookEndpointUpdateInput(WebhookEndpointInput):
    """Any of the fields; none is required. Disabling pauses pending deliveries, enabling resumes them."""

    url = serializers.URLField(max_length=2000, required=False)
    event_types = serializers.ListField(
        child=serializers.ChoiceField(choices=EventType.choices), min_length=1, required=False
    )
    enabled = serializers.BooleanField(required=False)
