"""The buyer's foreign key to the customer user's prefixed id got a LIKE index from Django (created after 0008's own
operations, so it is dropped here): never used, and one more index written per purchase."""

from django.db import migrations

from core.migrations_utils import drop_pattern_ops_indexes


class Migration(migrations.Migration):
    dependencies = [("credit", "0008_credit_transaction_buyer")]

    operations = [drop_pattern_ops_indexes("credit")]
