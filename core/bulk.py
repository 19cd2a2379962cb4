"""Inserting many rows at once. On PostgreSQL rows are streamed with COPY (a few microseconds a row, and the
server inserts while Python prepares the next rows); elsewhere Django's bulk_create."""

from django.db import connection
from django.db.models import JSONField, Model


def bulk_insert(model: type[Model], objects: list[Model]) -> list[Model]:
    """Insert new `objects` of `model` in the current transaction. Field defaults and `auto_now(_add)` apply as
    in `save()`; no signals are sent (as with bulk_create)."""
    if not objects:
        return objects
    if connection.vendor != "postgresql":
        return model._default_manager.bulk_create(objects)
    fields = list(model._meta.concrete_fields)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    # Most columns take the attribute as psycopg adapts it; only fields with their own save-time behaviour (auto
    # timestamps, JSON) go through Django's preparation, which is what costs time per value.
    prepared = [
        isinstance(field, JSONField) or getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
        for field in fields
    ]
    with connection.cursor() as cursor, cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for obj in objects:
            copy.write_row(
                [
                    field.get_db_prep_save(field.pre_save(obj, True), connection)
                    if slow
                    else getattr(obj, field.attname)
                    for field, slow in zip(fields, prepared, strict=True)
                ]
            )
    for obj in objects:
        obj._state.adding = False
        obj._state.db = connection.alias
    return objects
