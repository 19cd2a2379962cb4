"""Keyset pagination shared by the API and the staff list pages. Never OFFSET: a page deep in millions of rows
costs the same as the first.

A cursor is either the id of an item (as clients of these vendors' APIs send) or an opaque token that encodes the
sort value and id of the item, so orderings other than by id page just as cheaply."""

import base64
import binascii
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Exists, Model, Q, QuerySet

from core.ids import is_valid_id
from core.text import unreadable_text_problem

ORDER_RE = re.compile(r"^(?P<field>[a-z_]+)\[(?P<direction>asc|desc)\]$", re.IGNORECASE)
# Orderings whose cursor value is a moment (sent as ISO 8601) or a whole number (an amount): any other is text.
DATETIME_ORDERINGS = frozenset({"created_at", "updated_at", "due_at", "oldest_due_at"})
INTEGER_ORDERINGS = frozenset({"outstanding", "exposure", "utilisation"})
DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Ordering:
    field: str
    descending: bool

    def __str__(self) -> str:
        return f"{self.field}[{'DESC' if self.descending else 'ASC'}]"


@dataclass
class KeysetPage:
    items: list
    ordering: Ordering
    per_page: int
    has_more: bool
    has_previous: bool
    start_cursor: str | None
    end_cursor: str | None


def parse_ordering(value: str | None, *, allowed: tuple[str, ...], default: str = "id[ASC]") -> Ordering:
    match = ORDER_RE.match((value or default).strip())
    if not match or match["field"].lower() not in allowed:
        options = ", ".join(f"{name}[ASC], {name}[DESC]" for name in allowed)
        raise ValidationError({"order_by": f"Must be one of: {options}."})
    return Ordering(match["field"].lower(), match["direction"].lower() == "desc")


def parse_per_page(value: str | int | None) -> int:
    if value in (None, ""):
        return DEFAULT_PER_PAGE
    try:
        per_page = int(value)
    except (TypeError, ValueError):
        per_page = 0
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationError({"per_page": f"Must be an integer from 1 to {MAX_PER_PAGE}."})
    return per_page


def encode_cursor(item: Model, ordering: Ordering) -> str:
    if ordering.field == "id":
        return item.pk
    value = getattr(item, ordering.field)
    if isinstance(value, datetime):
        value = value.isoformat()
    # UTF-8, not \u escapes: a name of 255 astral characters makes a cursor of about 1,400 characters, not 4,100.
    raw = json.dumps([value, item.pk], separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, ordering: Ordering, queryset: QuerySet, param: str) -> tuple[Any, str]:
    """(sort value, id) of a cursor: an item id of this queryset's model, or an opaque token. What reaches the
    query is a well-formed id and a sort value PostgreSQL can compare: a tampered cursor (a NUL, an unpaired
    surrogate, an id of another shape) is the client's error, never a 500."""
    model = queryset.model
    prefix = model._meta.pk.prefix
    if cursor.startswith(prefix + "_"):
        if not is_valid_id(cursor, prefix):
            raise ValidationError({param: f"Not a valid {prefix}_ id."})
        if ordering.field == "id":
            return cursor, cursor
        row = model._default_manager.filter(pk=cursor).values_list(ordering.field, flat=True).first()
        if row is None:
            raise ValidationError({param: "No item with this id."})
        return row, cursor
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        value, item_id = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(item_id, str) or not is_valid_id(item_id, prefix):
            raise ValueError
        if ordering.field in DATETIME_ORDERINGS:
            value = datetime.fromisoformat(value)
        elif isinstance(value, int) and not isinstance(value, bool) and ordering.field in INTEGER_ORDERINGS:
            pass
        elif ordering.field == "id" or not isinstance(value, str) or unreadable_text_problem(value):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({param: "Not a valid cursor: pass an item id or a start_cursor/end_cursor."}) from None
    return value, item_id


def _beyond(ordering: Ordering, value: Any, item_id: str, *, forward: bool) -> Q:
    """Rows strictly after (forward) or before the cursor in this ordering, with id breaking ties."""
    op = "gt" if forward != ordering.descending else "lt"
    if ordering.field == "id":
        return Q(**{f"id__{op}": item_id})
    # The first condition changes no answer (both branches imply it) but is one an index on (field, id) can start
    # its range from: without it, PostgreSQL reads every row before the cursor to reach a page deep in a list.
    return Q(**{f"{ordering.field}__{op}e": value}) & (
        Q(**{f"{ordering.field}__{op}": value}) | Q(**{ordering.field: value, f"id__{op}": item_id})
    )


def _order_by(ordering: Ordering, *, reverse: bool) -> list[str]:
    descending = ordering.descending != reverse
    sign = "-" if descending else ""
    fields = [ordering.field] if ordering.field == "id" else [ordering.field, "id"]
    return [f"{sign}{name}" for name in fields]


def _page(
    queryset: QuerySet, beyond: Q | None, ordering: Ordering, per_page: int, *, reverse: bool
) -> tuple[list, bool]:
    """Up to per_page + 1 rows beyond the cursor (all rows without one), and whether any row lies on the cursor's
    other side: asked in the same query, where PostgreSQL answers it once for the page (an InitPlan), not in a
    second round trip.

    A queryset whose class sets `page_ids_first` has its page's ids chosen first, by a subquery that selects nothing
    else (the filters and the order, no annotation), and its rows read for those ids only: PostgreSQL can then find
    the ids in an index alone (an index-only scan that stops when the page is full) before it reads any row."""
    order = _order_by(ordering, reverse=reverse)
    page = queryset if beyond is None else queryset.filter(beyond)
    if getattr(queryset, "page_ids_first", False):
        page = queryset.filter(pk__in=page.order_by(*order).values("pk")[: per_page + 1])
    if beyond is None:
        return list(page.order_by(*order)[: per_page + 1]), False
    rows = list(page.annotate(_other_side=Exists(queryset.filter(~beyond))).order_by(*order)[: per_page + 1])
    # An empty page (a cursor past the end) carries no answer: asked on its own.
    other_side = rows[0]._other_side if rows else queryset.filter(~beyond).exists()
    return rows, other_side


def keyset_paginate(
    queryset: QuerySet, *, ordering: Ordering, per_page: int, after: str | None = None, before: str | None = None
) -> KeysetPage:
    if after and before:
        raise ValidationError({"before": "Pass either after or before, not both."})
    if before:
        value, item_id = _decode_cursor(before, ordering, queryset, "before")
        beyond = _beyond(ordering, value, item_id, forward=False)
        rows, has_more = _page(queryset, beyond, ordering, per_page, reverse=True)
        has_previous = len(rows) > per_page
        items = rows[:per_page][::-1]
    else:
        beyond = None
        if after:
            value, item_id = _decode_cursor(after, ordering, queryset, "after")
            beyond = _beyond(ordering, value, item_id, forward=True)
        rows, has_previous = _page(queryset, beyond, ordering, per_page, reverse=False)
        has_more = len(rows) > per_page
        items = rows[:per_page]
    return KeysetPage(
        items=items,
        ordering=ordering,
        per_page=per_page,
        has_more=has_more,
        has_previous=has_previous,
        start_cursor=encode_cursor(items[0], ordering) if items else None,
        end_cursor=encode_cursor(items[-1], ordering) if items else None,
    )


def keyset_chunks[M: Model](
    queryset: QuerySet[M], *, ordering: Ordering, size: int, fetch: Callable[[QuerySet[M]], list[M]] = list
) -> Iterator[list[M]]:
    """The whole queryset in `ordering`, `size` rows at a time, each chunk one short query for the rows after the last
    one read (`fetch` evaluates it). Nothing stays open between chunks, no cursor and no transaction, so a long
    export holds no database connection while its reader is slow, works through a transaction-pooling PgBouncer,
    and may read each chunk from another server (a replica, or the primary when the replica goes away)."""
    beyond = None
    while True:
        rows = fetch(
            (queryset if beyond is None else queryset.filter(beyond)).order_by(*_order_by(ordering, reverse=False))[
                :size
            ]
        )
        if rows:
            yield rows
        if len(rows) < size:
            return
        last = rows[-1]
        beyond = _beyond(ordering, getattr(last, ordering.field), last.pk, forward=True)
