import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("customers", "0007_email_validator_compiled")]

    operations = [
        migrations.AddField(
            model_name="customerimportpart",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, default=django.utils.timezone.now),
            preserve_default=False,
        ),
    ]
