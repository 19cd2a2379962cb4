"""Migration operations that only apply on PostgreSQL (the embedded SQLite default skips them)."""

from django.contrib.postgres import operations as postgres_operations
from django.db import migrations


def postgres_sql(forward: str, backward: str) -> migrations.RunPython:
    def run(sql: str):
        def apply(apps, schema_editor):
            if schema_editor.connection.vendor == "postgresql":
                schema_editor.execute(sql, params=None)

        return apply

    return migrations.RunPython(run(forward), run(backward), elidable=False)


def drop_pattern_ops_indexes(*apps: str) -> migrations.RunPython:
    """Drop the `varchar_pattern_ops` ("_like") indexes Django adds on PostgreSQL beside every indexed text column, on
    the tables of `apps`: ours sit on prefixed ids and the foreign keys holding them, only ever compared whole (never
    LIKE 'x%'), so each would be one more index written on every insert for nothing."""

    def apply(apps_registry, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE %s "
                "AND indexdef LIKE %s AND split_part(tablename, '_', 1) = ANY(%s)",
                ["%\\_like", "%pattern_ops%", list(apps)],
            )
            for (name,) in cursor.fetchall():
                cursor.execute(f'DROP INDEX IF EXISTS "{name}"')

    return migrations.RunPython(apply, migrations.RunPython.noop, elidable=False)


class AddIndexConcurrently(postgres_operations.AddIndexConcurrently):
    """AddIndex that, on PostgreSQL, builds the index without blocking writes to the table meanwhile (CREATE INDEX
    CONCURRENTLY: the migration must say `atomic = False`); a plain AddIndex elsewhere (the embedded SQLite)."""

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_forwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_forwards(self, app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == "postgresql":
            return super().database_backwards(app_label, schema_editor, from_state, to_state)
        return migrations.AddIndex.database_backwards(self, app_label, schema_editor, from_state, to_state)
