from django.db import migrations

from core.partitions import partition_by_month_operation


class Migration(migrations.Migration):
    """On PostgreSQL the ledger becomes partitioned by the month of its ids (docs/scaling.md, "Partitioned history"):
    its rows are moved in, its indexes, constraints and append-only trigger put back. Nothing changes on SQLite."""

    dependencies = [("credit", "0006_currency_codes_from_iso4217_table")]

    operations = [partition_by_month_operation("credit_creditledgerentry", "cle")]
