"""An import that stopped recorded the error's own text as its failure, which its page shows to viewers: for a
database error, PostgreSQL's message quoting the row. Such texts are replaced by the message imports record now (the
errors themselves are in the logs of the time)."""

from django.db import migrations

MESSAGE = "an unexpected error on the server (logged with this import's id, {id})"


def forward(apps, schema_editor):
    CustomerImport = apps.get_model("customers", "CustomerImport")
    for customer_import in CustomerImport.objects.exclude(failure="").only("id", "failure"):
        if customer_import.failure != MESSAGE.format(id=customer_import.id):
            customer_import.failure = MESSAGE.format(id=customer_import.id)
            customer_import.save(update_fields=["failure"])


class Migration(migrations.Migration):
    dependencies = [("customers", "0013_customer_json_document_limits")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
