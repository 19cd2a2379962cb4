"""The audit trail as people read it: each event says what changed (a field, before → after) or the few facts that
matter (an amount, a decision, a card), in words and money people read, and who did it by name.

Events keep the wire shape (minor units, codes, ids) for the API and webhooks; this module only reads them. An update
recorded with `previous_attributes` (customer.updated) shows each changed field; a credit status change and a line
change show their before and after; anything else shows its key facts. Who acted comes from
core.selectors.actor_names, one query for the whole page."""

from dataclasses import dataclass
from datetime import datetime

from core.jsondoc import json_inline
from core.models import ActorType, Event
from core.money import format_human
from core.selectors import actor_names
from core.text import code_label

# Payload keys holding an amount in minor units (a digit string on the wire).
MONEY_KEYS = frozenset(
    {
        "amount",
        "amount_available",
        "amount_repaid",
        "amount_requested",
        "amount_reserved",
        "amount_used",
        "available",
        "credit_limit",
        "previous_credit_limit",
        "reserved",
        "used",
    }
)
# Keys every update carries that say nothing about what changed.
_NOT_A_CHANGE = frozenset({"updated_at"})


@dataclass(frozen=True)
class Change:
    field: str
    before: str
    after: str


@dataclass(frozen=True)
class HistoryEntry:
    """One event for a page: what (`title`), who (`actor`, by name), what changed (`changes`) and other facts
    (`details`: label, value)."""

    event: Event
    title: str
    actor: str
    changes: tuple[Change, ...] = ()
    details: tuple[tuple[str, str], ...] = ()

    @property
    def id(self) -> str:
        return self.event.id

    @property
    def occurred_at(self) -> datetime:
        return self.event.occurred_at

    @property
    def actor_type(self) -> str:
        return self.event.actor_type


def history_entries(events: list[Event]) -> list[HistoryEntry]:
    """`events` as people read them, with their actors' names resolved in one query."""
    names = actor_names((event.actor_type, event.actor_id) for event in events)
    return [_entry(event, _actor(event, names)) for event in events]


def _actor(event: Event, names: dict[tuple[str, str], str]) -> str:
    if event.actor_type == ActorType.SYSTEM:
        return "System" if event.actor_label in ("", "system") else code_label(event.actor_label)
    name = names.get((event.actor_type, event.actor_id))
    if name:
        return name
    # A user or client since deleted: the name it had then, else its id.
    return event.actor_label or event.actor_id or code_label(event.actor_type)


def display_value(key: str, value, currency: str | None) -> str:
    """A payload value for people: money in major units of `currency`, codes in words, empty as an em dash."""
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if key in MONEY_KEYS and currency and isinstance(value, str | int) and str(value).lstrip("-").isdigit():
        return format_human(int(value), currency)
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dict | list):
        return json_inline(value)
    if key.endswith(("status", "_code", "_terms", "decision", "type")) and isinstance(value, str):
        return code_label(value)
    return str(value)


def _entry(event: Event, actor: str) -> HistoryEntry:
    data = event.data if isinstance(event.data, dict) else {}
    title = code_label(event.event_type)
    kind = event.event_type
    if kind == "customer.updated":
        return HistoryEntry(event, title, actor, changes=_changes(data))
    if kind == "customer.status_updated":
        before, after = data.get("previous_credit_status"), data.get("credit_status")
        change = Change("Credit status", display_value("status", before, None), display_value("status", after, None))
        return HistoryEntry(event, title, actor, changes=(change,))
    if kind == "customer.line_amount_updated":
        line = data.get("line") or {}
        currency = line.get("currency_code")
        before = display_value("credit_limit", line.get("previous_credit_limit"), currency)
        after = display_value("credit_limit", line.get("credit_limit"), currency)
        return HistoryEntry(event, title, actor, changes=(Change("Credit line", before, after),))
    if kind == "customer.credit_decision_created":
        currency = data.get("currency_code")
        keys = ("decision", "amount", "default_terms", "decline_code", "hold_code")
        details = [(code_label(key), display_value(key, data.get(key), currency)) for key in keys if data.get(key)]
        if data.get("reasons"):
            details.append(("Reasons", "; ".join(str(reason) for reason in data["reasons"])))
        return HistoryEntry(event, title, actor, details=tuple(details))
    if kind == "credit_balance.updated":
        currency = data.get("currency_code")
        balance = data.get("balance") or {}
        details = [("Movement", display_value("entry_type", data.get("entry_type"), None))]
        details += [(code_label(key), display_value(key, balance.get(key), currency)) for key in balance]
        return HistoryEntry(event, title, actor, details=tuple(details))
    if kind == "customer.collections_owner_updated":
        before, after = data.get("previous_collections_owner"), data.get("collections_owner")
        return HistoryEntry(
            event, title, actor, changes=(Change("Collections owner", before or "No one", after or "No one"),)
        )
    if kind == "default_payment_method_changed":
        before, after = data.get("previous_payment_method_id"), data.get("payment_method_id")
        return HistoryEntry(event, title, actor, changes=(Change("Default payment method", before or "—", after),))
    keys = _FACTS.get(kind, ())
    details = tuple((code_label(key), display_value(key, _dig(data, key), None)) for key in keys if _dig(data, key))
    return HistoryEntry(event, title, actor, details=details)


# The facts worth a line for the other kinds of event (dotted: inside a nested object).
_FACTS = {
    "customer.created": ("name", "email"),
    "customer.credit_check_requested": ("credit_check_id",),
    "customer_user.created": ("email",),
    "payment_method.added": ("type", "card.brand", "card.last4"),
    "payment_method.deleted": ("type", "card.brand", "card.last4"),
    "email.sent": ("to", "subject"),
}


def _dig(data: dict, key: str):
    for part in key.split("."):
        data = data.get(part) if isinstance(data, dict) else None
    return data


def _changes(data: dict) -> tuple[Change, ...]:
    """customer.updated: each field in `previous_attributes`, before → after (none for an event recorded before
    updates kept their previous values)."""
    previous = data.get("previous_attributes")
    if not isinstance(previous, dict):
        return ()
    currency = data.get("credit_currency")
    return tuple(
        Change(code_label(key), display_value(key, before, currency), display_value(key, data.get(key), currency))
        for key, before in previous.items()
        if key not in _NOT_A_CHANGE
    )
