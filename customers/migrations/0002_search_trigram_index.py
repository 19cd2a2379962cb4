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
        # `company_name` filters with icontains, which PostgreSQL writes as UPPER(name) LIKE UPPER(%term%).
        postgres_sql(
            "CREATE INDEX IF NOT EXISTS customer_name_trgm_idx ON customers_customer "
            "USING gin (upper(name) gin_trgm_ops)",
            "DROP INDEX IF EXISTS customer_name_trgm_idx",
        ),
    ]
