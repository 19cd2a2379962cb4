"""The parts' foreign key to the import's prefixed id got a LIKE index from Django (created after 0005's own operations,
so it is dropped here): never used, and one more index written per part."""

from django.db import migrations

from core.migrations_utils import drop_pattern_ops_indexes


class Migration(migrations.Migration):
    dependencies = [("customers", "0005_import_parts")]

    operations = [drop_pattern_ops_indexes("customers")]
