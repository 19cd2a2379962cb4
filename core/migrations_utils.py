"""Migration operations that only apply on PostgreSQL (the embedded SQLite default skips them)."""

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
