"""Parts a higher layer adds to the staff customer page, without customers importing it (the page-level twin of
customers.extensions; credit registers its parts from credit/staff/parts.py, at AppConfig.ready).

A part is a template included in one slot of the page ("badges": status pills under the title; "actions": buttons in
the page head; "sections": cards in the main column, in registration order) and a function giving that template's
context for one customer, in a fixed number of queries. The page merges every part's context into its own, so parts
name their variables apart."""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest

from customers.models import Customer

SLOTS = ("badges", "actions", "sections")


@dataclass(frozen=True)
class CustomerPagePart:
    slot: str
    template: str
    context: Callable[[HttpRequest, Customer], dict]


_parts: list[CustomerPagePart] = []


def register(part: CustomerPagePart) -> None:
    if part.slot not in SLOTS:
        raise ValueError(f"Unknown slot {part.slot!r}: one of {', '.join(SLOTS)}.")
    _parts.append(part)


def page_parts(request: HttpRequest, customer: Customer) -> dict:
    """{"parts": {slot: [template, …]}, **every part's context} for the customer page."""
    context: dict = {"parts": {slot: [] for slot in SLOTS}}
    for part in _parts:
        context.update(part.context(request, customer))
        context["parts"][part.slot].append(part.template)
    return context
