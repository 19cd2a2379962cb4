from django.db import migrations

from core.partitions import partition_by_month_operation


class Migration(migrations.Migration):
    """On PostgreSQL the event log becomes partitioned by the month of its ids (docs/scaling.md, "Partitioned
    history"): its rows are moved in, its indexes and the webhook deliveries' foreign key put back. Nothing changes on
    SQLite."""

    dependencies = [("core", "0009_credit_transaction_event_types")]

    operations = [partition_by_month_operation("core_event", "evt")]
