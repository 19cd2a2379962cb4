"""The `varchar_pattern_ops` index Django adds beside core_outboundemail's primary key (see 0005): ids are only
compared whole. A migration of its own, because Django creates that index at the end of the migration that creates
the table, after any operation of that migration could drop it."""

from django.db import migrations

from core.migrations_utils import drop_pattern_ops_indexes


class Migration(migrations.Migration):
    dependencies = [("core", "0006_outbound_email")]

    operations = [drop_pattern_ops_indexes("core")]
