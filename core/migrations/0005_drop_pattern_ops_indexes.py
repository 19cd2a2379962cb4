"""Drop the `varchar_pattern_ops` ("_like") indexes Django adds on PostgreSQL beside every indexed text column: here
they sit on prefixed ids and the foreign keys holding them, which are only ever compared whole (never LIKE 'x%'),
so each was one more index written on every insert, for nothing (the ledger had five). Bulk import: about 10 %
faster. `tests/core/test_constraints.py` checks none comes back with a later migration."""

from django.db import migrations

from core.migrations_utils import drop_pattern_ops_indexes


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0004_event_customer_single_index"),
        ("credit", "0003_credit_transaction_billed_at_settable"),
        ("customers", "0004_import_dispatched_at"),
    ]

    operations = [drop_pattern_ops_indexes("core", "credit", "customers")]
