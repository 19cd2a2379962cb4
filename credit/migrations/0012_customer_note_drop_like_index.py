"""The note's foreign keys to prefixed ids got LIKE indexes from Django (created after 0010's own operations, so they
are dropped here): never used, and more indexes written per note."""

from django.db import migrations

from core.migrations_utils import drop_pattern_ops_indexes


class Migration(migrations.Migration):
    dependencies = [("credit", "0011_reasons_in_major_units")]

    operations = [drop_pattern_ops_indexes("credit")]
