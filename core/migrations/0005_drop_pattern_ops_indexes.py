"""Drop the `varchar_pattern_ops` ("_like") indexes Django adds on PostgreSQL beside every indexed text column: here
they sit on prefixed ids and the foreign keys holding them, which are only ever compared whole (never LIKE 'x%'),
so each was one more index written on every insert, for nothing (the ledger had five). Bulk import: about 10 %
faster. `tests/core/test_constraints.py` checks none comes back with a later migration."""

from django.db import migrations

APPS = ("core", "credit", "customers")


def drop_pattern_ops_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE %s "
            "AND indexdef LIKE %s AND split_part(tablename, '_', 1) = ANY(%s)",
            ["%\\_like", "%pattern_ops%", list(APPS)],
        )
        for (name,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_event_customer_single_index"),
        ("credit", "0003_credit_transaction_billed_at_settable"),
        ("customers", "0004_import_dispatched_at"),
    ]

    operations = [migrations.RunPython(drop_pattern_ops_indexes, migrations.RunPython.noop, elidable=False)]
