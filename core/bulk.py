"""Inserting many rows at once. On PostgreSQL rows are streamed with COPY (a few microseconds a row); elsewhere
Django's bulk_create.

`objects` may be a generator: on PostgreSQL each object is sent as soon as it is made, so the server inserts the
rows already sent (on another core) while Python makes the next ones."""

import functools
import json
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import Field, JSONField, Model


def bulk_insert(model: type[Model], objects: Iterable[Model]) -> list[Model]:
    """Insert new `objects` of `model` in the current transaction; returns them as a list. Field defaults and
    `auto_now(_add)` apply as in `save()`; no signals are sent (as with bulk_create)."""
    if connection.vendor != "postgresql":
        objects = list(objects)
        return model._default_manager.bulk_create(objects) if objects else objects
    if isinstance(objects, list | tuple) and not objects:
        return []
    db = transaction.get_connection()  # the connection object itself: `connection` is a per-thread proxy
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    table = db.ops.quote_name(model._meta.db_table)
    # Most columns take the attribute as psycopg adapts it. Automatic timestamps are set as save() sets them, and
    # JSON goes as its text (COPY's text format), with the field's encoder.
    plan = [
        (field.attname, "json" if isinstance(field, JSONField) else "auto" if _is_auto_timestamp(field) else "", field)
        for field in fields
    ]
    inserted: list[Model] = []
    with db.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            row = []
            for attname, kind, field in plan:
                if not kind:
                    row.append(getattr(obj, attname))
                elif kind == "auto":
                    row.append(field.pre_save(obj, True))
                else:
                    value = getattr(obj, attname)
                    row.append(None if value is None else json.dumps(value, cls=field.encoder))
            copy.write_row(row)
            inserted.append(obj)
    for obj in inserted:
        obj._state.adding = False
        obj._state.db = db.alias
    return inserted


def _is_auto_timestamp(field: Field) -> bool:
    return getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)


@functools.cache
def _construction_plan(model: type[Model]) -> tuple[list[tuple[str, Any, Callable | None]], frozenset[str]]:
    """Per concrete field, in order: (attname, the value when not given, or a factory to call for each instance)."""
    plan = []
    for field in model._meta.concrete_fields:
        own_default = type(field).get_default is not Field.get_default  # e.g. a generated id
        if own_default or callable(field.default):
            plan.append((field.attname, None, field.get_default))
        else:
            plan.append((field.attname, field.get_default(), None))
    return plan, frozenset(attname for attname, _, _ in plan)


def new_instance(model: type[Model], values: dict[str, Any]) -> Model:
    """`model(**values)` for plain column values keyed by attname (`customer_id`, not `customer`), several times
    faster: Django's positional constructor, with the defaults of the fields not given worked out once per model."""
    plan, known = _construction_plan(model)
    if unknown := values.keys() - known:
        raise TypeError(f"{model.__name__} has no field(s) {', '.join(sorted(unknown))}")
    return model(
        *[
            values[attname] if attname in values else (factory() if factory is not None else default)
            for attname, default, factory in plan
        ]
    )
