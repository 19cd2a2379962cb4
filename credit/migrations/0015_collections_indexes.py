from django.db import migrations, models

from core.migrations_utils import AddIndexConcurrently

OUTSTANDING = models.Q(("amount_repaid__lt", models.F("amount")), ("status", "completed"))


class Migration(migrations.Migration):
    # CREATE INDEX CONCURRENTLY: purchases (millions of rows) stay writable while their indexes are built. The ledger
    # is partitioned (0007), which PostgreSQL cannot index concurrently: its index, partial to the repayment entries,
    # is a plain one.
    atomic = False

    dependencies = [("credit", "0014_collections_owner_and_oldest_unpaid_due")]

    operations = [
        migrations.AddIndex(
            model_name="creditledgerentry",
            index=models.Index(
                condition=models.Q(("entry_type", "repayment")),
                fields=["customer", "currency_code", "created_at"],
                name="ledger_repayment_idx",
            ),
        ),
        AddIndexConcurrently(
            model_name="credittransaction",
            index=models.Index(condition=OUTSTANDING, fields=["due_at", "id"], name="credit_tx_owed_due_idx"),
        ),
        AddIndexConcurrently(
            model_name="credittransaction",
            index=models.Index(
                models.F("amount") - models.F("amount_repaid"),
                models.F("id"),
                condition=OUTSTANDING,
                name="credit_tx_owed_amount_idx",
            ),
        ),
    ]
