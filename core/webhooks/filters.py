"""FilterSets of the event log and of an endpoint's deliveries: they serve the API's query parameters and the staff
pages' filter forms alike."""

import django_filters

from core.models import DeliveryStatus, Event, EventType, WebhookDelivery
from customers.filters import CharInFilter, ChoiceInFilter


class EventFilterSet(django_filters.FilterSet):
    event_type = ChoiceInFilter(choices=EventType.choices, help_text="Comma-separated event types.")
    customer_id = CharInFilter(field_name="customer_id", help_text="Comma-separated customer ids.")
    occurred_at_start = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="gte")
    occurred_at_end = django_filters.IsoDateTimeFilter(field_name="occurred_at", lookup_expr="lt")

    class Meta:
        model = Event
        fields: list[str] = []


class WebhookDeliveryFilterSet(django_filters.FilterSet):
    status = ChoiceInFilter(choices=DeliveryStatus.choices, help_text="Comma-separated delivery statuses.")
    event_type = ChoiceInFilter(field_name="event__event_type", choices=EventType.choices)

    class Meta:
        model = WebhookDelivery
        fields: list[str] = []
