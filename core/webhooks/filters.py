"""FilterSets of the event log and of an endpoint's deliveries: they serve the API's query parameters and the staff
pages' filter forms alike."""

from core.filters import CharInFilter, ChoiceInFilter, CreatedAtFilter, FilterSet
from core.models import DeliveryStatus, Event, EventType, WebhookDelivery


class EventFilterSet(FilterSet):
    event_type = ChoiceInFilter(choices=EventType.choices, help_text="Comma-separated event types.")
    customer_id = CharInFilter(field_name="customer_id", help_text="Comma-separated customer ids.")
    # In UTC: PostgreSQL refuses offsets beyond ±15:59, which RFC 3339 allows.
    occurred_at_start = CreatedAtFilter(field_name="occurred_at", lookup_expr="gte", help_text="RFC 3339, inclusive.")
    occurred_at_end = CreatedAtFilter(field_name="occurred_at", lookup_expr="lt", help_text="RFC 3339, exclusive.")

    class Meta:
        model = Event
        fields: list[str] = []


class WebhookDeliveryFilterSet(FilterSet):
    status = ChoiceInFilter(choices=DeliveryStatus.choices, help_text="Comma-separated delivery statuses.")
    event_type = ChoiceInFilter(
        field_name="event__event_type", choices=EventType.choices, help_text="Comma-separated event types."
    )

    class Meta:
        model = WebhookDelivery
        fields: list[str] = []
