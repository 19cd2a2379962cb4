from django.db import migrations, models


class Migration(migrations.Migration):
    """The (customer, id) index of customer users becomes a unique constraint (the same index): a purchase's buyer
    references it with its customer (credit 0008), so a buyer can only be a user of the customer that bought."""

    dependencies = [("customers", "0011_country_iso_3166_1_list")]

    operations = [
        migrations.AddConstraint(
            model_name="customeruser",
            constraint=models.UniqueConstraint(fields=("customer", "id"), name="customer_user_customer_id_key"),
        ),
        migrations.RemoveIndex(model_name="customeruser", name="customer_user_customer_id_idx"),
    ]
