from django.db import migrations, models
from django.db.models.functions import Replace

from core.migrations_utils import AddIndexConcurrently


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY: a table of millions of customers stays writable while it is built

    dependencies = [("customers", "0008_import_part_updated_at")]

    operations = [
        AddIndexConcurrently(
            model_name="customer",
            index=models.Index(
                Replace(Replace(models.F("ein"), models.Value("-")), models.Value(" ")),
                condition=models.Q(credit_status__isnull=False),
                name="customer_ein_digits_idx",
            ),
        ),
    ]
