from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

from core.migrations_utils import postgres_sql


class Migration(migrations.Migration):
    dependencies = [("customers", "0001_initial")]

    operations = [
        TrigramExtension(),
        postgres_sql(
            "CREATE INDEX IF NOT EXISTS customer_search_trgm_idx ON customers_customer "
            "USING gin (search_document gin_trgm_ops)",
            "DROP INDEX IF EXISTS customer_search_trgm_idx",
        ),
    ]
