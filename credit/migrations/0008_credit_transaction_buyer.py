import django.db.models.deletion
from django.db import migrations, models

from core.migrations_utils import postgres_sql

# The buyer must be a user of the customer billed: (customer_id, customer_user_id) references the user's
# (customer_id, id). A purchase without a buyer (NULL) is not checked (MATCH SIMPLE).
FORWARD = """
ALTER TABLE credit_credittransaction ADD CONSTRAINT credit_tx_buyer_of_customer
FOREIGN KEY (customer_id, customer_user_id) REFERENCES customers_customeruser (customer_id, id)
DEFERRABLE INITIALLY DEFERRED;
"""
BACKWARD = "ALTER TABLE credit_credittransaction DROP CONSTRAINT IF EXISTS credit_tx_buyer_of_customer;"


class Migration(migrations.Migration):
    dependencies = [
        ("credit", "0007_partition_ledger"),
        ("customers", "0012_customer_user_customer_id_key"),
    ]

    operations = [
        migrations.AddField(
            model_name="credittransaction",
            name="customer_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="credit_transactions",
                to="customers.customeruser",
            ),
        ),
        postgres_sql(FORWARD, BACKWARD),
    ]
