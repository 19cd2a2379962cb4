"""The API's list pages: `core.pagination`'s keyset pages plus the `meta.pagination` block (docs/api.md).

`estimated_total` must stay cheap on millions of rows, so it is never a full `count()` of a big result:
a page that is both first and last counts itself; otherwise PostgreSQL's own estimate is used
(`pg_class.reltuples` for an unfiltered table, the planner's row estimate for a filtered query), and only
when that estimate is small is an exact count run, capped with a LIMIT so it cannot turn into a scan."""

import json
import time

from django.core.exceptions import ValidationError
from django.db import connections
from django.db.models import QuerySet

from core.links import request_url
from core.pagination import KeysetPage, keyset_paginate, parse_ordering, parse_per_page

EXACT_COUNT_LIMIT = 10_000
# Large estimates are reused for this long per (path, filters): an estimate does not need to be fresher, and
# paging through millions of rows then costs no estimate query at all. Small results are counted every time.
ESTIMATE_TTL_SECONDS = 30
_PAGING_PARAMS = frozenset({"after", "before", "per_page", "limit", "order_by"})
_large_estimates: dict[tuple, tuple[float, int]] = {}
_MAX_CACHED_ESTIMATES = 1024


def paginate(
    request, queryset: QuerySet, *, present, ordering_fields: tuple[str, ...], default_order: str = "id[ASC]"
) -> tuple[list, dict]:
    """(items as presented, the `meta.pagination` dict) for the page the query parameters ask for."""
    params = request.query_params
    per_page = _per_page(params)
    ordering = parse_ordering(params.get("order_by"), allowed=ordering_fields, default=default_order)
    after, before = params.get("after") or None, params.get("before") or None
    page = keyset_paginate(queryset, ordering=ordering, per_page=per_page, after=after, before=before)
    items = [present(item) for item in page.items]
    # As Paddle: `next` is there even when has_more is false, so a client can come back later for the items created
    # since. An empty page (a cursor past the end) links on from the cursor it was asked with.
    next_cursor = page.end_cursor or before or after
    previous_cursor = page.start_cursor or after
    meta = {
        "per_page": per_page,
        "next": _link(request, "after", next_cursor) if next_cursor else None,
        "previous": _link(request, "before", previous_cursor) if page.has_previous and previous_cursor else None,
        "has_more": page.has_more,
        "has_previous": page.has_previous,
        "estimated_total": _cached_estimate(request, queryset, page),
        "start_cursor": page.start_cursor,
        "end_cursor": page.end_cursor,
    }
    return items, meta


def _per_page(params) -> int:
    """`per_page`, or its alias `limit`; each one sent must be valid, and `per_page` wins when both are. An empty
    value is not an integer, as the schema says, so it is refused rather than read as "not given"."""
    values = {}
    for name in ("per_page", "limit"):
        if name in params:
            try:
                values[name] = parse_per_page(params[name] or "0")
            except ValidationError as error:
                raise ValidationError({name: error.message_dict["per_page"]}) from None
    return values.get("per_page") or values.get("limit") or parse_per_page(None)


def _link(request, name: str, cursor: str) -> str:
    """This request's URL with every original parameter kept, pointing `after` or `before` at the cursor."""
    params = request.query_params.copy()
    params.pop("after", None)
    params.pop("before", None)
    params[name] = cursor
    return request_url(request, f"{request.path}?{params.urlencode()}")


def _cached_estimate(request, queryset: QuerySet, page: KeysetPage) -> int:
    if not page.has_more and not page.has_previous:
        return len(page.items)
    filters = tuple(sorted((k, tuple(v)) for k, v in request.query_params.lists() if k not in _PAGING_PARAMS))
    key = (request.path, filters)
    cached = _large_estimates.get(key)
    if cached is not None and cached[0] > time.monotonic():
        return cached[1]
    total = estimate_total(queryset, page)
    if total > EXACT_COUNT_LIMIT:
        if len(_large_estimates) >= _MAX_CACHED_ESTIMATES:
            _large_estimates.clear()
        _large_estimates[key] = (time.monotonic() + ESTIMATE_TTL_SECONDS, total)
    return total


def estimate_total(queryset: QuerySet, page: KeysetPage) -> int:
    if not page.has_more and not page.has_previous:
        return len(page.items)
    queryset = queryset.order_by()
    connection = connections[queryset.db]
    estimate = 0
    if connection.vendor == "postgresql":
        estimate = _postgres_estimate(queryset, connection)
        if estimate > EXACT_COUNT_LIMIT:
            return estimate
    capped = queryset.values("pk")[: EXACT_COUNT_LIMIT + 1].count()
    return capped if capped <= EXACT_COUNT_LIMIT else max(estimate, capped)


def _postgres_estimate(queryset: QuerySet, connection) -> int:
    with connection.cursor() as cursor:
        if not queryset.query.where:
            cursor.execute(
                "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass", [queryset.model._meta.db_table]
            )
            row = cursor.fetchone()
            if row and row[0] >= 0:  # -1: never analysed, fall through to the planner
                return int(row[0])
        sql, params = queryset.values("pk").query.sql_with_params()
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
