"""The transactional outbox: services call `event_record` inside their own transaction, so an event exists if and
only if its change committed. Delivery (webhooks) reads the outbox afterwards."""

from collections.abc import Iterable

from django.db import transaction

from core.actors import Actor
from core.bulk import bulk_insert, new_instance
from core.models import Event, EventType


def event_record(*, event_type: EventType | str, data: dict, actor: Actor, customer_id: str | None = None) -> Event:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("event_record must run inside the transaction of the change it records")
    event = Event.objects.create(
        event_type=str(event_type),
        customer_id=customer_id,
        data=data,
        actor_type=actor.type,
        actor_id=actor.id,
        actor_label=actor.label,
        request_id=actor.request_id,
    )
    for hook in _after_record_hooks:
        transaction.on_commit(lambda event=event, hook=hook: hook(event))
    return event


def events_record_many(
    *, event_type: EventType | str, items: Iterable[tuple[dict, str | None]], actor: Actor
) -> list[Event]:
    """`event_record` for many changes of one kind made in one transaction (bulk imports): one COPY, each event
    sent as soon as its data is made. `items` are (data, customer_id) pairs, a list or a generator."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events_record_many must run inside the transaction of the changes it records")
    common = {
        "event_type": str(event_type),
        "actor_type": actor.type,
        "actor_id": actor.id,
        "actor_label": actor.label,
        "request_id": actor.request_id,
    }
    events = bulk_insert(
        Event,
        (new_instance(Event, {**common, "customer_id": customer_id, "data": data}) for data, customer_id in items),
    )
    if events:
        for hook in _after_record_hooks:
            transaction.on_commit(lambda hook=hook: [hook(event) for event in events])
    return events


_after_record_hooks: list = []


def on_event_recorded(hook):
    """Register a callable run after commit for each recorded event (the webhook dispatcher uses it)."""
    _after_record_hooks.append(hook)
    return hook
