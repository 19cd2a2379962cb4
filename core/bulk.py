"""Inserting many rows at once. On PostgreSQL rows are streamed with COPY (a few microseconds a row); elsewhere
Django's bulk_create.

`objects` may be a generator: on PostgreSQL each object is sent as soon as it is made, so the server inserts the
rows already sent (on another core) while Python makes the next ones."""

import functools
import gc
import json
import operator
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.postgres.fields import ArrayField
from django.db import connection, transaction
from django.db.models import CharField, DateTimeField, Field, JSONField, Model, Value
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.lookups import In, Lookup
from django.db.models.query_utils import DeferredAttribute
from django.db.models.signals import post_init, pre_init
from django.utils import timezone


def bulk_insert(model: type[Model], objects: Iterable[Model]) -> list[Model]:
    """Insert new `objects` of `model` in the current transaction; returns them as a list. Field defaults apply as
    in `save()`, and `auto_now(_add)` fields get the statement's time; no signals are sent (as with bulk_create)."""
    if connection.vendor != "postgresql":
        objects = list(objects)
        return model._default_manager.bulk_create(objects) if objects else objects
    if isinstance(objects, list | tuple) and not objects:
        return []
    db = transaction.get_connection()  # the connection object itself: `connection` is a per-thread proxy
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(db.ops.quote_name(field.column) for field in fields)
    table = db.ops.quote_name(model._meta.db_table)
    # Most columns take the attribute as psycopg adapts it, all read at once. Automatic date-times are set first
    # (one for the statement, as PostgreSQL's now() is one per transaction), other automatic dates as save() sets
    # them, and JSON goes as its text (COPY's text format) with the field's encoder, one per field for the COPY
    # (json.dumps(cls=…) would make one per value).
    now = timezone.now()
    stamped = [field.attname for field in fields if _timestamp_kind(field) == "now"]
    dated = [(index, field) for index, field in enumerate(fields) if _timestamp_kind(field) == "auto"]
    encoders = [
        (index, (field.encoder or json.JSONEncoder)().encode)
        for index, field in enumerate(fields)
        if isinstance(field, JSONField)
    ]
    read = operator.attrgetter(*(field.attname for field in fields))
    inserted: list[Model] = []
    # wrap_database_errors: the COPY's errors are Django's (IntegrityError, DataError…), as any query's are.
    with (
        db.wrap_database_errors,
        db.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
    ):
        for obj in objects:
            for attname in stamped:
                setattr(obj, attname, now)
            row = list(read(obj)) if len(fields) > 1 else [read(obj)]
            for index, field in dated:
                row[index] = field.pre_save(obj, True)
            for index, encode in encoders:
                if row[index] is not None:
                    row[index] = encode(row[index])
            copy.write_row(row)
            inserted.append(obj)
    for obj in inserted:
        obj._state.adding = False
        obj._state.db = db.alias
    return inserted


def _timestamp_kind(field: Field) -> str:
    """Which automatic timestamp a field is: "now" (a date-time), "auto" (a date) or "" (none)."""
    if not (getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)):
        return ""
    return "now" if isinstance(field, DateTimeField) else "auto"


@functools.cache
def _construction_plan(model: type[Model]) -> tuple[dict[str, Any], list[tuple[str, Callable]], bool]:
    """Every concrete field's attname with its value when not given, in field order (None where a factory makes
    one for each instance, a generated id say); those factories; and whether an instance may be made by filling its
    __dict__ (see `new_instance`)."""
    defaults: dict[str, Any] = {}
    factories: list[tuple[str, Callable]] = []
    for field in model._meta.concrete_fields:
        own_default = type(field).get_default is not Field.get_default  # e.g. a generated id
        if own_default or (field.has_default() and callable(field.default)):
            defaults[field.attname] = None
            factories.append((field.attname, field.get_default))
        else:
            defaults[field.attname] = field.get_default()
    plain = model.__init__ is Model.__init__ and all(
        type(model.__dict__.get(field.attname)) in _PLAIN_DESCRIPTORS and not field.generated
        for field in model._meta.concrete_fields
    )
    return defaults, factories, plain


# Descriptors whose setting on a new instance is a plain store in its __dict__ (a foreign key's clears a cached
# related object, which a new instance has not got).
_PLAIN_DESCRIPTORS = (DeferredAttribute, ForeignKeyDeferredAttribute)


def new_instance(model: type[Model], values: dict[str, Any]) -> Model:
    """`model(**values)` for plain column values keyed by attname (`customer_id`, not `customer`), several times
    faster, with the defaults of the fields not given worked out once per model.

    What `Model.__init__` does for positional values is to make a ModelState and set each field's attribute; when
    the model keeps Django's __init__, nothing listens to its pre_init/post_init signals and every field's attribute
    is a plain store, that is filling the instance's __dict__, so it is done at once. Otherwise, Django's positional
    constructor."""
    defaults, factories, plain = _construction_plan(model)
    if unknown := values.keys() - defaults.keys():
        raise TypeError(f"{model.__name__} has no field(s) {', '.join(sorted(unknown))}")
    attributes = defaults.copy()  # in field order, which updating existing keys keeps
    attributes.update(values)
    for attname, factory in factories:
        if attname not in values:
            attributes[attname] = factory()
    if not plain or pre_init.has_listeners(model) or post_init.has_listeners(model):
        return model(*attributes.values())
    instance = model.__new__(model)
    instance._state = ModelState()
    instance.__dict__.update(attributes)
    return instance


def text_in(expression: Any, values: Collection[str]) -> Lookup:
    """`expression IN values`, for a filter, when values are many (a batch of a bulk import): on PostgreSQL one array
    parameter, `= ANY(%s)`, as thousands of placeholders cost more to build and parse than the lookup itself."""
    if connection.vendor != "postgresql":
        return In(expression, list(values))
    return _EqualsAny(expression, Value(list(values), output_field=ArrayField(CharField())))


class _EqualsAny(Lookup):
    lookup_name = "equals_any"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


@contextmanager
def collection_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for a bounded stretch of allocation-heavy work (a batch of a bulk
    import: thousands of new instances and dicts, hardly a cycle among them), on again after it. Collections
    triggered by the allocations alone take a tenth of such a batch and find nothing; whatever cycles the batch did
    make are collected once it is over."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
